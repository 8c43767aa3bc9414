"""Abstention (issue 19): when nothing in the knowledge base fits, the answer says so plainly in
the question's language and names the nearest tools as not a direct match; `ask --json` carries
it as `fits`. Through the real pipeline: the shipped corpus, both encoders, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer.compose import compose
from assistant.retrieval.abstain import Evidence
from assistant.retrieval.tool_ranking import RankedTool
from assistant.service import Assistant
from assistant.web.present import tools_html
from ingest.core.records import Tool
from ingest.core.settings import Settings

from .conftest import CORPUS, copy_tools, write_pdf

NONSENSE = ("asdf qwerty", "Pizza Rezept")


def _ask_json(question: str, data: Path) -> dict:
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(data), "TOOLBOX_COLLECTION": "abstain"}
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", question, "--json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.integration
def test_ask_json_fits_for_an_in_scope_question_and_not_for_an_out_of_scope_one(
        tmp_path: Path, embedder) -> None:
    kb = copy_tools(tmp_path / "kb", ["efas", "dwd-hitzewarnsystem", "ufz-duerremonitor",
                                      "bbk-nina-warnapp"])
    write_pdf(kb / "floods.pdf", ["Intro.", "The European Flood Awareness System (EFAS) "
                                  "sends early flood warnings to authorities."])
    # indexed in this process (an `ingest` subprocess cost 20-30 s of loading the models);
    # the questions go through the real `ask --json`
    settings = Settings.from_env(environ={}, data_dir=tmp_path / "data", collection="abstain")
    assistant = Assistant(settings, embedder=embedder)
    assert not assistant.ingest([kb]).failed
    assistant.store.close()

    inside = _ask_json("our regional flood authority wants warning of river floods days ahead",
                       tmp_path / "data")
    assert inside["fits"] is True
    assert inside["tools"][0]["id"] == "efas"
    assert "not a direct match" not in inside["answer"]

    outside = _ask_json("Wie berechnen wir die Hundesteuer für das nächste Haushaltsjahr neu?",
                        tmp_path / "data")
    assert outside["fits"] is False
    assert outside["answer"].startswith("Zu dieser Frage passt nichts im Werkzeugkasten direkt.")
    assert "keine direkte Entsprechung" in outside["answer"]
    assert outside["tools"], "the nearest tools are still listed"


@pytest.mark.parametrize("question", NONSENSE)
def test_nonsense_does_not_fit(shipped_assistant, question: str) -> None:
    answer = shipped_assistant.ask(question)
    assert answer.fits is False
    assert answer.tools  # still the nearest ones
    assert "[1]" not in answer.text  # no passage shares a word with it: nothing is quoted


def test_out_of_scope_answers_say_so_in_the_question_language(shipped_assistant) -> None:
    english = shipped_assistant.ask("Which software should our citizens' office use for booking "
                                    "appointments online?")
    assert not english.fits and english.language == "en"
    assert english.text.startswith("Nothing in the toolbox fits this question directly.")
    assert "The nearest tools, not a direct match: " in english.text
    assert english.tools[0].tool.name in english.text
    german = shipped_assistant.ask("Wie organisieren wir die Rattenbekämpfung in der "
                                   "Kanalisation?")
    assert not german.fits and german.language == "de"
    assert "Die nächstliegenden Werkzeuge, keine direkte Entsprechung: " in german.text


def test_benchmark_questions_fit_in_the_large_majority(shipped_assistant) -> None:
    lines = (CORPUS / "benchmark" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line) for line in lines if line.strip()]
    answerable = [q["text"] for q in queries if q.get("answerable", True)]
    unanswerable = [q["text"] for q in queries if q.get("answerable") is False]
    fits = [shipped_assistant.ask(text).fits for text in answerable]
    assert sum(fits) / len(fits) >= 0.85
    abstains = [not shipped_assistant.ask(text).fits for text in unanswerable]
    assert sum(abstains) / len(abstains) >= 0.75


@pytest.mark.integration
def test_evidence_from_the_retrieval_is_the_separate_queries_and_a_filter_asks_again(
        shipped_assistant) -> None:
    from assistant.query.analysis import analyse
    from assistant.query.filters import Filters
    from assistant.retrieval.abstain import evidence

    questions = ["How do we start a heat action plan?", "Starkregen Gefahrenkarte für Gemeinden",
                 "asdf qwerty", "Pizza Rezept", "drought monitoring for farmers"]
    for question in questions:
        analysis = analyse(question)
        retrieval, _ = shipped_assistant.rank(question, analysis=analysis)
        assert retrieval.nearest_similarity is not None, question
        alone = evidence(shipped_assistant.retriever, question, analysis)
        assert retrieval.nearest_similarity == pytest.approx(alone.similarity, abs=1e-4), question
        assert evidence(shipped_assistant.retriever, question, analysis, retrieval) == \
            Evidence(retrieval.nearest_similarity)
    filtered, _ = shipped_assistant.rank(questions[0], Filters(hazards=("heat",)))
    assert filtered.nearest_similarity is None


def _tool() -> RankedTool:
    tool = Tool(id="efas", name="European Flood Awareness System (EFAS)", provider=None,
                url=None, kind="data-portal", hazards=["river-flooding"],
                phases=["implementation"], scale=["region"], languages=["en"], cost="free",
                description="Flood early warning.",
                example_use="A county watches river forecasts.", source_note="test")
    return RankedTool(tool=tool, score=1.0, reasons=())


def test_compose_without_fit_names_the_nearest_tools_in_both_languages() -> None:
    english = compose("parking fines", [_tool()], [], "en", fits=False)
    assert english.text == ("Nothing in the toolbox fits this question directly. The nearest "
                            "tools, not a direct match: European Flood Awareness System (EFAS).")
    assert not english.fits and english.tools
    german = compose("Hundesteuer", [_tool()], [], "de", fits=False)
    assert german.text == ("Zu dieser Frage passt nichts im Werkzeugkasten direkt. Die "
                           "nächstliegenden Werkzeuge, keine direkte Entsprechung: European "
                           "Flood Awareness System (EFAS).")
    assert compose("flood warning", [_tool()], [], "en").fits


def test_app_tool_cards_carry_the_notice_only_without_fit() -> None:
    assert "Not a direct match" in tools_html(compose("x", [_tool()], [], "en", fits=False))
    assert "Keine direkte Entsprechung" in tools_html(compose("x", [_tool()], [], "de",
                                                              fits=False))
    assert "direct match" not in tools_html(compose("x", [_tool()], [], "en"))
