"""Which PDF library reads the real reports best: reading order, speed and positioned text.

    python benchmarks/pdf_libraries.py [--realdocs DIR] [--rounds 3]

For each candidate (pypdf plain and layout mode, pdfplumber, pdfminer.six's layout analysis,
pypdfium2) on the three published reports in `../shared/realdocs/`:
- hyphen pairs: the share of line-end hyphens whose two halves join into a word the report
  prints elsewhere (benchmarks/realdocs_reading.py): the next line continues the sentence;
- column sentences: on the two-column pages, the share of the sentences that lie inside one
  column (set by the words' positions, not by any library's order) that the text gives whole,
  i.e. the column's lines one after the other; letters and digits compared, so spacing,
  hyphens and ligatures do not count;
- pages/s: the median of `--rounds` runs reading every page's text;
- tables: on the pages that draw rules (the only ones that pay for a positioned pass, see
  ingest/parse/pdf.py), the pipe tables the reader makes when the candidate's positioned text
  takes the place of pypdf's layout text: pages with the same tables as today, tables lost and
  gained, and the positioned pass's pages/s. The shipped corpus's PDFs count too: their tables
  are the ones the tests hold.
A library that is not installed is skipped with a line saying so.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import statistics
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from _common import CORPUS
from realdocs import REALDOCS, find_reports
from realdocs_reading import LANGUAGE, decisions_in

from ingest.parse.pdf import _draws_rules, _tables_unless_prose

logging.getLogger("pypdf").setLevel(logging.ERROR)
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ\u201e\"(])")
_MIN_SENTENCE = 8  # words; shorter "sentences" are captions and table cells
_GUTTER = 8.0  # points free of words on every line of the two columns
_MIN_SPLIT_LINES = 10
_BREAK = "\u00b6"  # a full-width line between column lines: no sentence runs across it


def _pypdf(mode: str) -> Callable[[Path], list[str]]:
    def read(path: Path) -> list[str]:
        from pypdf import PdfReader
        pages = PdfReader(path).pages
        if mode == "layout":
            return [p.extract_text(extraction_mode="layout") or "" for p in pages]
        return [p.extract_text() or "" for p in pages]
    return read


def _pdfplumber(path: Path) -> list[str]:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _pdfminer(path: Path) -> list[str]:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    return extract_text(str(path), laparams=LAParams()).split("\f")


def _pdfium_text(text: str) -> str:
    # PDFium marks a hyphen it found at a line end as U+FFFE and drops the line break
    return text.replace("\r\n", "\n").replace("\ufffe", "-\n")


def _pypdfium2(path: Path) -> list[str]:
    import pypdfium2
    document = pypdfium2.PdfDocument(path)
    try:
        return [_pdfium_text(page.get_textpage().get_text_range()) for page in document]
    finally:
        document.close()


def _layout_pypdf(path: Path, indexes: list[int]) -> list[str]:
    from pypdf import PdfReader
    pages = PdfReader(path).pages
    return [pages[i].extract_text(extraction_mode="layout") or "" for i in indexes]


def _layout_pdfplumber(path: Path, indexes: list[int]) -> list[str]:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        return [pdf.pages[i].extract_text(layout=True) or "" for i in indexes]


def _layout_pypdfium2(path: Path, indexes: list[int]) -> list[str]:
    import pypdfium2

    from ingest.parse.pdf_layout import layout_text
    document = pypdfium2.PdfDocument(path)
    try:
        return [layout_text(document[i].get_textpage()) for i in indexes]
    finally:
        document.close()


# name: (module that must import, page texts, positioned text of some pages or None)
CANDIDATES: dict[str, tuple[str, Callable[[Path], list[str]],
                            Callable[[Path, list[int]], list[str]] | None]] = {
    "pypdf plain": ("pypdf", _pypdf("plain"), None),
    "pypdf layout": ("pypdf", _pypdf("layout"), _layout_pypdf),
    "pdfplumber": ("pdfplumber", _pdfplumber, _layout_pdfplumber),
    "pdfminer.six boxes": ("pdfminer", _pdfminer, None),
    "pypdfium2": ("pypdfium2", _pypdfium2, _layout_pypdfium2),
}


def _letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


def column_sentences(path: Path) -> dict[int, list[str]]:
    """Per two-column page (index), the sentences that lie inside one column, from the words'
    positions (pdfplumber's words: only where they are printed is used, not its order)."""
    import pdfplumber
    found: dict[int, list[str]] = {}
    with pdfplumber.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            lines: dict[int, list[dict]] = {}
            for word in page.extract_words():
                top = round(float(word["top"]) / 2)  # 2-point bands make a line
                lines.setdefault(top, []).append(word)
            gutter = _gutter(list(lines.values()), float(page.width))
            if gutter is None:
                continue
            columns: tuple[list[str], list[str]] = ([], [])
            for top in sorted(lines):
                words = sorted(lines[top], key=lambda w: float(w["x0"]))
                if any(float(w["x0"]) < gutter + _GUTTER / 2 and float(w["x1"]) > gutter
                       - _GUTTER / 2 for w in words):
                    columns[0].append(_BREAK)
                    columns[1].append(_BREAK)
                    continue
                for side, column in enumerate(columns):
                    part = [w["text"] for w in words if (float(w["x0"]) > gutter) == bool(side)]
                    if part:
                        column.append(" ".join(part))
            sentences = []
            for column in columns:
                pieces = _SENTENCE_END.split(" ".join(column))[1:-1]  # ends may go on elsewhere
                sentences += [s for s in pieces if _BREAK not in s
                              and len(s.split()) >= _MIN_SENTENCE]
            if sentences:
                found[index] = sentences
    return found


def _gutter(lines: list[list[dict]], width: float) -> float | None:
    """The x of a band no line's words enter while many lines have words on both sides."""
    best, best_split = None, 0
    for x in range(int(0.3 * width), int(0.7 * width), 2):
        split = 0
        for words in lines:
            if any(float(w["x0"]) < x + _GUTTER / 2 and float(w["x1"]) > x - _GUTTER / 2
                   for w in words):
                continue
            split += any(float(w["x1"]) < x for w in words) and any(
                float(w["x0"]) > x for w in words)
        if split > best_split:
            best, best_split = float(x), split
    return best if best_split >= max(_MIN_SPLIT_LINES, 0.25 * len(lines)) else None


def _tables(text: str) -> list[str]:
    found, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append("\n".join(current))
            current = []
    return found


def table_pages(paths: list[Path]) -> dict[Path, tuple[list[int], list[str], list[list[str]]]]:
    """Per PDF: the pages that draw rules, their pypdf plain text and today's tables."""
    from pypdf import PdfReader
    found = {}
    for path in paths:
        pages = PdfReader(path).pages
        indexes = [i for i, page in enumerate(pages) if _draws_rules(page)]
        plain = [pages[i].extract_text() or "" for i in indexes]
        layout = _layout_pypdf(path, indexes)
        found[path] = (indexes, plain, [_tables(_tables_unless_prose(p, lay))
                                        for p, lay in zip(plain, layout, strict=True)])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdocs", type=Path, default=REALDOCS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    reports = find_reports(args.realdocs)
    available = {}
    for name, (module, read, layout) in CANDIDATES.items():
        try:
            importlib.import_module(module)
        except ImportError:
            print(f"skipped {name}: `{module}` is not importable (pip install it to compare)")
            continue
        available[name] = (read, layout)
    try:
        truth = {path: column_sentences(path) for path in reports}
    except ImportError:
        truth = {}
        print("column check skipped: it takes the words' positions from pdfplumber, which is "
              "not importable")
    sentences = sum(len(s) for found in truth.values() for s in found.values())
    print(f"two-column pages: {', '.join(f'{p.name} {len(f)}' for p, f in truth.items())}; "
          f"{sentences} sentences inside one column")
    rule_pdfs = sorted((CORPUS / "documents").glob("*.pdf")) + reports
    rules = table_pages(rule_pdfs)
    ruled = sum(len(v[0]) for v in rules.values())
    today = sum(len(t) for v in rules.values() for t in v[2])
    print(f"table check: {ruled} pages that draw rules in {len(rule_pdfs)} PDFs (shipped corpus "
          f"and reports), {today} tables today (pypdf plain + layout)\n")
    header = (f"{'library':20} {'hyphen pairs':>12} {'column sentences':>16} {'pages/s':>8}  "
              f"{'tables: same pages / lost / gained, positioned pages/s':>54}")
    print(header)
    print("-" * len(header))
    for name, (read, layout) in available.items():
        seconds, texts = [], {}
        for _ in range(args.rounds):
            started = time.perf_counter()
            texts = {path: read(path) for path in reports}
            seconds.append(time.perf_counter() - started)
        pages = sum(len(t) for t in texts.values())
        found = [d for path in reports for d in decisions_in(texts[path], LANGUAGE[path.name])]
        known = sum(why in ("vocabulary", "real hyphen", "suspended") for *_, why in found)
        whole = sum(_letters(s) in _letters(texts[path][index])
                    for path, pages_found in truth.items()
                    for index, page_sentences in pages_found.items() for s in page_sentences)
        columns = f"{whole / sentences:.1%}" if sentences else "n/a"
        tables = "no positioned text"
        if layout is not None:
            same = lost = gained = 0
            started = time.perf_counter()
            positioned = {path: layout(path, v[0]) for path, v in rules.items()}
            rate = ruled / (time.perf_counter() - started)
            for path, (_, plain, old) in rules.items():
                for text, lay, before in zip(plain, positioned[path], old, strict=True):
                    after = _tables(_tables_unless_prose(text, lay))
                    same += after == before
                    lost += len(set(before) - set(after))
                    gained += len(set(after) - set(before))
            tables = f"{same}/{ruled} / {lost} / {gained}, {rate:.1f}"
        print(f"{name:20} {known / max(1, len(found)):12.1%} {columns:>16} "
              f"{pages / statistics.median(seconds):8.1f}  {tables:>54}", flush=True)


if __name__ == "__main__":
    main()
