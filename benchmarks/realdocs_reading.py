"""How the PDF reader reads the three published reports: line-end hyphens against hand-checked
judgments (error rate), what decided them, running lines and left-out pages, and which text
order (pypdf plain or layout mode) keeps a hyphenated word's two halves next to each other, and
the section headings found by their print.

    python benchmarks/realdocs_reading.py [--realdocs DIR] [--write-judgments]

`benchmarks/realdocs/hyphenation.tsv` holds, per line-end hyphen outside left-out pages, the
form a reader wants (hand-checked: German syllable breaks joined, real and suspended hyphens
kept, the English report's compounds kept hyphenated).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from pathlib import Path

from _common import ROOT
from pypdf import PdfReader
from realdocs import REALDOCS, find_reports

from ingest.chunk.mentions import MentionFinder
from ingest.chunk.split import ChunkingParams, chunk_document
from ingest.parse.hyphenation import repair, vocabulary_of
from ingest.parse.page_roles import ROLES_LEFT_OUT, page_role, running_lines, strip_running
from ingest.parse.pdf import read_pdf

JUDGMENTS = ROOT / "benchmarks" / "realdocs" / "hyphenation.tsv"
LANGUAGE = {"Rouault-2016-1219.pdf": "de", "Wicke-2021-1323.pdf": "de",
            "Staub-2012-425.pdf": "en"}
logging.getLogger("pypdf").setLevel(logging.ERROR)


def decisions(path: Path, mode: str = "plain") -> list[tuple[int, str, str, str, str]]:
    """(page, left, right, joined, reason) of every line-end hyphen on the reading pages."""
    reader = PdfReader(path)
    texts = [(p.extract_text() if mode == "plain" else p.extract_text(extraction_mode="layout"))
             or "" for p in reader.pages]
    return decisions_in(texts, LANGUAGE[path.name])


def decisions_in(texts: list[str], language: str) -> list[tuple[int, str, str, str, str]]:
    """decisions() on page texts read by any library."""
    running = running_lines(texts)
    stripped = [strip_running(text, running)[0] for text in texts]
    vocabulary = vocabulary_of(stripped, language=language)
    found: list[tuple[int, str, str, str, str]] = []
    role = ""
    for number, text in enumerate(stripped, start=1):
        role = page_role(text, role)
        if role in ROLES_LEFT_OUT:
            continue
        made: list[tuple[str, str, str]] = []
        repair(text, vocabulary, made)
        for left, right, why in made:
            joined = repair(f"{left}-\n{right}", vocabulary)
            found.append((number, left, right, joined, why))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdocs", type=Path, default=REALDOCS)
    parser.add_argument("--write-judgments", action="store_true",
                        help="write the current decisions as judgments (then check them by hand)")
    args = parser.parse_args()
    reports = find_reports(args.realdocs)
    made = {path.name: decisions(path) for path in reports}
    if args.write_judgments:
        rows = [f"{name}\t{p}\t{left}\t{right}\t{joined}" for name, found in made.items()
                for p, left, right, joined, _ in found]
        JUDGMENTS.write_text("report\tpage\tleft\tright\twanted\n" + "\n".join(rows) + "\n")
    wanted = {tuple(line.split("\t")[:4]): line.split("\t")[4]
              for line in JUDGMENTS.read_text().splitlines()[1:]}
    print(f"{'report':24} {'hyphens':>7} {'judged':>6} {'errors':>6} {'rate':>6}  decided by")
    for name, found in made.items():
        judged = [(p, left, right, joined) for p, left, right, joined, _ in found
                  if (name, str(p), left, right) in wanted]
        errors = [j for j in judged if wanted[(name, str(j[0]), j[1], j[2])] != j[3]]
        reasons = Counter(why for *_, why in found)
        print(f"{name:24} {len(found):7} {len(judged):6} {len(errors):6} "
              f"{len(errors) / max(1, len(judged)):6.1%}  {dict(reasons)}")
        for p, left, right, joined in errors[:5]:
            print(f"    p. {p}: {left}-/{right} read as {joined!r}, wanted "
                  f"{wanted[(name, str(p), left, right)]!r}")
    print("\ntext order: share of line-end hyphens whose halves join into a word the report "
          "prints elsewhere (the next line continues the sentence)")
    for path in reports:
        for mode in ("plain", "layout"):
            started = time.perf_counter()
            found = decisions(path, mode)
            known = sum(why in ("vocabulary", "real hyphen", "suspended") for *_, why in found)
            print(f"  {path.name:24} {mode:6} {known / max(1, len(found)):6.1%} of "
                  f"{len(found):3} ({time.perf_counter() - started:.1f} s)")
    print("\npages (physical: printed label, role)")
    for path in reports:
        doc = read_pdf(path)
        left_out = [f"{p.number}:{p.role}" for p in doc.pages if p.role]
        differs = [f"{p.number}->{p.label}" for p in doc.pages if p.label != str(p.number)]
        print(f"  {path.name}: {doc.title!r} ({doc.publisher}, {doc.year}); left out "
              f"{', '.join(left_out) or 'none'}; printed labels that differ: "
              f"{', '.join(differs) or 'none'}")
        chunks = chunk_document(doc, ChunkingParams(1000, 150), MentionFinder([]))
        sections = list(dict.fromkeys(c.section for c in chunks))
        print(f"    sections told by their print: {len([s for s in sections if s])}, chunks "
              f"without one: {sum(not c.section for c in chunks)} of {len(chunks)}; first: "
              f"{sections[1:4]}")


if __name__ == "__main__":
    main()
