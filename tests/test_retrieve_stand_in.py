"""An English question and a German report (a page of the UBA guide in ../shared/realdocs, read
at test time): the English model cannot read the German chunks, so on them the multilingual
encoder counts with the English model's weight added to its own (fusion.STAND_INS)."""

from __future__ import annotations

import uuid

import pytest

from assistant.retrieval.fusion import CHUNK_RRF_K, fusion_weights
from assistant.service import Assistant
from ingest.core.settings import Settings

from .helpers import REALDOCS, needs_realdocs

pytestmark = needs_realdocs
QUESTION = "Which biocides in facade paints wash off into stormwater?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    assert REALDOCS is not None
    root = tmp_path_factory.mktemp("stand-in")
    settings = Settings.from_env(environ={}, data_dir=root / "data",
                                 collection=f"si-{uuid.uuid4().hex[:8]}")
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([REALDOCS / "Wicke-2021-1323.pdf"])
    return assistant


def fused(ranks: dict[str, int], weights: dict[str, float], german: bool) -> float:
    stand_in = weights["dense"] if german else 0.0
    return sum((weights[s] + stand_in * (s == "dense_multilingual")) / (CHUNK_RRF_K + rank)
               for s, rank in ranks.items())


def test_german_chunks_of_an_english_question_count_the_multilingual_rank_twice_over(
        assistant: Assistant) -> None:
    hits = assistant.retriever.retrieve(QUESTION, language="en").hits
    weights = fusion_weights("en")
    german = [h for h in hits if h.chunk.language == "de" and "dense_multilingual" in h.ranks]
    assert german, "the multilingual encoder found none of the report's German chunks"
    for hit in german:
        assert hit.score == pytest.approx(fused(hit.ranks, weights, german=True))
    # the biocides section (page 3) is among the first three, whatever the English model says
    assert any(h.chunk.page_start == 3 for h in hits[:3]), [h.chunk.page_start for h in hits[:5]]


def test_a_german_question_keeps_the_plain_weights(assistant: Assistant) -> None:
    # its MiniLM query carries its own German words: the English model reads German chunks
    question = "Welche Biozide aus Fassadenfarben gelangen ins Regenwasser?"
    hits = assistant.retriever.retrieve(question, language="de").hits
    weights = fusion_weights("de")
    for hit in hits[:20]:
        assert hit.score == pytest.approx(fused(hit.ranks, weights, german=False))
