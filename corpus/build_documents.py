#!/usr/bin/env python3
"""Build the corpus PDFs from their Markdown sources.

Reads every ``corpus/sources/*.md`` (YAML front matter + Markdown) and writes
``corpus/documents/<id>.pdf`` with fpdf2.

Usage::

    python corpus/build_documents.py            # build all documents
    python corpus/build_documents.py --check    # exit 1 if a committed PDF is out of date
    python corpus/build_documents.py ID [ID..]  # build (or check) only these documents

Supported Markdown subset: ``#``/``##``/``###`` headings, paragraphs, ``-`` and
``1.`` lists, ``**bold**`` and ``*italic*`` inline, pipe tables (first row is the
header), and the markers ``<!-- pagebreak -->``, ``<!-- columns: 2 -->`` and
``<!-- columns: 1 -->``.

The output is deterministic: the creation date is fixed, so rebuilding unchanged
sources gives identical bytes.
"""


from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guide_pdf import render
from guide_source import SourceError, load

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
DOCUMENTS = HERE / "documents"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if any committed PDF is missing or out of date")
    parser.add_argument("ids", nargs="*", help="build only these document ids")
    args = parser.parse_args(argv)

    sources = sorted(SOURCES.glob("*.md"))
    if args.ids:
        wanted = set(args.ids)
        sources = [p for p in sources if p.stem in wanted]
        missing = wanted - {p.stem for p in sources}
        if missing:
            print(f"error: no source for {', '.join(sorted(missing))} in {SOURCES}",
                  file=sys.stderr)
            return 2
    if not sources:
        print(f"error: no sources found in {SOURCES}", file=sys.stderr)
        return 2

    DOCUMENTS.mkdir(parents=True, exist_ok=True)
    stale = []
    for path in sources:
        try:
            doc = load(path)
            data, pages = render(doc)
        except SourceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        out = DOCUMENTS / f"{doc.id}.pdf"
        current = out.read_bytes() if out.exists() else None
        if args.check:
            state = "up to date" if current == data else (
                "missing" if current is None else "OUT OF DATE")
            if current != data:
                stale.append(out.name)
            print(f"{out.name}: {pages} pages, {state}")
        else:
            if current != data:
                out.write_bytes(data)
                state = "written"
            else:
                state = "unchanged"
            print(f"{out.name}: {pages} pages ({state})")
    if stale:
        print(f"{len(stale)} PDF(s) out of date: {', '.join(stale)}; "
              "run python corpus/build_documents.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
