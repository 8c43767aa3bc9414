"""The real app in a real browser: headless Debian Chromium driven by Playwright.

One app over the small knowledge base serves every test here (it builds its index at start;
each app start cost 34-47 s of the suite). The last test checks that the whole page follows the
question's language (issue 21) on a page of its own.

`.ci/run` installs Chromium; on a machine without it these tests are skipped with that reason.
Screenshots go to test-artifacts/ (gitignored); the language test prints their paths.
"""

from __future__ import annotations

from pathlib import Path

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


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    with running_app(root, small_corpus(root / "corpus"), timeout=180) as (url, _):
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    with browser_page(app_url) as page:
        page.goto(app_url)
        yield page


def ask(page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    page.locator("#ask").click()


def test_german_question_shows_ranked_tools_and_cited_page(page) -> None:
    ask(page, "Wo bekommen wir Hitzewarnungen für unsere Pflegeheime?")
    page.wait_for_selector("#tools .tool-card", timeout=60_000)
    first = page.locator("#tools .tool-card").first.inner_text()
    assert "DWD heat warning system" in first
    page.wait_for_selector("#sources .passage", timeout=30_000)
    assert "Hitze-Leitfaden, S. 2" in page.locator("#sources").inner_text()  # German labels
    assert "Empfohlene Werkzeuge" in page.locator("#tools").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "german-question.png"), full_page=True)


def test_follow_up_filter_chip_browse_and_screenshot(page, app_url) -> None:
    page.goto(app_url)  # a fresh conversation
    ask(page, "Wo bekommen wir Hitzewarnungen für unsere Pflegeheime?")
    page.wait_for_selector("#sources a.page-link", timeout=60_000)
    link = page.locator("#sources a.page-link", has_text="Hitze-Leitfaden, S. 2").first
    href = link.get_attribute("href")
    assert href == "/documents/hitze-leitfaden.pdf#page=2"
    pdf = page.request.get(page.url.rstrip("/") + href.split("#")[0])
    assert pdf.ok and pdf.body()[:5] == b"%PDF-"
    assert page.locator("#sources mark", has_text="Hitzewarnungen").count() >= 1

    with page.expect_download(timeout=30_000) as download:
        page.locator("#tools a.export").click()
    markdown = Path(download.value.path()).read_text("utf-8")
    assert markdown.startswith("# Frage") and "DWD heat warning system" in markdown

    ask(page, "und nur kostenlose?")
    page.wait_for_selector("#tools .searched:has-text('Gesucht nach')", timeout=60_000)
    assert "Pflegeheime" in page.locator("#tools .searched").inner_text()
    page.wait_for_selector("#chips .token:has-text('Kosten: kostenlos')", timeout=30_000)

    # Apply a filter: it shows as a chip (sent back by the server) and narrows the tools.
    page.locator("#filters").get_by_text("Filter").first.click()  # German: the last question
    page.locator("#filter-hazards input").click()
    page.get_by_role("option", name="Dürre", exact=True).click()  # the page's language too
    page.wait_for_selector("#chips .token:has-text('Gefahr: Dürre')", timeout=60_000)
    page.wait_for_function("!document.querySelector('#tools').innerText.includes('DWD heat')",
                           timeout=60_000)
    assert "Dürremonitor" in page.locator("#tools .tool-card").first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "filter-chip.png"), full_page=True)

    # Remove it as a chip: the filter control clears and the heat tools come back.
    page.locator("#chips .token", has_text="Gefahr: Dürre").locator(".token-remove").click()
    page.wait_for_function("document.querySelector('#tools').innerText.includes('DWD heat')",
                           timeout=60_000)
    page.wait_for_function(
        "!document.querySelector('#filter-hazards').innerText.includes('Dürre')",
        timeout=30_000)

    page.get_by_role("tab", name="Übersicht").click()  # the Browse tab, on a German page
    assert page.locator('#matrix [data-testid="cell-0-0"]').inner_text() == "heat / Hitze"
    cell = page.locator('#matrix [data-testid="cell-0-1"]')  # heat x awareness
    cell.wait_for(timeout=30_000)
    cell.click()
    page.wait_for_selector("#cell-tools .tool-card", timeout=30_000)
    assert "DWD" in page.locator("#cell-tools").inner_text()
    page.screenshot(path=str(ARTIFACTS / "browse.png"), full_page=True)


GERMAN = "Wo bekommen wir Hitzewarnungen für unsere Pflegeheime?"
ENGLISH = "Which services warn care homes of heat waves?"


@pytest.fixture(scope="module")
def fresh_page(page, app_url):
    """A page of its own in the same Chromium (Playwright's sync API runs one per thread), on
    the app's English first screen."""
    own = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})
    own.goto(app_url)
    own.wait_for_selector("#question textarea", timeout=60_000)
    yield own
    own.close()


def ask_until(page, question: str, button: str) -> None:
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
        fresh_page) -> None:
    """On an English first screen a German question relabels the filters, the Funding
    controls, the tab names, the Browse tab and the Evaluate tab, keeping what is selected,
    and lists German example questions (a click on one asks it); an English question turns it
    back."""
    page = fresh_page
    page.locator("#filters button, #filters .label-wrap").first.click()  # open the accordion
    page.locator("#funding button, #funding .label-wrap").first.click()
    assert label_of(page, "filter-hazards") == "Hazard"
    assert "How do we start a heat action plan?" in page.locator("body").inner_text()
    hazards = page.locator("#filter-hazards input").first
    hazards.click()
    page.get_by_role("option", name="heavy rain", exact=True).click()  # a selection to keep
    page.keyboard.press("Escape")
    ask_until(page, GERMAN, "Fragen")
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
    ask_until(page, ENGLISH, "Ask")
    page.wait_for_function(
        "document.querySelector('#filter-hazards [data-testid=block-info]')"
        ".innerText === 'Hazard'", timeout=30_000)
    assert "heavy rain" in page.locator("#filter-hazards").inner_text()
    page.wait_for_function("document.body.innerText"
                           ".includes('How do we start a heat action plan?')", timeout=30_000)
    assert label_of(page, "funding-applicants") == "Who may apply"
    assert page.get_by_role("tab", name="Evaluate").count() == 1
    assert page.get_by_role("tab", name="Browse").count() == 1
