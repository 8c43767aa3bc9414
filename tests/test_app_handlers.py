"""The app's handlers as plain functions (assistant/web/handlers.py) over a small real knowledge
base: named results, no gradio and no browser."""

from __future__ import annotations

import pytest

from assistant.web import handlers
from assistant.web.handlers import AnswerView, Links
from ingest.core.settings import Settings

from .conftest import copy_index

NO_FILTERS: list[list[str]] = [[], [], [], [], [], []]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embedder, small_index):
    from assistant.service import Assistant

    data = copy_index(small_index, tmp_path_factory.mktemp("handlers") / "data")
    settings = Settings.from_env(environ={}, data_dir=data,
                                 corpus_dir=small_index.parent / "corpus")
    assistant = Assistant(settings, embedder=embedder)
    assert assistant.ensure_index() is None  # the copy is complete
    return assistant


def turn(assistant, message, before: AnswerView | None = None,
         filters=NO_FILTERS) -> AnswerView:
    return handlers.answer_turn(
        assistant, Links(lambda doc_id: None), message, before and before.history,
        before and before.turns, before and before.chip_state, filters,
        handlers.page_language(before and before.turns, "en"))


def test_an_answer_is_a_named_result_in_the_questions_language(assistant) -> None:
    view = turn(assistant, "Wo bekommen wir Hitzewarnungen für unsere Pflegeheime?")
    assert view.changed and view.tool_choices[0][1] == "dwd-hitzewarnsystem"
    assert "Empfohlene Werkzeuge" in view.tools_html and "Quellen" in view.sources_html
    assert view.texts.ask == "Fragen" and view.texts.placeholder.startswith("Wo finde")
    assert view.turns[1]["language"] == "de"
    english = turn(assistant, "Which drought monitoring tools exist?", view)
    assert english.texts.ask == "Ask" and english.texts.new == "New conversation"


def test_a_topic_shift_searches_the_new_message_alone_and_drops_its_chips(assistant) -> None:
    first = turn(assistant, "Welche Werkzeuge helfen bei Starkregen? nur kostenlose")
    assert "costs:free" in first.chip_values
    shifted = turn(assistant, "drought", first)
    assert shifted.turns[3]["search"] == "drought"
    assert "costs:free" not in shifted.chip_values
    assert shifted.tool_choices[0][1] == "ufz-duerremonitor"
    follow = turn(assistant, "nur kostenlose?", shifted)
    assert follow.turns[5]["search"] == "drought nur kostenlose?"


def test_votes_follow_the_language_of_the_turn(assistant) -> None:
    view = turn(assistant, "Hitzewarnungen für Pflegeheime")
    said = handlers.vote_tool(assistant, view.tool_choices[0][1], view.turns, 1, "en")
    assert said.startswith("Vielen Dank")
    assert handlers.vote_answer(assistant, 0, True, view.turns, "en") == (
        "Nur Antworten können bewertet werden.")
    assert handlers.vote_tool(assistant, None, {}, 1, "en").startswith("Ask a question first")


def test_the_browse_list_follows_the_search(assistant) -> None:
    tools = list(assistant.retriever.snapshot.tools.values())
    picked = ("heat", None)
    everything = handlers.browse_view(tools, "", picked, "en")
    narrowed = handlers.browse_view(tools, "Trinkbrunnen", picked, "en")
    assert everything.listing.count("tool-card") > narrowed.listing.count("tool-card") == 1
    assert "Halle" in narrowed.listing and narrowed.status.startswith("Tools matching: 1.")
    unpicked = handlers.browse_view(tools, "Hitze", None, "en")
    assert "DWD heat warning system" in unpicked.listing and "Dürremonitor" not in (
        unpicked.listing)
    assert "data-portal" not in everything.listing + handlers.browse_view(
        tools, "", ("drought", None), "en").listing  # kinds as words


def test_evaluation_without_an_upload_says_so(assistant) -> None:
    view = handlers.run_evaluation(assistant, handlers.UPLOAD, None, ["bm25"],
                                   lambda *_: None)
    assert view.summary == "Choose a BEIR zip to upload first." and view.plot is None


def test_the_page_around_the_answer_has_every_text_in_both_languages() -> None:
    from assistant.web.page_texts import EVALUATE, PageTexts

    assert set(EVALUATE["de"]) == set(EVALUATE["en"])
    english, german = PageTexts.of("en"), PageTexts.of("de")
    assert [c.label for c in german.filters[:6]] == ["Gefahr", "Phase", "Ebene", "Sprache",
                                                     "Art", "Kosten"]
    assert german.funding == "Förderung" and german.tabs == ("Fragen", "Übersicht",
                                                             "Evaluation")
    assert ("Hitze", "heat") in german.filters[0].choices
    assert ("Kommunen", "municipality") in german.filters[6].choices
    assert german.filters[10].choices[0] == ("beliebig", "")  # not a bare "-"
    assert english.filters[10].choices[0] == ("any", "")
    # only the labels change: each control keeps the same values in the same order
    for en, de in zip(english.filters, german.filters, strict=True):
        assert [v for _, v in en.choices] == [v for _, v in de.choices], en.field
    assert [v for _, v in german.datasets] == [handlers.BUILTIN_TOOLS,
                                               handlers.BUILTIN_PASSAGES, handlers.UPLOAD]
    assert german.datasets[2][0] == "BEIR-Zip hochladen"
    assert german.evaluate["run"] == "Evaluation starten"
    assert german.table_headers[0] == "Suchverfahren" and "nDCG@10" in german.table_headers
    assert german.browse_placeholder.startswith("z. B.")


def test_the_example_questions_are_in_the_pages_language() -> None:
    from assistant.query.expand import question_language

    for language in ("en", "de"):
        asked = handlers.AskTexts.of(language).example_questions
        assert len(asked) == 4
        assert [question_language(q) for q in asked] == [language] * 4, asked
    assert handlers.AskTexts.of("fr").example_questions == handlers.AskTexts.of(
        "en").example_questions


def test_evaluation_speaks_the_pages_language(assistant, tmp_path) -> None:
    import zipfile

    from assistant.evaluation import report

    from .beir_files import CORPUS, write_dataset

    german = handlers.run_evaluation(assistant, handlers.UPLOAD, None, ["bm25"],
                                     lambda *_: None, "de")
    assert german.summary == "Wählen Sie zuerst ein BEIR-Zip zum Hochladen."
    folder = write_dataset(tmp_path / "ds", corpus=CORPUS)
    archive = tmp_path / "ds.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.rglob("*"):
            zf.write(path, f"mini/{path.relative_to(folder).as_posix()}")
    view = handlers.run_evaluation(assistant, handlers.UPLOAD, str(archive), ["bm25"],
                                   lambda *_: None, "de")
    assert "4 Fragen): am besten **bm25** nach nDCG@10." in view.summary, view.summary
    assert view.rows[0][0] == "bm25" and view.rows[0][-1] == "bestes"
    evaluation = assistant.evaluate(folder, None, ["bm25"])
    titles = report.plot_titles(evaluation, "de")
    assert titles[0].endswith(" 4 Fragen)") and all(" nach " in t for t in titles[1:])
    assert report.plot_titles(evaluation, "en")[0].endswith(" 4 queries)")
