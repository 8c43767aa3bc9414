"""A page's text set out by position, for the table finder: PDFium's text runs placed in
fixed-width columns and lines the way pypdf's layout mode sets them, at a fraction of its cost.

pypdf's layout mode re-runs its content-stream interpreter in Python; it was most of the time
spent reading a report (it ran on 135 of 150 pages of the real reports). PDFium (C++, through
pypdfium2) already knows where each run of text on a line sits (its text rectangles), and for
the run's first character the pen position, the baseline and the font size times the text's
scale: what pypdf's layout mode sets its text by. So the rules are pypdf's
(pypdf/_text_extraction/_layout_mode): runs whose baselines lie less than a font size apart
share a line unless they start at the same x (the half-line offset of a table's vertically
centred cells), a run starts at the column of its pen position in characters of the page's
average width over 1.25, and each font size of empty space is a blank line, which is what tells
the table finder where a row ends (ingest/parse/tables.py).
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["Positions", "Run", "layout_text", "runs_of", "set_out"]

_CELL_GAP = 1.5  # characters; a wider gap between two runs of one line is a cell border
_MAX_BLANKS = 3
_WIDTH_SCALE = 1.25  # pypdf's: its fixed character is the average one over this
# PDFium marks a hyphen at a line end (U+FFFE; \x02 in bounded text): printed, it is a hyphen
_MARKS = str.maketrans({"\ufffe": "-", "\x02": "-", "\r": "", "\n": " "})


class Run(NamedTuple):
    x: float  # the pen position of the first character
    right: float
    baseline: float
    size: float  # the font size, pypdf's line height
    text: str  # with its own spaces at both ends, which say whether a word goes on


class Positions:
    """One PDF opened in PDFium, giving the positioned text of a page when asked."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._document: Any = None

    def layout(self, index: int) -> str:
        """The page's text set out by position. PDFium raises its own errors on a damaged
        file; the caller falls back to pypdf."""
        if self._document is None:
            # imported here, so a missing pypdfium2 costs the table pass its speed (the caller
            # falls back to pypdf's layout mode), not every PDF its reading
            import pypdfium2

            self._document = pypdfium2.PdfDocument(self._path)
        page = self._document[index]
        textpage = page.get_textpage()
        try:
            return layout_text(textpage)
        finally:  # a page's PDFium objects are freed now, not when the document goes
            textpage.close()
            page.close()

    def close(self) -> None:
        if self._document is not None:
            self._document.close()
            self._document = None


def runs_of(textpage: Any) -> list[Run]:
    """The text runs of a pypdfium2 PdfTextPage."""
    import pypdfium2.raw as pdfium

    runs = []
    x, y = ctypes.c_double(), ctypes.c_double()
    matrix = pdfium.FS_MATRIX()
    for index in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(index)
        text = textpage.get_text_bounded(left, bottom, right, top)
        if not text.strip():
            continue
        first = pdfium.FPDFText_GetCharIndexAtPos(textpage.raw, left + 0.5,
                                                  (bottom + top) / 2, 2.0, 2.0)
        if first < 0 or not pdfium.FPDFText_GetCharOrigin(textpage.raw, first, x, y):
            x.value, y.value = left, bottom
        size = 0.0
        if first >= 0 and pdfium.FPDFText_GetMatrix(textpage.raw, first, matrix):
            # the font size times the text's scale (a PDF may set size 1 and scale by 9)
            scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
            size = pdfium.FPDFText_GetFontSize(textpage.raw, first) * scale
        runs.append(Run(x.value, right, y.value, size or top - bottom, text.translate(_MARKS)))
    return runs


def layout_text(textpage: Any) -> str:
    return set_out(runs_of(textpage))


def set_out(runs: list[Run]) -> str:
    """The runs as fixed-width text (see the module)."""
    if not runs:
        return ""
    width = sum(r.right - r.x for r in runs) / sum(len(r.text) for r in runs) / _WIDTH_SCALE
    width = width or 1.0
    lines: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: (-int(r.baseline), r.x)):
        if lines:
            anchor = lines[-1][0]
            if (anchor.baseline - run.baseline < min(anchor.size, run.size)
                    and int(run.x) not in {int(r.x) for r in lines[-1]}):
                lines[-1].append(run)
                continue
        lines.append([run])
    out: list[str] = []
    for number, line in enumerate(lines):
        if number:
            gap = lines[number - 1][0].baseline - line[0].baseline
            out += [""] * min(_MAX_BLANKS, max(0, int(gap / line[0].size) - 1))
        text = ""
        end = None
        for run in sorted(line, key=lambda r: r.x):
            words = " ".join(run.text.split())
            if end is None or run.x - end > _CELL_GAP * width:
                column = int(run.x / width)
                text = text + " " * max(column - len(text), 2 if text else 0) + words
            else:  # the same cell in another font: a space only where the print has one
                spaced = text.endswith(" ") or run.text[0].isspace() or run.x - end > width / 2
                text = text.rstrip() + (" " if spaced else "") + words
            text += " " if run.text[-1].isspace() else ""
            end = max(end or 0.0, run.right)
        out.append(text.rstrip())
    return "\n".join(out)
