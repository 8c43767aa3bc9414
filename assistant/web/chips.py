"""The chat's filter chips: the user's filter choices and what the question implied, removable.

A chip is `field:value` (as in intent.py). It comes from the UI's filter controls ("ui") or from
the question ("question"). Removing a "ui" chip clears that filter; removing a "question" chip
asks again without it (Assistant.ask's `removed_chips`). Removed chips stay listed, unselected,
so the user can put them back. They stay removed through follow-ups and are forgotten when a
new topic starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.answer.evidence import stated_chips
from assistant.answer.labels import chip_label
from assistant.query.conversation import Turn, is_follow_up
from assistant.query.filters import Filters
from assistant.query.funding_filter import FundingFilter
from assistant.query.intent import Intent

__all__ = ["FIELDS", "FUNDING_FIELDS", "UI", "QUESTION", "ChipState", "filter_chips", "shown",
           "choices", "change", "for_message", "filters_of", "funding_of", "filter_values",
           "cleared", "conversation"]

FIELDS = ("hazards", "phases", "scales", "languages", "kinds", "costs")
# The app's Funding accordion, after the FIELDS controls: multi-selects, then the minimum rate.
FUNDING_FIELDS = ("applicants", "lands", "funding_types", "budget_bands", "min_rate")
UI = "ui"
QUESTION = "question"


@dataclass(frozen=True)
class ChipState:
    """Chips shown with the last answer, and the ones the user switched off (with origin)."""

    active: tuple[str, ...] = ()
    inferred: tuple[str, ...] = ()
    removed: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def removed_from_question(self) -> tuple[str, ...]:
        return tuple(chip for chip, origin in self.removed if origin == QUESTION)


def filter_chips(filters: Filters) -> list[str]:
    """The chips of the filters chosen: the vocabularies', then the funding facet's."""
    return Intent(filters=filters).chips() + filters.funding.chips()


def shown(filters: Filters, inferred: Sequence[str], state: ChipState) -> ChipState:
    """The chips after an answer: the UI filters, then what the question states (its hazards,
    cost and language; see evidence.STATED_FIELDS)."""
    inferred = stated_chips(inferred)
    active = list(dict.fromkeys([*filter_chips(filters), *inferred]))
    removed = tuple((c, o) for c, o in state.removed if c not in active)
    return ChipState(tuple(active), tuple(inferred), removed)


def choices(state: ChipState, language: str) -> list[tuple[str, str]]:
    """(label, chip) for every chip, active first, in the question's language."""
    removed_inferred = {c for c, o in state.removed if o == QUESTION}
    return [(chip_label(chip, language, chip in state.inferred or chip in removed_inferred), chip)
            for chip in (*state.active, *(c for c, _ in state.removed))]


def change(state: ChipState, selected: Sequence[str], filters: Filters
           ) -> tuple[Filters, ChipState]:
    """The filters and chip state after the user removed or put back chips."""
    chosen = set(selected)
    removed = dict(state.removed)
    values = {name: list(getattr(filters, name)) for name in FIELDS}
    for chip in state.active:
        if chip in chosen:
            continue
        name, _, value = chip.partition(":")
        if value in values.get(name, ()):
            values[name].remove(value)
        # A chip both chosen and implied goes entirely; put back, it returns as implied.
        removed[chip] = QUESTION if chip in state.inferred else UI
    for chip in list(removed):
        if chip in chosen and removed.pop(chip) == UI:
            name, _, value = chip.partition(":")
            values.setdefault(name, []).append(value)
    switched_off = [chip for chip in state.active if chip not in chosen]
    put_back = [chip for chip, origin in state.removed if chip in chosen and origin == UI]
    funding = filters.funding.without(switched_off).with_chips(put_back)
    new_filters = replace(filters_of([values[name] for name in FIELDS]),
                          include_superseded=filters.include_superseded, funding=funding)
    return new_filters, ChipState(state.active, state.inferred, tuple(removed.items()))


def for_message(state: ChipState, message: str, history: Sequence[Turn]) -> ChipState:
    """A follow-up keeps the chips the user removed; a new topic starts with none removed."""
    if history and is_follow_up(message, history[-1].query):
        return state
    return ChipState(state.active, state.inferred, ())


def filters_of(values: Sequence[Any]) -> Filters:
    """The UI's filter controls' values, in FIELDS then FUNDING_FIELDS order, as Filters (the
    funding controls may be missing: then no funding facet)."""
    hazards, phases, scales, languages, kinds, costs = values[:len(FIELDS)]
    return Filters.of(hazards=hazards, phases=phases, scales=scales, languages=languages,
                      kinds=kinds, costs=costs, funding=funding_of(values[len(FIELDS):]))


def funding_of(values: Sequence[Any]) -> FundingFilter:
    """The Funding controls' values, in FUNDING_FIELDS order (Ask and Browse tabs)."""
    return FundingFilter.of(**dict(zip(FUNDING_FIELDS, values, strict=False)))


def filter_values(filters: Filters) -> tuple[Any, ...]:
    """The controls' values for Filters, the inverse of filters_of."""
    funding = filters.funding
    return (*(list(getattr(filters, name)) for name in FIELDS),
            *(list(getattr(funding, name)) for name in FUNDING_FIELDS[:-1]),
            str(funding.min_rate) if funding.min_rate is not None else "")


def cleared() -> tuple[Any, ...]:
    """What the filter controls show after "new conversation": nothing chosen."""
    return filter_values(Filters())


def conversation(turns: dict[int, dict[str, Any]]) -> list[Turn]:
    """The earlier turns, from the app's per-answer records ("query" asked, "search" run)."""
    return [Turn(t["query"], t["search"]) for _, t in sorted(turns.items())]
