"""TOOLBOX_UI_LANGUAGE: the real app over a small real knowledge base shows its first screen in
German with `de` and in English by default; after a question the Ask tab (answer, buttons,
placeholder, chips, votes) follows that question's language."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import gradio as gr
import pytest

from assistant.answer.labels import UI
from ingest.core.settings import Settings

from .app_server import load_app
from .conftest import copy_index

NO_FILTERS: list[list[str]] = [[], [], [], [], [], []]


def test_both_languages_have_every_fixed_text() -> None:
    assert set(UI["de"]) == set(UI["en"])
    same = {key for key in UI["en"] if UI["de"][key] == UI["en"][key]}
    assert not same, f"untranslated: {same}"


@pytest.fixture(scope="module")
def apps(tmp_path_factory, embedder, small_index):
    """The app built twice over one real index: German fixed texts, then the default."""
    from assistant.service import Assistant
    from assistant.web.editor import EditorGate

    module = load_app("toolbox_app_ui")
    data = copy_index(small_index, tmp_path_factory.mktemp("ui") / "data")
    settings = Settings.from_env(environ={"TOOLBOX_UI_LANGUAGE": "de"}, data_dir=data,
                                 corpus_dir=small_index.parent / "corpus")
    german = Assistant(settings, embedder=embedder)
    assert german.ensure_index() is None  # the copy is complete
    english = Assistant(replace(settings, ui_language="en"), embedder=embedder,
                        store=german.store)
    return {language: module.build_app(assistant, gate=EditorGate("secret", delay=0))
            for language, assistant in (("de", german), ("en", english))}


def labels(blocks) -> dict[str, dict]:
    """The Blocks config's components by elem_id or label, as the browser receives them."""
    found = {}
    for component in blocks.config["components"]:
        props = component.get("props", {})
        key = props.get("elem_id") or props.get("label") or props.get("value")
        if isinstance(key, str):
            found[key] = {"type": component["type"], **props}
    return found


def tab_names(blocks) -> list[str]:
    return [c["props"]["label"] for c in blocks.config["components"] if c["type"] == "tabitem"]


def test_german_setting_shows_the_fixed_texts_in_german(apps) -> None:
    blocks = apps["de"]
    shown = labels(blocks)
    assert shown["question"]["label"] == "Ihre Frage"
    assert shown["ask"]["value"] == "Fragen"
    assert shown["new"]["value"] == "Neues Gespräch" and shown["fits"]["value"] == "👍 passt"
    assert shown["does-not-fit"]["value"] == "👎 passt nicht"
    assert shown["filters"]["label"] == "Filter"
    hazards = shown["filter-hazards"]
    assert hazards["label"] == "Gefahr" and ["Hitze", "heat"] in map(list, hazards["choices"])
    assert shown["filter-costs"]["label"] == "Kosten"
    assert shown["chips"]["label"].startswith("Filter (entfernen Sie")
    assert "Ein gezeigtes Werkzeug bewerten" in shown
    assert tab_names(blocks) == ["Fragen", "Übersicht", "Evaluation", "Einpflegen"]
    assert shown["browse-search"]["label"] == "In der Toolbox suchen (Deutsch oder Englisch)"
    assert shown["editor-pw"]["label"] == "Passwort der Redaktion" and "### Wissensbasis" in shown
    assert shown["matrix"]["headers"][:2] == ["Gefahr \\ Phase", "Sensibilisierung"]


def test_german_setting_handlers_answer_in_german(apps) -> None:
    from ingest.core.records import HAZARDS, PHASES

    blocks = apps["de"]
    assert blocks.vote_tool(None, {}, 1) == UI["de"]["ask_first"]
    assert blocks.vote_answer(SimpleNamespace(index=0, liked=True), {}) == (
        "Nur Antworten können bewertet werden.")
    out = blocks.respond("warning service for care homes", [], {}, None, *NO_FILTERS)
    turns, tool_id = out[4], out[5]["value"]
    assert "Recommended tools" in out[1]  # the answer follows the question, not the setting
    assert out[8]["value"] == "Ask" and out[3]["label"] == "Your question"  # so does the page
    assert blocks.vote_tool(tool_id, turns, 1) == (
        f"Thank you: 👍 on tool {tool_id} recorded.")
    german = blocks.respond("Hitzewarnungen für Pflegeheime", [], {}, None, *NO_FILTERS)
    assert blocks.vote_answer(SimpleNamespace(index=1, liked=False), german[4]) == (
        "Vielen Dank: Ihr 👎 für die Antwort wurde gespeichert.")
    _, status = blocks.browse["view"]("")
    assert status.startswith("Passende Werkzeuge: 6. Klicken Sie auf eine Zelle")
    listing = blocks.browse["pick"]("", SimpleNamespace(index=[HAZARDS.index("heat"),
                                                               1 + PHASES.index("awareness")]))
    assert listing.startswith("<h3>Hitze × Sensibilisierung</h3>")
    assert "Keine Werkzeuge in dieser Zelle." in blocks.browse["pick"](
        "zzzqqq", SimpleNamespace(index=[HAZARDS.index("heat"), 0]))
    wrong = blocks.editor["login"]("guess", SimpleNamespace(session_hash="s", client=None))
    assert wrong[2] == "Falsches Passwort."
    guesser = SimpleNamespace(session_hash="t", client=SimpleNamespace(host="10.0.0.5"))
    for _ in range(6):
        locked = blocks.editor["login"]("guess", guesser)
    assert locked[2].startswith("Zu viele fehlgeschlagene Anmeldungen; bitte in ")
    with pytest.raises(gr.Error, match="Anmeldung der Redaktion nötig"):
        blocks.editor["refresh"]("", SimpleNamespace(session_hash="nobody"))


def test_default_setting_keeps_the_fixed_texts_english(apps) -> None:
    blocks = apps["en"]
    shown = labels(blocks)
    assert shown["question"]["label"] == "Your question" and shown["ask"]["value"] == "Ask"
    hazards = shown["filter-hazards"]
    assert hazards["label"] == "Hazard" and ["heat", "heat"] in map(list, hazards["choices"])
    assert tab_names(blocks) == ["Ask", "Browse", "Evaluate", "Ingest"]
    assert shown["matrix"]["headers"][:2] == ["hazard \\ phase", "awareness"]
    assert blocks.vote_tool(None, {}, 1) == (
        "Ask a question first, then rate one of the tools shown.")
    out = blocks.respond("Wo bekommen wir Hitzewarnungen für Pflegeheime?", [], {}, None,
                         *NO_FILTERS)
    assert "Empfohlene Werkzeuge" in out[1]  # a German question still gets a German answer
    assert out[8]["value"] == "Fragen" and out[10]["value"] == "👍 passt"  # and German buttons
    assert blocks.vote_answer(SimpleNamespace(index=1, liked=True), out[4]) == (
        "Vielen Dank: Ihr 👍 für die Antwort wurde gespeichert.")
    _, status = blocks.browse["view"]("")
    assert status == "Tools matching: 6. Click a cell to list its tools."
    assert blocks.editor["login"]("guess", SimpleNamespace(session_hash="s",
                                                           client=None))[2] == "Wrong password."
