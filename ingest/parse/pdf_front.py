"""Title, publisher and year of a PDF that carries no front matter of ours.

The PDF's own /Title wins unless it is a placeholder ("Untitled", a file or job name such as
"20120920_Catalogue of ..."); then the title is the first page's largest print. The
publisher is the line after an imprint's "Herausgeber"/"Publisher" label, else the holder of
a © line; the year is the latest plausible year the first and last pages print (a report
prints its edition there; the file's creation date is often a later re-export), else the
year the file was made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["usable_title", "largest_print", "publisher_of", "year_of"]

_PLACEHOLDER = re.compile(r"^(?:untitled|unbenannt|microsoft word|document|dokument)\b|"
                          r"^\d{6,}|_|\.(?:docx?|pdf|indd|qxd)$", re.IGNORECASE)
_PUBLISHER_LABEL = re.compile(r"^(?:herausgeber(?:in)?|herausgegeben von|publisher|"
                              r"published by|beteiligte institutionen)\b", re.IGNORECASE)
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
    for text in texts:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for index, line in enumerate(lines[:-1]):
            if _PUBLISHER_LABEL.match(line):
                return lines[index + 1].rstrip(" ,;")[:120]
    for text in texts:
        for line in text.splitlines():
            found = _COPYRIGHT.match(line.strip())
            if found and any(ch.isalpha() for ch in found.group(1)):
                return found.group(1).strip(" ,;")
    return ""


def year_of(texts: Sequence[str], info: Any) -> str:
    made = _YEAR.search(str(info.get("/CreationDate") or ""))
    latest = int(made.group(1)) if made else 2100
    years = [int(y) for text in texts for y in _YEAR.findall(text) if int(y) <= latest]
    if years:
        return str(max(years))
    return made.group(1) if made else ""
