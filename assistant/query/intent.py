"""What a question implies beyond its topic: filters ('free', 'in English') and facets it leans to.

Two strengths, because they fail differently:
- hard filters are things a user states as a condition ('free', 'auf Englisch'); ignoring them
  shows wrong tools, so they filter, and show as chips the user can remove;
- soft facets are hazards, phases, kinds and scales a question speaks of ('Hitze', 'funding');
  most tools are tagged 'general' or with only some phases, so filtering on them would drop good
  tools. They raise matching tools instead, and also show as removable chips. A Land the
  question names ('in Sachsen') is a facet too, carried in `facets.funding.lands`: it raises
  that Land's programmes and tools and lowers other Länder's programmes, without a chip
  (federal and EU programmes stay, and so does every tool that is not a programme).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.query.filters import Filters
from assistant.query.funding_filter import FundingFilter
from assistant.query.hazard_words import hazards_in, phases_in
from assistant.query.places import lands_in

__all__ = ["Intent", "infer"]

# field, the values a match sets, pattern
_HARD: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (field_name, values, re.compile(pattern, re.IGNORECASE)) for field_name, values, pattern in (
        ("costs", ("free",), r"\b(free( of charge)?|no[- ]cost|costs? nothing|kostenlos\w*|"
                             r"kostenfrei\w*|gratis|umsonst|ohne kosten|unentgeltlich\w*)\b"),
        # the other way round: a tool one pays for, wholly or in part ('mixed'). Not 'paid'
        # alone: 'how other cities paid for their green roofs' asks about funding.
        ("costs", ("paid", "mixed"),
         r"\b(kostenpflichtig\w*|gebührenpflichtig\w*|gegen (gebühr|bezahlung|entgelt)|"
         r"fee[- ](based|paying)|for a fee|chargeable|paid-for|pay-to-use|"
         r"commercial (tools?|software|products?|licen[cs]es?)|kommerziell\w*)\b"),
        ("languages", ("en",), r"\b(in english|english[- ]language|auf englisch|"
                               r"englischsprachig\w*|in englischer sprache)\b"),
        ("languages", ("de",), r"\b(in german|german[- ]language|auf deutsch|"
                               r"deutschsprachig\w*|in deutscher sprache)\b"),
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

# Words that raise a hazard's tools but do not state the hazard: measures (sponge city,
# rainwater, cooling, irrigation), data (soil moisture) and a place on the coast. A chip for
# them read as a condition the user never set (benchmarks/chip_precision.py).
_NOT_STATED = re.compile(r"\b(\w*schwammstadt\w*|sponge|\w*regenwasser\w*|rainwater|stormwater|"
                         r"cool\w*|\w*kühl\w*|\w*bewässer\w*|irrigation|soil moisture|"
                         r"bodenfeuchte|küste|coast(al)?(?! (flood\w*|protection)))\b",
                         re.IGNORECASE)
# A flood with a named cause (cloudburst, storm surge) is that hazard, not also a river flood;
# a storm surge is coastal flooding, not also a storm, unless the question names them.
_RIVER = re.compile(r"\b(river|\w*fluss\w*|\w*hochwasser\w*|deich\w*|dykes?)\b", re.IGNORECASE)
_STORM = re.compile(r"\b(storm(?! surge)\w*|\w*sturm(?!flut)\w*|orkan\w*|gales?|\w*wind\w*|"
                    r"unwetter\w*)", re.IGNORECASE)


@dataclass(frozen=True)
class Intent:
    """Filters a question states, and facets it leans to (each shown as a removable chip)."""

    filters: Filters = field(default_factory=Filters)
    facets: Filters = field(default_factory=Filters)
    # the facets' hazards the question states (shown as chips); the others only raise tools
    stated_hazards: tuple[str, ...] | None = None

    def without(self, chip: str) -> Intent:
        """The intent with one chip (`field:value`) removed."""
        name, _, value = chip.partition(":")
        stated = self.stated_hazards
        if stated is not None and name == "hazards":
            stated = tuple(h for h in stated if h != value)
        return Intent(_drop(self.filters, name, value), _drop(self.facets, name, value), stated)

    def chips(self) -> list[str]:
        shown = self.facets
        if self.stated_hazards is not None:
            shown = Filters(**{**shown.__dict__, "hazards": tuple(
                h for h in shown.hazards if h in self.stated_hazards)})
        return _chips(self.filters) + _chips(shown)


def infer(question: str, translations: tuple[str, ...] = ()) -> Intent:
    """What the question implies; `translations` (of its terms, see expand.py) let a German
    compound such as 'Starkregenvorsorge' reveal its hazard."""
    hard: dict[str, Any] = {}  # Filters.of(**hard): field name -> values
    for field_name, values, pattern in _HARD:
        if pattern.search(question):
            hard.setdefault(field_name, []).extend(values)
    kinds = [kind for kind, pattern in _KINDS if pattern.search(question)]
    scales = [scale for scale, pattern in _SCALES if pattern.search(question)]
    topic = " ".join((question, *translations))
    facets = Filters.of(hazards=hazards_in(topic), phases=phases_in(topic), kinds=kinds,
                        scales=scales, funding=FundingFilter.of(lands=lands_in(question)))
    return Intent(Filters.of(**hard), facets, _stated_hazards(question, translations))


def _stated_hazards(question: str, translations: tuple[str, ...]) -> tuple[str, ...]:
    """Hazards the question names. Its own words first: the glossary's translations cast wide
    (flood -> 'Überflutung', a heavy-rain word), so they count only when the words name none,
    as a German compound ('Starkregenvorsorge') does."""
    hazards = hazards_in(_NOT_STATED.sub(" ", question))
    if not hazards:
        hazards = hazards_in(_NOT_STATED.sub(" ", " ".join(translations)))
    if {"heavy-rain", "coastal-flooding"} & set(hazards) and not _RIVER.search(question):
        hazards = [h for h in hazards if h != "river-flooding"]
    if "coastal-flooding" in hazards and not _STORM.search(question):
        hazards = [h for h in hazards if h != "storm"]
    return tuple(hazards)


def _chips(filters: Filters) -> list[str]:
    return [f"{name}:{value}" for name in ("hazards", "phases", "scales", "languages", "kinds",
                                           "costs") for value in getattr(filters, name)]


def _drop(filters: Filters, name: str, value: str) -> Filters:
    if not hasattr(filters, name):
        return filters
    kept = tuple(v for v in getattr(filters, name) if v != value)
    return Filters(**{**filters.__dict__, name: kept})
