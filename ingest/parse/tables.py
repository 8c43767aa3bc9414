"""Tables in PDF text: found in a layout text, put back into the plain text as pipe tables.

pypdf's plain text keeps the reading order of multi-column pages but writes a table's cells one
after another; a layout text (the page's text set out by position in fixed-width columns:
PDFium's through ingest/parse/pdf_layout.py, or pypdf's layout mode) keeps the columns of a
table but interleaves two-column prose. So
a table is found in the layout text (lines whose text sits in the same columns) and replaces its
own words in the plain text, where they appear as the same word sequence, row by row. A "table"
whose words do not appear in that order (two columns of prose) is not one, and is left alone.
Pipe-table lines (`| a | b |`) are what the chunker keeps whole (ingest/chunk/split.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Table", "with_tables", "find_tables"]

_SEGMENT = re.compile(r"\S+(?: \S+)*")  # text separated by two or more spaces is another cell
_LIST_MARKER = re.compile(r"^(\d{1,3}[.)]|[a-z][.)]|[-•–*▪◦])$")
_TOLERANCE = 2
_MAX_BLANK_RUN = 1  # more blank lines than this end a table


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]  # the first row is the header

    def words(self) -> list[str]:
        return [w for row in self.rows for cell in row for w in _words(cell)]

    def as_pipe_text(self) -> str:
        def line(row: tuple[str, ...]) -> str:
            return "| " + " | ".join(cell.replace("|", "/") for cell in row) + " |"
        header, *body = self.rows
        return "\n".join([line(header), "|" + "---|" * len(header), *map(line, body)])


def with_tables(plain: str, layout: str) -> str:
    """The plain page text with each table found in the layout text written as a pipe table."""
    for table in find_tables(layout):
        plain = _replace_words(plain, table)
    return plain


def find_tables(layout: str) -> list[Table]:
    lines = layout.splitlines()
    tables: list[Table] = []
    i = floor = 0  # floor: lines above belong to a table already found
    while i < len(lines):
        header = _segments(lines[i])
        if len(header) < 2:
            i += 1
            continue
        spans = [start - _TOLERANCE for start, _, _ in header]
        top = i
        while top > floor and _fits(lines[top - 1], spans):  # a header cell's first lines
            top -= 1
        end, block = _block(lines, top, spans)
        table = _table(block, spans)
        if table is not None:
            tables.append(table)
            i = floor = max(end, i + 1)
        else:
            i += 1
    return tables


def _segments(line: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _SEGMENT.finditer(line)]


def _column(start: int, end: int, spans: list[int]) -> int | None:
    """The column a piece of text lies in, or None when it crosses a column boundary."""
    column = max((j for j, left in enumerate(spans) if left <= start), default=None)
    if column is None:
        return None
    right = spans[column + 1] if column + 1 < len(spans) else None
    return column if right is None or end <= right + _TOLERANCE else None


def _fits(line: str, spans: list[int]) -> bool:
    segments = _segments(line)
    return bool(segments) and all(_column(s, e, spans) is not None for s, e, _ in segments)


def _block(lines: list[str], start: int, spans: list[int]) -> tuple[int, list[list[tuple]]]:
    """Lines from `start` whose text all sits in the columns; blank lines kept as []."""
    block: list[list[tuple]] = []
    blanks = 0
    i = start
    while i < len(lines):
        segments = _segments(lines[i])
        if not segments:
            blanks += 1
            if blanks > _MAX_BLANK_RUN:
                break
            block.append([])
            i += 1
            continue
        placed = [(_column(s, e, spans), text) for s, e, text in segments]
        if any(column is None for column, _ in placed):
            break
        blanks = 0
        block.append(placed)
        i += 1
    while block and not block[-1]:
        block.pop()
    return start + len(block), block


def _table(block: list[list[tuple]], spans: list[int]) -> Table | None:
    """Group the block's lines into rows: by blank lines when it has them, else line by line
    (a line with an empty first column continuing the row above)."""
    groups: list[list[list[tuple]]] = []
    if any(not line for line in block):
        current: list[list[tuple]] = []
        for line in block:
            if line:
                current.append(line)
            elif current:
                groups.append(current)
                current = []
        if current:
            groups.append(current)
    else:
        for line in block:
            if groups and all(column != 0 for column, _ in line):
                groups[-1].append(line)
            else:
                groups.append([line])
    rows = []
    for group in groups:
        cells: list[list[str]] = [[] for _ in spans]
        for line in group:
            for column, text in line:
                cells[column].append(text)
        rows.append(tuple(" ".join(parts) for parts in cells))
    multi_cell = sum(sum(bool(c) for c in row) >= 2 for row in rows)
    if len(rows) < 2 or multi_cell < 2 or not all(rows[0]):
        return None
    if all(_LIST_MARKER.match(row[0]) for row in rows if row[0]):  # a list's hanging indent
        return None
    return Table(tuple(rows))


def _words(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).split()


def _replace_words(plain: str, table: Table) -> str:
    """Swap the table's word sequence in the plain text for its pipe text; unchanged if absent."""
    wanted = table.words()
    lines = plain.splitlines()
    located = [(n, w) for n, line in enumerate(lines) for w in _words(line)]
    words = [w for _, w in located]
    first = wanted[0]
    for start in (k for k, w in enumerate(words) if w == first):
        if words[start:start + len(wanted)] != wanted:
            continue
        end = start + len(wanted) - 1
        first_line, last_line = located[start][0], located[end][0]
        before = [w for n, w in located[:start] if n == first_line]
        after = [w for n, w in located[end + 1:] if n == last_line]
        replacement = [" ".join(before)] if before else []
        replacement.append(table.as_pipe_text())
        replacement += [" ".join(after)] if after else []
        return "\n".join(lines[:first_line] + replacement + lines[last_line + 1:])
    return plain
