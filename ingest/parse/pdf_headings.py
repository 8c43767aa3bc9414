"""Section headings of a PDF without bookmarks, told by their print: larger than the body text,
or bold and numbered ("3.1.2 Drought vulnerability assessment", "7 Handlungsempfehlungen").

Real reports rarely carry an outline, so their passages had no section; a heading carried with
each chunk ("contextual chunk header") tells retrieval what a passage that says "it" is about.
The print is seen by a visitor on the same pypdf pass that reads the plain text, so finding
headings costs no second extraction. A heading line is marked as a Markdown heading, which the
chunker takes as the section in force (ingest/chunk/split.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Print", "body_size", "mark_headings"]

_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[A-H]\.?)\s+[A-ZÄÖÜ\u201e\"]")
_LARGER = 1.05  # a heading is printed at least this much larger than the body text
_MAX_LENGTH = 120  # characters; a longer line is body text in bold
_MAX_JOINED = 4  # pieces a heading line may be drawn in
_NOT_AT_END = tuple(".,;:-–")
# A heading line ending in one of these words goes on in the next line; else the next heading
# line is a heading of its own ("Steckbrief 1: ... Dächern" then "Hintergrund").
_GOES_ON = frozenset("für und oder der die das des den dem von zur zum mit im in auf an bei "
                     "and or of the for to on with a an by from at".split())


@dataclass
class Print:
    """What one page prints, as far as headings need it: characters by size, and the pieces
    printed bold or in other than the page's body size."""

    sizes: Counter[float] = field(default_factory=Counter)
    pieces: list[tuple[float, bool, str]] = field(default_factory=list)

    def visitor(self) -> Callable[..., None]:
        def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
            stripped = text.strip()
            if not stripped:
                return
            scale = abs(float(tm[3]) * float(cm[3])) or abs(float(tm[0]) * float(cm[0])) or 1.0
            printed = round(float(size or 0) * scale, 1)
            name = str(font.get("/BaseFont", "")) if hasattr(font, "get") else ""
            self.sizes[printed] += len(stripped)
            self.pieces.append((printed, bool(_BOLD.search(name)), " ".join(stripped.split())))
        return visit

    def condensed(self) -> Print:
        """Only what can be a heading (pieces larger than the body or bold), to keep per page."""
        body = self.sizes.most_common(1)[0][0] if self.sizes else 0.0
        kept = [(s, b, t) for s, b, t in self.pieces if b or s > body]
        return Print(self.sizes, kept)


def body_size(prints: list[Print]) -> float:
    total: Counter[float] = Counter()
    for page in prints:
        total.update(page.sizes)
    return total.most_common(1)[0][0] if total else 0.0


def _heading_texts(page: Print, body: float) -> set[str]:
    """The texts of runs of heading print on the page, and of each run's parts."""
    found: set[str] = set()
    run: list[tuple[bool, str]] = []
    runs: list[list[tuple[bool, str]]] = []
    for size, bold, text in page.pieces:
        if size >= _LARGER * body or (bold and size >= body * 0.98):
            run.append((size >= _LARGER * body, text))
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    for run in runs:
        for start in range(len(run)):
            for end in range(start + 1, min(len(run), start + _MAX_JOINED) + 1):
                part = run[start:end]
                text = " ".join(t for _, t in part)
                if all(large for large, _ in part) or _NUMBERED.match(text):
                    found.add(text)
    return found


def mark_headings(text: str, page: Print, body: float) -> str:
    """The page text with its heading lines as Markdown headings (`## ...`); consecutive heading
    lines become one (a wrapped heading, or a heading and its first subheading)."""
    if not page.pieces or body <= 0:
        return text
    headings = _heading_texts(page, body)
    if not headings:
        return text
    out: list[str] = []
    wrapped = False  # the previous line was a heading: a next one continues it
    for line in text.splitlines():
        bare = " ".join(line.split())
        if (bare in headings and len(bare) <= _MAX_LENGTH and not bare.startswith("|")
                and not bare.endswith(_NOT_AT_END) and any(ch.isalpha() for ch in bare)):
            if wrapped and len(out[-1]) + len(bare) <= 2 * _MAX_LENGTH:
                # a wrapped heading goes on; a heading right under another is its subsection
                out[-1] += f" {bare}" if _continues(out[-1], bare) else f" - {bare}"
            else:
                out.append(f"## {bare}")
            wrapped = True
            continue
        wrapped = wrapped and not bare
        out.append(line)
    return "\n".join(out)


def _continues(heading: str, line: str) -> bool:
    if _NUMBERED.match(line):
        return False
    return line[:1].islower() or heading.rsplit(" ", 1)[-1].lower() in _GOES_ON
