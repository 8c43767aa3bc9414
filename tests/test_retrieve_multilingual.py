"""The multilingual signal: a German question finds a tool described only in English, through
the vectors of the multilingual encoder that ingest stored beside the chunks."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from assistant.service import Assistant
from ingest.core.settings import Settings

from .conftest import copy_tools

TOOLS = ["efas", "palm-4u", "covenant-of-mayors", "climate-adapt", "ufz-duerremonitor",
         "envi-met", "urban-nature-atlas"]
# ENVI-met is described in English only ("A three-dimensional microclimate model ...").
QUESTION = "Computermodell für das Kleinklima zwischen Gebäuden"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    root = tmp_path_factory.mktemp("multilingual")
    settings = Settings.from_env(environ={}, data_dir=root / "data",
                                 collection=f"ml-{uuid.uuid4().hex[:8]}")
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([copy_tools(Path(root) / "kb", TOOLS)])
    return assistant


def test_german_question_finds_the_english_described_tool(assistant: Assistant) -> None:
    retriever = assistant.retriever
    across = retriever.retrieve(QUESTION, signals=frozenset({"dense_multilingual"}),
                                language="de")
    assert across.tool_rankings["dense_multilingual"][0] == "envi-met"
    # The chunk ranking comes from the stored multilingual collection (k-NN in Chroma).
    assert across.hits[0].chunk.doc_id == "envi-met"
    assert across.hits[0].ranks == {"dense_multilingual": 1}
    # The English model alone, given the German question untranslated, misses it.
    english = retriever.retrieve(QUESTION, signals=frozenset({"dense"}), language="en")
    assert english.tool_rankings["dense"][0] != "envi-met"
    # The whole pipeline (glossary, all signals fused) puts it beside PALM-4U, the other
    # microclimate model, at the top.
    top = [t.tool.id for t in assistant.ask(QUESTION).tools[:2]]
    assert "envi-met" in top, top


def test_tool_vectors_come_from_the_store(assistant: Assistant) -> None:
    snapshot, store = assistant.retriever.snapshot, assistant.store
    assert store.has_multilingual
    ids = [snapshot.chunks[i].chunk_id for i in snapshot.tool_positions]
    assert sorted(store.chunk_ids("multilingual")) == sorted(store.chunk_ids())
    stored = store.embeddings(ids, "multilingual")
    assert snapshot.tool_vectors_multilingual is not None
    assert np.allclose(snapshot.tool_vectors_multilingual, stored, atol=1e-6)
    assert stored.shape == (len(TOOLS), assistant.multilingual.dim)


def test_without_a_multilingual_encoder_the_index_has_no_second_collection(
        tmp_path: Path, embedder) -> None:
    settings = Settings.from_env(environ={}, data_dir=tmp_path / "data", collection="plain",
                                 multilingual_model="none")
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([copy_tools(tmp_path / "kb", TOOLS[:2])])
    assert not assistant.store.has_multilingual and assistant.store.spec.multilingual_model == ""
    retrieval = assistant.retriever.retrieve("river flood early warning")
    # the tool encoder (e5) scores the tools whatever the multilingual encoder is
    assert set(retrieval.tool_rankings) == {"bm25", "dense", "dense_e5"}
    assert all("dense_multilingual" not in hit.ranks for hit in retrieval.hits)
