"""Filters on the dense k-NN: applied by Chroma (`where`) or, when they shut out only a few
chunks, to an unfiltered k-NN; both give the same chunks."""

from __future__ import annotations

import pytest

from assistant.query.filters import Filters
from assistant.retrieval import hybrid as retrieve
from assistant.service import Assistant
from ingest.core.settings import Settings

from .helpers import make_kb

FILTERS = [Filters.of(costs=["free"]), Filters.of(languages=["en"]), Filters.of(kinds=["guide"]),
           Filters.of(hazards=["heat"], costs=["free"]), Filters.of(scales=["city"])]
QUESTIONS = ["heat action plan for older people", "Starkregen Gefahrenkarte",
             "drought monitoring for street trees"]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    """The small town knowledge base, indexed once: every filter reads it, none writes."""
    root = tmp_path_factory.mktemp("filters")
    assistant = Assistant(Settings.from_env(environ={}, data_dir=root / "data",
                                            collection="filters"), embedder=embedder)
    assert not assistant.ingest([make_kb(root)]).failed
    return assistant


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_a_filter_applied_after_the_search_finds_what_chroma_would(
        assistant: Assistant, embedder, filters: Filters,
        monkeypatch: pytest.MonkeyPatch) -> None:
    retriever, snapshot = assistant.retriever, assistant.retriever.snapshot
    mask = snapshot.masks.mask(filters)
    where = filters.where(snapshot.masks.any_superseded)
    assert mask is not None and where is not None and 0 < mask.sum() < len(mask)
    k, allowed = 2, int(mask.sum())  # small: the tiny knowledge base has 14 chunks
    # (_POST_FILTER_MAX, _UNFILTERED_MAX): Chroma filters; k + shut out; 2k over the share,
    # then grown to what the share found near the question needs
    modes = {"chroma": (0, 0), "shut-out": (10**6, 10**6), "share": (0, 10**6)}
    for question in QUESTIONS:
        for field, encoder in (("dense", embedder), ("multilingual", assistant.multilingual)):
            vector = encoder.embed_query(question)
            found = {}
            for mode, (few, most) in modes.items():
                monkeypatch.setattr(retrieve, "_POST_FILTER_MAX", few)
                monkeypatch.setattr(retrieve, "_UNFILTERED_MAX", most)
                found[mode] = [position for position, _ in retriever._nearest(
                    snapshot, vector, k, where, mask, field)]
            assert all(f == found["chroma"] for f in found.values()), (question, field, found)
            assert all(mask[p] for p in found["chroma"])
            assert len(found["chroma"]) == min(k, allowed)
