"""The real app in a real browser: headless Debian Chromium driven by Playwright.

`.ci/run` installs Chromium; on a machine without it these tests are skipped with that reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, copy_tools, write_pdf

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium not installed (.ci/run installs it)")
TOOLS = ["dwd-hitzewarnsystem", "halle-trinkbrunnen-entscheidungsmatrix", "efas",
         "bkg-hinweiskarte-starkregengefahren", "ufz-duerremonitor", "mannheim-hitzeaktionsplan"]
PAGES = [
    "Hitzeschutz in der Kommune. Dieser Leitfaden erklärt, wie Städte ältere Menschen schützen.",
    "Hitzewarnungen. Das DWD heat warning system (hitzewarnungen.de, newsletter) warnt "
    "Gesundheitsamt und Pflegeheime vor Hitzewellen, damit die Stadt ihre Maßnahmen startet.",
    "Trinkbrunnen. Die Halle (Saale) decision matrix for siting public drinking fountains hilft "
    "bei der Wahl der Standorte.",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    corpus = copy_tools(root / "corpus", TOOLS)
    write_pdf(corpus / "hitze-leitfaden.pdf", PAGES, title="Hitze-Leitfaden")
    port = _free_port()
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(root / "data"),
           "TOOLBOX_CORPUS_DIR": str(corpus), "TOOLBOX_PORT": str(port)}
    log = (root / "app.log").open("w")
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=root, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app exited: {(root / 'app.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("app did not answer within 180 s")
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app_url)
        yield page
        browser.close()


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
        page.locator("#export").click()
    markdown = Path(download.value.path()).read_text("utf-8")
    assert markdown.startswith("# Frage") and "DWD heat warning system" in markdown

    ask(page, "und nur kostenlose?")
    page.wait_for_selector("#tools .searched:has-text('Gesucht nach')", timeout=60_000)
    assert "Pflegeheime" in page.locator("#tools .searched").inner_text()
    page.wait_for_selector("#chips .token:has-text('Kosten: kostenlos')", timeout=30_000)

    # Apply a filter: it shows as a chip (sent back by the server) and narrows the tools.
    page.locator("#filters").get_by_text("Filters").first.click()
    page.locator("#filter-hazards input").click()
    page.get_by_role("option", name="drought", exact=True).click()
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
        "!document.querySelector('#filter-hazards').innerText.includes('drought')",
        timeout=30_000)

    page.get_by_role("tab", name="Browse").click()
    assert page.locator('#matrix [data-testid="cell-0-0"]').inner_text() == "heat / Hitze"
    cell = page.locator('#matrix [data-testid="cell-0-1"]')  # heat x awareness
    cell.wait_for(timeout=30_000)
    cell.click()
    page.wait_for_selector("#cell-tools .tool-card", timeout=30_000)
    assert "DWD heat warning system" in page.locator("#cell-tools").inner_text()
    page.screenshot(path=str(ARTIFACTS / "browse.png"), full_page=True)
