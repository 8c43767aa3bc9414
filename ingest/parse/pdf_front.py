"""Title, publisher and year of a PDF that carries no front matter of ours.

The PDF's own /Title wins unless it is a placeholder ("Untitled", a file or job name such as
"20120920_Catalogue of ..."); then the title is the first page's largest print. The
publisher is what an imprint names under a "Herausgeber"/"Publisher" label (its first line: the
lines after it are the address), or beside it ("Herausgeber: Umweltbundesamt"). A project's
report lists its partners instead ("Beteiligte Institutionen", "Project partners"): its
publisher is then the project the imprint names ("Titel des Verbundprojektes: KURAS - ..."
gives "KURAS"), else all the partners, never the first alone. Else the holder of a © line.
The year is the latest plausible year the first and last pages print (a report prints its
edition there; the file's creation date is often a later re-export), else the year the file
was made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["usable_title", "largest_print", "publisher_of", "year_of"]

_PLACEHOLDER = re.compile(r"^(?:untitled|unbenannt|microsoft word|document|dokument)\b|"
                          r"^\d{6,}|_|\.(?:docx?|pdf|indd|qxd)$", re.IGNORECASE)
_PUBLISHER_LABEL = re.compile(r"^(?:herausgeber(?:in)?|herausgegeben von|publisher|"
                              r"published by)\b\s*:?\s*(.*)$", re.IGNORECASE)
_OTHER_LABEL = re.compile(r"^(?:autor|redaktion|gestaltung|satz|stand|bildnachweis|author|"
                          r"editor|design|layout)", re.IGNORECASE)
_PARTNERS_LABEL = re.compile(r"^(?:beteiligte institutionen|projektpartner(?:innen)?|"
                             r"verbundpartner|partner|project partners|partners|consortium|"
                             r"konsortium)\s*:?\s*$", re.IGNORECASE)
_PROJECT_LABEL = re.compile(r"^(?:titel des (?:verbund)?projekte?s|(?:verbund)?projekt|"
                            r"project(?: title)?)\s*:?\s*(.*)$", re.IGNORECASE)
_PROJECT_NAME = re.compile(r"^([A-ZÄÖÜ][\w-]{1,30})\s+[-–:]\s")  # "KURAS - Konzepte für ..."
_MAX_PUBLISHER = 120
_COPYRIGHT = re.compile(r"^©\s*(?:(?:19|20)\d\d(?:\s*[-–]\s*(?:19|20)\d\d)?\s*)?(.{2,80})$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_MAX_TITLE = 200
_TITLE_SHARE = 0.85  # lines printed at least this share of the largest size make the title


def usable_title(value: str) -> str:
    value = " ".join(value.split())
    return "" if not value or _PLACEHOLDER.search(value) else value[:_MAX_TITLE]


def largest_print(page: Any) -> str:
    """The text a pypdf page prints largest (a cover's or first page's title), in reading
    order (pypdf is imported by ingest/parse/pdf.py alone)."""
    pieces: list[tuple[float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        scale = abs(float(tm[3]) * float(cm[3])) or abs(float(tm[0]) * float(cm[0])) or 1.0
        if text.strip():
            pieces.append((float(size or 0) * scale, text))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:  # a page pypdf cannot walk costs the title, not the document
        return ""
    if not pieces:
        return ""
    largest = max(size for size, _ in pieces)
    group: list[str] = []  # the first run of the largest print: a later one is a heading
    for size, text in pieces:
        if size >= _TITLE_SHARE * largest:
            group.append(text.strip())
        elif group:
            break
    title = " ".join(group)
    return " ".join(title.split())[:_MAX_TITLE]


def publisher_of(texts: Sequence[str]) -> str:
    """The publisher an imprint or a first page names (texts: the first and last pages)."""
    entries = [entry for text in texts for entry in _entries(text)]
    for label, lines in entries:
        named = _PUBLISHER_LABEL.match(label)
        if not named:
            continue
        beside = named.group(1)  # "Herausgeber Autorenschaft": a two-column imprint's labels
        value = beside if beside and not _OTHER_LABEL.match(beside) else (lines or [""])[0]
        if value:
            return value.rstrip(" ,;")[:_MAX_PUBLISHER]
    for label, lines in entries:
        if _PARTNERS_LABEL.match(label) and lines:
            return _project(entries) or "; ".join(
                line.rstrip(" ,;") for line in lines)[:_MAX_PUBLISHER]
    for text in texts:
        for line in text.splitlines():
            found = _COPYRIGHT.match(line.strip())
            if found and any(ch.isalpha() for ch in found.group(1)):
                return found.group(1).strip(" ,;")
    return ""


def _entries(text: str) -> list[tuple[str, list[str]]]:
    """Each line of a page with the lines under it up to the next blank line: an imprint sets
    each entry as a label with its value under it."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    entries = []
    for index, line in enumerate(lines):
        if not line:
            continue
        under: list[str] = []
        for below in lines[index + 1:]:
            if not below:
                break
            under.append(below)
        entries.append((line, under))
    return entries


def _project(entries: list[tuple[str, list[str]]]) -> str:
    for label, lines in entries:
        found = _PROJECT_LABEL.match(label)
        value = found and (found.group(1) or (lines[0] if lines else ""))
        name = _PROJECT_NAME.match(value) if value else None
        if name:
            return name.group(1)
    return ""


def year_of(texts: Sequence[str], info: Any) -> str:
    made = _YEAR.search(str(info.get("/CreationDate") or ""))
    latest = int(made.group(1)) if made else 2100
    years = [int(y) for text in texts for y in _YEAR.findall(text) if int(y) <= latest]
    if years:
        return str(max(years))
    return made.group(1) if made else ""
