"""The German Länder a question names: in German or English, as a name, an adjective or a
common abbreviation ('in Sachsen', 'a Bavarian town', 'NRW').

A Land decides which Land programmes a municipality may apply to, and which Land's guides
speak to it, so it raises those tools and lowers other Länder's programmes
(assistant/retrieval/tool_ranking.py). Names inside longer names do not count: 'Sachsen' is
not named by 'Niedersachsen' or 'Sachsen-Anhalt'.
"""

from __future__ import annotations

import re

from ingest.core.records import LAENDER

__all__ = ["lands_in"]

# Land -> the forms that name it beside its German name (adjective stems take any ending).
_FORMS: dict[str, tuple[str, ...]] = {
    "Baden-Württemberg": ("baden-wuerttemberg", "baden-wurttemberg", "bawü",
                          r"baden-württembergisch\w*"),
    "Bayern": ("bavaria", r"bavarian", r"bayerisch\w*", "freistaat bayern"),
    "Berlin": (),
    "Brandenburg": (r"brandenburgisch\w*",),
    "Bremen": (r"bremisch\w*",),
    "Hamburg": (r"hamburgisch\w*",),
    "Hessen": ("hesse", r"hessisch\w*", "hessian"),
    "Mecklenburg-Vorpommern": ("mecklenburg-western pomerania", r"mecklenburg\w*"),
    "Niedersachsen": ("lower saxony", r"niedersächsisch\w*"),
    "Nordrhein-Westfalen": ("nrw", "north rhine-westphalia", "north rhine westphalia",
                            r"nordrhein-westfälisch\w*"),
    "Rheinland-Pfalz": ("rlp", "rhineland-palatinate", r"rheinland-pfälzisch\w*"),
    "Saarland": (r"saarländisch\w*",),
    "Sachsen": (r"(?<!lower )saxony", r"sächsisch\w*", "freistaat sachsen"),
    "Sachsen-Anhalt": ("saxony-anhalt",),
    "Schleswig-Holstein": (r"schleswig-holsteinisch\w*",),
    "Thüringen": ("thuringia", r"thüringisch\w*", "thüringer"),
}

# A name is preceded by neither a letter nor a hyphen, and followed by neither a letter nor a
# hyphen and a letter ('Sachsen-Anhalt' does not name 'Sachsen').
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (land, re.compile(r"(?<![\w-])(" + "|".join((re.escape(land.casefold()), *_FORMS[land]))
                      + r")(?![\w]|-\w)", re.IGNORECASE))
    for land in LAENDER)


def lands_in(text: str) -> tuple[str, ...]:
    """The Länder the text names, in the order of LAENDER."""
    folded = text.casefold()
    return tuple(land for land, pattern in _PATTERNS if pattern.search(folded))

