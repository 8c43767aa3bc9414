"""The third encoder (multilingual-e5-small) scores the tools, passages keep the two others;
TOOLBOX_TOOL_ENCODER=none goes back to the multilingual encoder's tool scores; the tools'
e5 vectors are cached by text, so an unchanged tool is never embedded again."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.evaluation.run import signals_run
from assistant.retrieval import vector_cache
from assistant.retrieval.hybrid import Retriever
from assistant.retrieval.search import search
from assistant.service import Assistant
from ingest.chunk.split import embedding_text
from ingest.core.errors import ConfigError
from ingest.core.settings import Settings
from ingest.embed.tool_encoder import make_tool_encoder

from .conftest import copy_tools

TOOLS = ["efas", "palm-4u", "covenant-of-mayors", "climate-adapt", "ufz-duerremonitor"]
QUESTION = "Vorhersage von Flusshochwasser für ganz Europa"


def _settings(data: Path, **overrides: object) -> Settings:
    return Settings.from_env(environ={}, data_dir=data, collection="e5tools", **overrides)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A data dir with five tools indexed (and their e5 vectors cached), closed."""
    root = tmp_path_factory.mktemp("e5")
    assistant = Assistant(_settings(root / "data"), embedder=embedder)
    assert not assistant.ingest([copy_tools(root / "kb", TOOLS)]).failed
    assistant.store.close()
    return root / "data"


def _copy(kb: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(kb, tmp_path / "data"))


def test_tools_are_scored_by_e5_and_passages_keep_the_shipped_encoders(
        kb: Path, tmp_path: Path, embedder) -> None:
    assistant = Assistant(_settings(_copy(kb, tmp_path)), embedder=embedder)
    snapshot = assistant.retriever.snapshot
    e5 = assistant.tool_encoder
    assert e5 is not None and snapshot.tool_vectors_e5 is not None
    texts = [embedding_text(snapshot.chunks[i]) for i in snapshot.tool_positions]
    assert np.allclose(snapshot.tool_vectors_e5, e5.embed_documents(texts), atol=1e-5)
    retrieval = assistant.retriever.retrieve(QUESTION, language="de")
    assert set(retrieval.tool_rankings) == {"bm25", "dense", "dense_e5"}
    assert retrieval.tool_rankings["dense_e5"][0] == "efas"
    # chunks are still ranked by USE-m's stored vectors, e5 embeds no passage
    assert any("dense_multilingual" in hit.ranks for hit in retrieval.hits)
    assert all("dense_e5" not in hit.ranks for hit in retrieval.hits)
    assert "dense_e5" in signals_run(assistant.retriever, ["hybrid"])["hybrid"]


def test_none_scores_the_tools_with_the_multilingual_encoder_as_before(
        kb: Path, tmp_path: Path, embedder) -> None:
    assistant = Assistant(_settings(_copy(kb, tmp_path), tool_encoder="none"),
                          embedder=embedder)
    assert assistant.tool_encoder is None and assistant.retriever.snapshot.tool_vectors_e5 is None
    retrieval = assistant.retriever.retrieve(QUESTION, language="de")
    assert set(retrieval.tool_rankings) == {"bm25", "dense", "dense_multilingual"}
    assert "dense_e5" not in signals_run(assistant.retriever, ["hybrid"])["hybrid"]
    with pytest.raises(ConfigError, match="TOOLBOX_TOOL_ENCODER"):
        make_tool_encoder("e5-large")


def test_an_unchanged_tool_is_never_embedded_again(
        kb: Path, tmp_path: Path, embedder, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = _copy(kb, tmp_path)
    caplog.set_level(logging.INFO, logger="assistant.retrieval.vector_cache")
    # a new process: nothing in memory, the content cache on disk (copied with the data dir)
    monkeypatch.setattr(vector_cache, "_memo", {})
    assistant = Assistant(_settings(data), embedder=embedder)
    assert assistant.retriever.snapshot.tool_vectors_e5 is not None
    assert "embedding" not in caplog.text
    # one more tool: a new store state, and only the new tool's text is embedded (a text of
    # its own: the shipped tools' vectors are seeded from corpus/tool_vectors.npz)
    more = copy_tools(tmp_path / "more", ["envi-met"])
    edited = more / "envi-met.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "description: A three-dimensional microclimate model,",
        "description: A 3D microclimate model,", 1), encoding="utf-8")
    assistant.ingest([more])
    assert assistant.retriever.snapshot.tool_vectors_e5.shape == (len(TOOLS) + 1, 384)
    assert "embedding 1 texts" in caplog.text


def test_a_german_question_whose_tool_rises_through_the_e5_tool_vectors(
        shipped_assistant: Assistant) -> None:
    """On the whole toolbox: the German working aid for heat action plans, which describes
    how doctors, care services and welfare groups take part, is 25th by USE-m's tool scores
    and 3rd overall; by e5's it is first in both."""
    question = ("Wie binden wir Hausärzte, Pflegedienste und Sozialverbände in die "
                "Hitzevorsorge ein?")
    judged = "hap-de-arbeitshilfe"
    assistant = shipped_assistant
    without = Retriever(assistant.store, assistant.embedder, assistant.multilingual)
    old, old_tools, _ = search(without, question, top_k=10)
    new, new_tools, _ = search(assistant.retriever, question, top_k=10)
    assert old.tool_rankings["dense_multilingual"].index(judged) >= 10
    assert new.tool_rankings["dense_e5"][0] == judged
    before, after = [t.tool.id for t in old_tools], [t.tool.id for t in new_tools]
    assert before[0] != judged and after[0] == judged, (before, after)
