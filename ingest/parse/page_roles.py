"""What a report's pages repeat and what each page is for: running heads and feet, the printed
page number, and the pages that are no reading matter (contents, lists of figures, imprint,
reference lists, indexes).

A running line is one of the first or last lines of a page that recurs, digits aside, on
several pages ("Zukunftsorientierte Anpassungsmaßnahmen ... 5", "© PREPARED 25 20-9-2012"); a
line that is only a number there is the page number. Both are cut from the text; the number
is kept as the page's printed label.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["EDGE_LINES", "MIN_REPEATS", "MIN_SHARE", "ROLES_LEFT_OUT", "Running", "running_lines",
           "strip_running", "page_role"]

EDGE_LINES = 3  # lines from the top and from the bottom looked at for running heads and feet
MIN_REPEATS = 3  # pages a line must recur on to be a running line
MIN_SHARE = 0.1  # ... and at least this share of the pages
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_PAGE_NUMBER = re.compile(r"^(?:(?:seite|page|s\.)\s*)?(\d{1,4}|[ivxlc]{1,6})"
                          r"(?:\s*(?:/|von|of)\s*\d{1,4})?$", re.IGNORECASE)
_NUMBER_IN_LINE = re.compile(r"(?<![\d.\-/])\d{1,4}(?![\d.\-/])")
_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}\s*$|…{2,}\s*\d{1,4}\s*$")
_TOC_LINE = re.compile(r"^[A-Z0-9]{1,3}(?:\.\d+)*\.?\s+\S.*\s\d{1,4}$")
_REFERENCE_LINE = re.compile(r"\(\d{4}[a-z]?\)|^\[\d{1,3}\]|\b(?:19|20)\d\d[a-z]?\)?[.:,]")
_HEADINGS = {
    "contents": re.compile(r"^(?:inhalt|inhaltsverzeichnis|contents|table of contents)$"),
    "figures": re.compile(r"^(?:abbildungsverzeichnis|tabellenverzeichnis|abbildungen|"
                          r"list of (?:figures|tables)|figures|tables)$"),
    "imprint": re.compile(r"^(?:impressum|imprint|colophon|kolophon|herausgeber)\b"),
    "references": re.compile(r"^(?:\d+\s+)?(?:literaturverzeichnis|literatur|quellenverzeichnis|"
                             r"quellen|referenzen|references|bibliography|literature)"
                             r"(?:\s.{0,50})?$"),
    "index": re.compile(r"^(?:\d+\s+)?(?:index|register|stichwortverzeichnis|"
                        r"[a-z]+ index(?: of \w+)?)$"),
}
ROLES_LEFT_OUT = frozenset(_HEADINGS)  # pages of these roles give no passages


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _key(line: str) -> str:
    return _DIGITS.sub("#", _SPACES.sub(" ", line.lower()))


def _edges(lines: list[str]) -> list[str]:
    return lines[:EDGE_LINES] + lines[max(EDGE_LINES, len(lines) - EDGE_LINES):]


class Running(NamedTuple):
    lines: frozenset[str]  # keys of the running heads and feet
    numbered: frozenset[str]  # ... of those whose number changes from page to page


def running_lines(page_texts: Sequence[str]) -> Running:
    """The lines that recur at page edges: the document's running heads and feet."""
    seen: Counter[str] = Counter()
    numbers: dict[str, set[str]] = {}
    for text in page_texts:
        lines = _lines(text)
        if len(lines) <= 2 * EDGE_LINES:  # a page of a few lines has no head apart from body
            continue
        edges = {line for line in _edges(lines) if not _PAGE_NUMBER.match(line)}
        seen.update({_key(line) for line in edges})
        for line in edges:
            numbers.setdefault(_key(line), set()).update(_NUMBER_IN_LINE.findall(line))
    needed = max(MIN_REPEATS, round(MIN_SHARE * len(page_texts)))
    keys = frozenset(key for key, count in seen.items() if count >= needed)
    return Running(keys, frozenset(key for key in keys if len(numbers[key]) > 1))


def strip_running(text: str, running: Running) -> tuple[str, str]:
    """The page text without running lines and page numbers, and the printed page number
    ("" when the page prints none). Only lines next to the page's edge are cut: from the top
    and from the bottom, up to the first line that is neither."""
    lines = text.splitlines()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    cut: set[int] = set()
    label = in_running = ""
    for edge in (filled[:EDGE_LINES], filled[::-1][:EDGE_LINES]):
        for index in edge:
            stripped = lines[index].strip()
            number = _PAGE_NUMBER.match(stripped)
            key = _key(stripped)
            if number:
                label = label or number.group(1)
            elif key in running.lines:
                found = _NUMBER_IN_LINE.search(stripped)
                if found and not in_running and key in running.numbered:
                    in_running = found.group()
            else:
                break
            cut.add(index)
    kept = [line for index, line in enumerate(lines) if index not in cut]
    return "\n".join(kept), label or in_running


def page_role(text: str, previous: str = "") -> str:
    """'contents', 'figures', 'imprint', 'references' or 'index' for pages that are no
    reading matter; '' for the rest. A reference list or index without a heading of its own
    continues the previous page's."""
    lines = _lines(text)
    if not lines:
        return ""
    for line in lines[:4]:
        bare = _SPACES.sub(" ", line.lower().strip(" :"))
        for role, heading in _HEADINGS.items():
            if heading.match(bare) and (role != "imprint" or len(lines) < 80):
                return role
    leaders = sum(1 for line in lines if _LEADER.search(line))
    if leaders >= 3 and leaders >= 0.3 * len(lines):
        return "contents"
    if previous == "contents" and sum(bool(_TOC_LINE.match(x)) for x in lines) >= 0.5 * len(lines):
        return "contents"
    if previous == "references" and sum(
            bool(_REFERENCE_LINE.search(x)) for x in lines) >= 0.25 * len(lines):
        return "references"
    if previous == "index" and sum(bool(re.search(r"\d,?\s*$", x)) for x in lines) >= 0.5 * len(
            lines):
        return "index"
    return ""
