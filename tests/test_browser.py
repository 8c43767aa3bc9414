"""The real app in a real browser: headless Debian Chromium driven by Playwright.

`.ci/run` installs Chromium; on a machine without it these tests are skipped with that reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .app_server import ARTIFACTS, browser_page, needs_chromium, running_app, small_corpus

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
