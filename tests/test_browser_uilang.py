"""The whole page follows the question's language in a real Chromium (issue 21): on an English
first screen a German question relabels the filters, the Funding controls, the tab names, the
Browse tab and the Evaluate tab, keeping what is selected, and lists German example questions
(a click on one asks it); an English question turns it back.

Screenshots go to test-artifacts/uilang-*.png (gitignored); each test prints its path.
"""

from __future__ import annotations

import pytest

from .app_server import (
    ARTIFACTS,
    browser_page,
    needs_chromium,
    running_app,
    small_corpus,
    submit_question,
)

pytestmark = [needs_chromium, pytest.mark.browser]
GERMAN = "Wo bekommen wir Hitzewarnungen für unsere Pflegeheime?"
ENGLISH = "Which services warn care homes of heat waves?"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = tmp_path_factory.mktemp("uilang")
    with running_app(root, small_corpus(root / "corpus")) as (url, _), browser_page(url) as page:
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        yield page


def ask(page, question: str, button: str) -> None:
    submit_question(page, question)
    page.wait_for_function("b => document.querySelector('#ask').innerText === b", arg=button,
                           timeout=30_000)


def label_of(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id} [data-testid='block-info']").first.inner_text()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"uilang-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_a_german_question_relabels_the_whole_page_and_an_english_one_turns_it_back(
        page) -> None:
    page.locator("#filters button, #filters .label-wrap").first.click()  # open the accordion
    page.locator("#funding button, #funding .label-wrap").first.click()
    assert label_of(page, "filter-hazards") == "Hazard"
    assert "How do we start a heat action plan?" in page.locator("body").inner_text()
    hazards = page.locator("#filter-hazards input").first
    hazards.click()
    page.get_by_role("option", name="heavy rain", exact=True).click()  # a selection to keep
    page.keyboard.press("Escape")
    ask(page, GERMAN, "Fragen")
    page.wait_for_function(
        "document.querySelector('#filter-hazards [data-testid=block-info]')"
        ".innerText === 'Gefahr'", timeout=30_000)
    assert [label_of(page, f"filter-{f}") for f in ("phases", "scales", "kinds", "costs")] == [
        "Phase", "Ebene", "Art", "Kosten"]
    assert label_of(page, "funding-applicants") == "Antragsberechtigt"
    assert label_of(page, "funding-min_rate") == "Mindest-Förderquote"
    assert "Förderung" in page.locator("#funding").inner_text()
    assert "Starkregen" in page.locator("#filter-hazards").inner_text()  # kept, relabelled
    page.wait_for_function("document.body.innerText"
                           ".includes('Wie fangen wir mit einem Hitzeaktionsplan an?')",
                           timeout=30_000)
    assert "How do we start" not in page.locator("body").inner_text()
    shot(page, "german-ask")
    page.get_by_text("Wer fördert die Entsiegelung von Schulhöfen?", exact=True).click()
    page.wait_for_function("document.querySelector('#question textarea').value === "
                           "'Wer fördert die Entsiegelung von Schulhöfen?'", timeout=30_000)
    page.locator("#question textarea").fill("")

    page.get_by_role("tab", name="Übersicht").click()
    page.wait_for_selector("#browse-search", state="visible", timeout=30_000)
    assert label_of(page, "browse-search").startswith("In der Toolbox suchen")
    assert page.locator("#browse-search textarea, #browse-search input").first.get_attribute(
        "placeholder").startswith("z. B.")
    assert "Sensibilisierung" in page.locator("#matrix").inner_text()
    assert "Förderung" in page.locator("#browse-funding").inner_text()
    page.locator("#browse-funding button, #browse-funding .label-wrap").first.click()
    page.wait_for_selector("#browse-funding-applicants", state="visible", timeout=30_000)
    assert label_of(page, "browse-funding-applicants") == "Antragsberechtigt"
    page.wait_for_function("document.querySelector('#browse-status').innerText"
                           ".startsWith('Passende Werkzeuge')", timeout=30_000)
    shot(page, "german-browse")

    page.get_by_role("tab", name="Evaluation").click()
    page.wait_for_selector("#eval-run", state="visible", timeout=30_000)
    assert page.locator("#eval-run").inner_text() == "Evaluation starten"
    assert label_of(page, "eval-dataset") == "Datensatz"
    assert page.get_by_label("BEIR-Zip hochladen").count() == 1
    assert label_of(page, "eval-retrievers") == "Suchverfahren"
    assert "Suchverfahren" in page.locator("#eval-table").inner_text()
    assert "Vergleich der Suchverfahren" in page.locator("body").inner_text()
    assert not page.locator("#eval-upload").is_visible()  # built-in benchmark still chosen
    shot(page, "german-evaluate")

    page.get_by_role("tab", name="Fragen").click()
    ask(page, ENGLISH, "Ask")
    page.wait_for_function(
        "document.querySelector('#filter-hazards [data-testid=block-info]')"
        ".innerText === 'Hazard'", timeout=30_000)
    assert "heavy rain" in page.locator("#filter-hazards").inner_text()
    page.wait_for_function("document.body.innerText"
                           ".includes('How do we start a heat action plan?')", timeout=30_000)
    assert label_of(page, "funding-applicants") == "Who may apply"
    assert page.get_by_role("tab", name="Evaluate").count() == 1
    assert page.get_by_role("tab", name="Browse").count() == 1
