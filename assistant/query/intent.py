"""What a question implies beyond its topic: filters ('free', 'in English') and facets it leans to.

Two strengths, because they fail differently:
- hard filters are things a user states as a condition ('free', 'auf Englisch'); ignoring them
  shows wrong tools, so they filter, and show as chips the user can remove;
- soft facets are hazards, phases, kinds and scales a question speaks of ('Hitze', 'funding');
  most tools are tagged 'general' or with only some phases, so filtering on them would drop good
  tools. They raise matching tools instead, and also show as removable chips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.query.filters import Filters
from assistant.query.hazard_words import hazards_in, phases_in

__all__ = ["Intent", "infer"]

_HARD: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (field_name, value, re.compile(pattern, re.IGNORECASE)) for field_name, value, pattern in (
        ("costs", "free", r"\b(free( of charge)?|no[- ]cost|costs? nothing|kostenlos\w*|"
                          r"kostenfrei\w*|gratis|umsonst|ohne kosten|unentgeltlich\w*)\b"),
        ("languages", "en", r"\b(in english|english[- ]language|auf englisch|englischsprachig\w*|"
                            r"in englischer sprache)\b"),
        ("languages", "de", r"\b(in german|german[- ]language|auf deutsch|deutschsprachig\w*|"
                            r"in deutscher sprache)\b"),
    ))

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in (
        # German compounds carry the word inside (Städtebauförderung); the names are instruments
        ("funding-programme", r"\b(fund(ing|s)?|grants?|subsid(y|ies)|\w*förder\w*|"
                              r"\w*zusch(u|ü)(ss|ß)\w*|\w*finanzierung\w*|co-?financ\w*|"
                              r"money|loans?|kredit\w*|darlehen\w*|who pays|geld\w*|"
                              r"interreg|horizon europe|elena|kfw|efre|erdf|eler|eafrd)\b"),
        ("map-service", r"\b(maps?|karten?|\w+karten?)\b"),
        ("simulation-model", r"\b(simulat\w*|model(l|s|le|lierung)?|modelling|modeling)\b"),
        ("data-portal", r"\b(data|daten\w*|portal\w*|atlas\w*)\b"),
        ("training", r"\b(training|course|seminar|schulung\w*|weiterbildung\w*|fortbildung\w*)\b"),
        ("network", r"\b(network\w*|netzwerk\w*|peer|exchange|austausch\w*)\b"),
        ("checklist", r"\b(checklists?|checklisten?|self[- ]check|selbstcheck)\b"),
        ("software", r"\b(apps?|software|tool to install|plugin)\b"),
        ("participation-method", r"\b(participat\w*|beteiligung\w*|partizipation\w*)\b"),
        ("standard", r"\b(standards?|norm(en)?|din|iso|vdi|dwa)\b"),
        ("case-study-collection", r"\b(examples?|case stud\w*|beispiel\w*|praxisbeispiel\w*|"
                                  r"good practice|gute praxis)\b"),
    ))

_SCALES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (scale, re.compile(pattern, re.IGNORECASE)) for scale, pattern in (
        ("eu", r"\b(eu|eu-wide|europe\w*|europaweit\w*)\b"),
        ("national", r"\b(national\w*|nationwide|bundesweit\w*|deutschlandweit\w*|germany-wide)\b"),
        ("building", r"\b(building|house|home|property|gebäude\w*|haus|häuser\w*|keller\w*)\b"),
        ("neighbourhood", r"\b(neighbou?rhood\w*|district|quartier\w*|stadtteil\w*|viertel)\b"),
        ("region", r"\b(region\w*|landkreis\w*|county|counties|kreis(e|es)?)\b"),
    ))


@dataclass(frozen=True)
class Intent:
    """Filters a question states, and facets it leans to (each shown as a removable chip)."""

    filters: Filters = field(default_factory=Filters)
    facets: Filters = field(default_factory=Filters)

    def without(self, chip: str) -> Intent:
        """The intent with one chip (`field:value`) removed."""
        name, _, value = chip.partition(":")
        return Intent(_drop(self.filters, name, value), _drop(self.facets, name, value))

    def chips(self) -> list[str]:
        return _chips(self.filters) + _chips(self.facets)


def infer(question: str, translations: tuple[str, ...] = ()) -> Intent:
    """What the question implies; `translations` (of its terms, see expand.py) let a German
    compound such as 'Starkregenvorsorge' reveal its hazard."""
    hard: dict[str, Any] = {}  # Filters.of(**hard): field name -> values
    for field_name, value, pattern in _HARD:
        if pattern.search(question):
            hard.setdefault(field_name, []).append(value)
    kinds = [kind for kind, pattern in _KINDS if pattern.search(question)]
    scales = [scale for scale, pattern in _SCALES if pattern.search(question)]
    topic = " ".join((question, *translations))
    facets = Filters.of(hazards=hazards_in(topic), phases=phases_in(topic), kinds=kinds,
                        scales=scales)
    return Intent(Filters.of(**hard), facets)


def _chips(filters: Filters) -> list[str]:
    return [f"{name}:{value}" for name in ("hazards", "phases", "scales", "languages", "kinds",
                                           "costs") for value in getattr(filters, name)]


def _drop(filters: Filters, name: str, value: str) -> Filters:
    if not hasattr(filters, name):
        return filters
    kept = tuple(v for v in getattr(filters, name) if v != value)
    return Filters(**{**filters.__dict__, name: kept})
