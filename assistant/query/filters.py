"""Metadata filters: what a user narrowed the search to, in Chroma's terms and as chunk masks.

Hazards, phases and language apply to every chunk (a passage carries its document's tags);
scale, kind and cost describe tools only, so passages pass them and the tools they point to are
checked in ranking. Passages of superseded documents (an older edition) are left out unless
`include_superseded` is set. The funding facet (assistant/query/funding_filter.py) narrows tool
chunks to funding programmes here; ranking checks each programme's facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.query.funding_filter import FundingFilter
from ingest.core.errors import ToolboxError
from ingest.core.records import COSTS, HAZARDS, KINDS, LANGUAGES, PHASES, SCALES, Chunk, Tool

__all__ = ["Filters", "FilterMasks"]

_VOCABULARY = {"hazards": HAZARDS, "phases": PHASES, "scales": SCALES, "languages": LANGUAGES,
               "kinds": KINDS, "costs": COSTS}


@dataclass(frozen=True)
class Filters:
    hazards: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    scales: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    costs: tuple[str, ...] = ()
    include_superseded: bool = False
    funding: FundingFilter = field(default_factory=FundingFilter)

    @classmethod
    def of(cls, include_superseded: bool = False, funding: FundingFilter | None = None,
           **values: Iterable[str] | str | None) -> Filters:
        """Build from user input, refusing values outside the vocabularies with a clear message."""
        clean: dict[str, tuple[str, ...]] = {}
        for name, raw in values.items():
            if name not in _VOCABULARY:
                raise ToolboxError(f"unknown filter {name!r}; use one of {', '.join(_VOCABULARY)}")
            items = [raw] if isinstance(raw, str) else list(raw or ())
            items = [str(v).strip().lower() for v in items if str(v).strip()]
            unknown = [v for v in items if v not in _VOCABULARY[name]]
            if unknown:
                raise ToolboxError(f"unknown {name[:-1]} {unknown[0]!r}; "
                                   f"choose from {', '.join(_VOCABULARY[name])}")
            clean[name] = tuple(dict.fromkeys(items))
        return cls(**clean, include_superseded=bool(include_superseded),
                   funding=funding or FundingFilter())

    def __bool__(self) -> bool:
        """Whether any vocabulary narrows the search (`include_superseded` does not)."""
        return any(getattr(self, name) for name in _VOCABULARY) or bool(self.funding)

    @property
    def tool_kinds(self) -> tuple[str, ...]:
        """The kinds tools may have: the funding facet admits funding programmes only."""
        if not self.funding:
            return self.kinds
        return tuple(k for k in self.kinds or ("funding-programme",) if k == "funding-programme")


    def merged(self, other: Filters) -> Filters:
        """Union per field: the user's explicit choice plus what the question implies."""
        return Filters(**{
            name: tuple(dict.fromkeys(getattr(self, name) + getattr(other, name)))
            for name in _VOCABULARY},
            include_superseded=self.include_superseded or other.include_superseded,
            funding=self.funding.merged(other.funding))

    def where(self, superseded_present: bool = True) -> dict[str, Any] | None:
        """The Chroma `where` clause for these filters (None when there are none).

        `superseded_present=False` says the index holds no superseded passage, which spares
        Chroma a filter on every query.
        """
        conditions: list[dict[str, Any]] = []
        if superseded_present and not self.include_superseded:
            conditions.append({"superseded": {"$ne": True}})  # also matches chunks without it
        for key, values in (("hazards", self.hazards), ("phases", self.phases),
                            ("languages", self.languages)):
            if values:
                conditions.append(_any_of([{key: {"$contains": v}} for v in values]))
        tool_only = []
        if self.scales:
            tool_only.append(_any_of([{"scale": {"$contains": v}} for v in self.scales]))
        if self.kinds or self.funding:
            tool_only.append({"tool_kind": {"$in": list(self.tool_kinds) or [""]}})
        if self.costs:
            tool_only.append({"cost": {"$in": list(self.costs)}})
        conditions += [{"$or": [{"kind": "passage"}, c]} for c in tool_only]
        if not conditions:
            return None
        return conditions[0] if len(conditions) == 1 else {"$and": conditions}

    def accepts_tool(self, tool: Tool) -> bool:
        checks = ((self.hazards, tool.hazards), (self.phases, tool.phases),
                  (self.scales, tool.scale), (self.languages, tool.languages),
                  (self.kinds, [tool.kind]), (self.costs, [tool.cost] if tool.cost else []))
        return (all(not wanted or set(wanted) & set(have) for wanted, have in checks)
                and self.funding.accepts(tool))


def _any_of(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return conditions[0] if len(conditions) == 1 else {"$or": conditions}


class FilterMasks:
    """Per-value boolean arrays over a chunk list, so a filter costs a few numpy operations."""

    def __init__(self, chunks: list[Chunk]) -> None:
        n = len(chunks)
        self._n = n
        self._is_passage = np.array([c.kind == "passage" for c in chunks], dtype=bool)
        self._superseded = np.array([c.superseded for c in chunks], dtype=bool)
        self.any_superseded = bool(self._superseded.any())
        self._index: dict[tuple[str, str], np.ndarray] = {}
        # The chunks of one document share their tags, so the values are set per distinct tag
        # set, a numpy assignment each: one Python step per chunk instead of one per chunk and
        # value (at 100k chunks 0.16 -> 0.05 s, in every start and reload; the same masks).
        positions: dict[tuple[Any, ...], list[int]] = {}
        for i, chunk in enumerate(chunks):
            positions.setdefault((chunk.hazards, chunk.phases, chunk.language, chunk.scale,
                                  chunk.tool_kind, chunk.cost), []).append(i)
        for (hazards, phases, language, scale, kind, cost), where in positions.items():
            rows = np.array(where, dtype=np.int64)
            for key, values in (("hazards", hazards), ("phases", phases),
                                ("languages", language.split(",")), ("scales", scale),
                                ("kinds", (kind,)), ("costs", (cost,))):
                for value in values:
                    if value:
                        found = self._index.get((key, value))
                        if found is None:
                            found = self._index[(key, value)] = np.zeros(n, dtype=bool)
                        found[rows] = True

    def mask(self, filters: Filters) -> np.ndarray | None:
        hide_superseded = self.any_superseded and not filters.include_superseded
        if not filters and not hide_superseded:
            return None
        mask = ~self._superseded if hide_superseded else np.ones(self._n, dtype=bool)
        for key in ("hazards", "phases", "languages", "scales", "kinds", "costs"):
            values = filters.tool_kinds if key == "kinds" else getattr(filters, key)
            if not values and not (key == "kinds" and filters.funding):
                continue
            field_mask = np.zeros(self._n, dtype=bool)
            for value in values:
                hit = self._index.get((key, value))
                if hit is not None:
                    field_mask |= hit
            if key in ("scales", "kinds", "costs"):
                field_mask |= self._is_passage
            mask &= field_mask
        return mask
