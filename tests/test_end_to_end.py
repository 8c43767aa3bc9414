"""ingest -> ask on real files: the right tool ranks high and a passage cites the right page,
on the embedded store and on a Chroma server alike."""

from __future__ import annotations

import uuid

import pytest

from assistant.query.filters import Filters
from assistant.service import Assistant, EmptyQuestion

from .conftest import BACKENDS, on_backend
from .helpers import make_kb


@pytest.fixture(scope="module", params=BACKENDS)
def assistant(tmp_path_factory, embedder, request) -> Assistant:
    from ingest.core.settings import Settings

    root = tmp_path_factory.mktemp("e2e")
    make_kb(root)
    settings = on_backend(Settings.from_env(environ={}, data_dir=root / "data",
                                            collection=f"e2e-{uuid.uuid4().hex[:8]}"),
                          request.param, request)
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ingest([root / "kb"])
    assert not report.failed
    return assistant


def _ids(answer) -> list[str]:
    return [t.tool.id for t in answer.tools]


def test_fountain_question_finds_tool_and_page(assistant: Assistant) -> None:
    answer = assistant.ask("Where should we put public drinking fountains?")
    assert "halle-trinkbrunnen-entscheidungsmatrix" in _ids(answer)[:3]
    assert ("small-town-guide", 2) in {(p.chunk.doc_id, p.chunk.page_start)
                                       for p in answer.passages[:3]}
    fountain = next(t for t in answer.tools if t.tool.id.startswith("halle-trinkbrunnen"))
    assert [p.chunk.page_start for p in fountain.passages] == [2]


def test_cloudburst_question_cites_page_three(assistant: Assistant) -> None:
    answer = assistant.ask("map of where water collects after a cloudburst")
    assert _ids(answer)[0] == "bkg-hinweiskarte-starkregengefahren"
    assert answer.passages[0].chunk.page_start == 3
    assert "[1]" in answer.text


def test_german_question_finds_english_described_tool(assistant: Assistant) -> None:
    answer = assistant.ask("Wo gibt es Hitzewarnungen für unsere Stadt?")
    assert answer.language == "de"
    assert answer.text.startswith("Passende Werkzeuge")
    assert "dwd-hitzewarnsystem" in _ids(answer)[:3]
    assert ("small-town-guide", 4) in {(p.chunk.doc_id, p.chunk.page_start)
                                       for p in answer.passages[:2]}


def test_follow_up_keeps_the_topic(assistant: Assistant) -> None:
    from assistant.query.conversation import Turn

    first = assistant.ask("Where should we put public drinking fountains?")
    follow = assistant.ask("and in German?", history=[Turn(first.query, first.query)])
    assert follow.search_query.startswith("Where should we put public drinking fountains?")
    assert "languages:de" in follow.chips
    assert _ids(follow)[0] == "halle-trinkbrunnen-entscheidungsmatrix"
    assert all("de" in t.tool.languages for t in follow.tools)
    free = assistant.ask("only free ones", history=[Turn(first.query, first.query)])
    assert "costs:free" in free.chips and all(t.tool.cost == "free" for t in free.tools)


def test_filters_restrict_tools(assistant: Assistant) -> None:
    answer = assistant.ask("warning service", Filters.of(hazards=["drought"]))
    assert _ids(answer) and all("drought" in t.tool.hazards for t in answer.tools)
    english = assistant.ask("climate adaptation platform", Filters.of(languages=["en"]))
    assert all("en" in t.tool.languages for t in english.tools)


def test_each_tool_has_reasons(assistant: Assistant) -> None:
    answer = assistant.ask("heat warnings for the health office")
    assert all(t.reasons for t in answer.tools)
    assert any(r.startswith("hazard: heat") for r in answer.tools[0].reasons)


@pytest.mark.parametrize("question", ["", "   ", "?!"])
def test_empty_question_gets_help_not_a_trace(assistant: Assistant, question: str) -> None:
    with pytest.raises(EmptyQuestion, match="Please type a question"):
        assistant.ask(question)


@pytest.fixture(scope="module")
def shipped_server_assistant(tmp_path_factory, embedder, chroma_url,
                             shipped_assistant) -> Assistant:
    """The whole shipped corpus on the Chroma server, ingested once for this module with the
    vectors of the session's embedded index (embedding it again took 66 s of the suite)."""
    from ingest.core.settings import Settings

    from .conftest import CORPUS

    settings = Settings.from_env(environ={}, data_dir=tmp_path_factory.mktemp("shipped-server"),
                                 corpus_dir=CORPUS, chroma_url=chroma_url,
                                 collection=f"shipped-{uuid.uuid4().hex[:8]}")
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ingestor(carry=shipped_assistant.store).ingest([CORPUS])
    assert report.results and not report.failed
    assistant.retriever.refresh()
    chunks = {sid: r.chunks for sid, r in assistant.store.manifest().items()}
    assert chunks == {sid: r.chunks for sid, r in shipped_assistant.store.manifest().items()}
    return assistant


@pytest.mark.parametrize("backend", BACKENDS)
def test_shipped_corpus_answers_with_cited_pages(backend: str, request) -> None:
    shipped_assistant = request.getfixturevalue(
        "shipped_assistant" if backend == "embedded" else "shipped_server_assistant")
    answer = shipped_assistant.ask("How do we start a heat action plan?")
    assert any(t.tool.hazards and "heat" in t.tool.hazards for t in answer.tools[:3])
    assert answer.passages and all(p.chunk.page_start >= 1 for p in answer.passages)
    titles = {p.chunk.doc_id for p in answer.passages}
    assert "heat-action-plans" in titles
