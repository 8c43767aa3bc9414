"""Filters on the dense k-NN: applied by Chroma (`where`) or, when they shut out only a few
chunks, to an unfiltered k-NN; both give the same chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import retrieve
from assistant.filters import Filters
from assistant.service import Assistant
from ingest.settings import Settings

from .test_end_to_end import make_kb

FILTERS = [Filters.of(costs=["free"]), Filters.of(languages=["en"]), Filters.of(kinds=["guide"]),
           Filters.of(hazards=["heat"], costs=["free"]), Filters.of(scales=["city"])]
QUESTIONS = ["heat action plan for older people", "Starkregen Gefahrenkarte",
             "drought monitoring for street trees"]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_a_filter_applied_after_the_search_finds_what_chroma_would(
        settings: Settings, embedder, tmp_path: Path, filters: Filters,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assistant = Assistant(settings, embedder=embedder)
    assert not assistant.ingest([make_kb(tmp_path)]).failed
    retriever, snapshot = assistant.retriever, assistant.retriever.snapshot
    mask = snapshot.masks.mask(filters)
    where = filters.where(snapshot.masks.any_superseded)
    assert mask is not None and where is not None and 0 < mask.sum() < len(mask)
    k, allowed = 2, int(mask.sum())  # small: the tiny knowledge base has 14 chunks
    by_share = -(-2 * k * len(mask) // allowed)  # n when the share allowed sets it
    modes = {"chroma": -k, "shut-out": len(mask)}
    if len(mask) - allowed > by_share - k:  # a limit between the two: n is 2k over the share
        modes["share"] = by_share - k
    for question in QUESTIONS:
        for field, encoder in (("dense", embedder), ("multilingual", assistant.multilingual)):
            vector = encoder.embed_query(question)
            found = {}
            for mode, limit in modes.items():
                monkeypatch.setattr(retrieve, "_POST_FILTER_MAX", limit)
                found[mode] = retriever._nearest(snapshot, vector, k, where, mask, field)
            assert all(f == found["chroma"] for f in found.values()), (question, field, found)
            assert all(mask[p] for p in found["chroma"])
            assert len(found["chroma"]) == min(k, allowed)
