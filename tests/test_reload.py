"""A store that moved on (another process or instance wrote) is reloaded without holding up
questions: they are answered from the state at hand until the new one is loaded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.retrieval import hybrid as retrieve
from assistant.service import Assistant
from ingest.core.settings import Settings

from .conftest import write_pdf
from .helpers import NEW_PAGES, NEW_QUESTION, make_kb


def _documents(assistant: Assistant) -> set[str]:
    return {hit.chunk.doc_id for hit in assistant.retriever.search(NEW_QUESTION)[:5]}


def test_questions_are_answered_from_the_state_at_hand_while_a_reload_runs(
        settings: Settings, embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = Assistant(settings, embedder=embedder)
    assert not writer.ingest([make_kb(tmp_path)]).failed
    reader = Assistant(settings, embedder=embedder)  # another instance on the same index
    assert "hail-nets" not in _documents(reader)

    new = write_pdf(tmp_path / "new" / "hail-nets.pdf", NEW_PAGES, title="Hail nets")
    assert not writer.ingest([new]).failed
    monkeypatch.setattr(retrieve, "_REVISION_CHECK_SECONDS", 0.0)
    monkeypatch.setattr(retrieve, "_RELOAD_WAIT_SECONDS", 0.0)  # any reload is "long"
    started = time.perf_counter()
    assert "hail-nets" not in _documents(reader)  # the reload has only begun
    assert time.perf_counter() - started < 2.0

    deadline = time.monotonic() + 60
    while "hail-nets" not in _documents(reader):  # and lands by itself
        assert time.monotonic() < deadline, "the reload never landed"
        time.sleep(0.05)
    assert reader.retriever.snapshot.revision == writer.retriever.snapshot.revision


def test_a_quick_reload_is_waited_for(settings: Settings, embedder, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    writer = Assistant(settings, embedder=embedder)
    assert not writer.ingest([make_kb(tmp_path)]).failed
    reader = Assistant(settings, embedder=embedder)
    assert not writer.ingest([write_pdf(tmp_path / "new" / "hail-nets.pdf", NEW_PAGES,
                                        title="Hail nets")]).failed
    monkeypatch.setattr(retrieve, "_REVISION_CHECK_SECONDS", 0.0)
    assert "hail-nets" in _documents(reader)  # the first question after the write sees it
