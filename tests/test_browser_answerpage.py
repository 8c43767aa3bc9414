"""The answer page in a real Chromium over the shipped corpus (issue 21): topic shifts, a short
first screen, tables and whole sentences, one language, honest chips, Browse and Evaluate.

Screenshots go to test-artifacts/answerpage-*.png (gitignored); each test prints its path.
"""

from __future__ import annotations

import re

import pytest

from .app_server import ARTIFACTS, browser_page, needs_chromium, running_app, submit_question
from .conftest import E5_ON, ROOT, SHIPPED_COLLECTION, copy_index

pytestmark = [needs_chromium, pytest.mark.browser]
FIRST_SCREEN = {"width": 1400, "height": 900}
HEAVY_RAIN = ("Welche Werkzeuge helfen uns, ein Starkregenkonzept für unsere Gemeinde zu "
              "erstellen? und nur kostenlose?")
TYPICAL = "How do we protect older residents from heat?"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, shipped_index):
    """The app over a copy of the session's shipped index: building it again in the app took
    78 s; tests/test_browser.py sees an app build its index at start."""
    root = tmp_path_factory.mktemp("answerpage")
    copy_index(shipped_index, root / "data")
    with running_app(root, ROOT / "corpus", TOOLBOX_COLLECTION=SHIPPED_COLLECTION,
                     **E5_ON) as (url, _):  # the shipped app end to end, e5 and all
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    with browser_page(app_url) as page:
        page.set_viewport_size(FIRST_SCREEN)
        yield page


def fresh(page, app_url: str) -> None:
    page.goto(app_url)
    page.wait_for_selector("#question textarea", timeout=60_000)


def ask(page, question: str) -> None:
    """Ask and wait until the answer to this question is on the page."""
    submit_question(page, question)
    page.wait_for_selector("#tools .tool-card", timeout=90_000)
    page.wait_for_function("!document.querySelector('#tools .pending, #tools .generating')",
                           timeout=30_000)


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"answerpage-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")


def chip_texts(page) -> list[str]:
    return page.locator("#chips .token").all_inner_texts()


def test_a_topic_shift_starts_a_new_search_and_drops_old_chips(page, app_url) -> None:
    fresh(page, app_url)
    ask(page, HEAVY_RAIN)
    page.wait_for_selector("#chips .token:has-text('Kosten: kostenlos')", timeout=30_000)
    ask(page, "drought")
    page.wait_for_function("!document.querySelector('#chips').innerText.includes('kostenlos')",
                           timeout=30_000)
    assert page.locator("#tools .searched").count() == 0  # searched as typed: no "Searched for"
    top3 = page.locator("#tools > div > .tool-card, #tools .tool-card").all_inner_texts()[:3]
    assert any("Dürremonitor" in card for card in top3), top3
    shot(page, "topic-shift")
    ask(page, "nur kostenlose?")  # a real follow-up still carries the topic
    page.wait_for_selector("#tools .searched:has-text('drought nur kostenlose')", timeout=30_000)


def test_first_screen_shows_the_answer_and_three_tools_and_the_page_is_short(page,
                                                                             app_url) -> None:
    fresh(page, app_url)
    ask(page, TYPICAL)
    shot(page, "first-screen", full_page=False)
    shot(page, "typical-question")
    answer = page.locator("#chat .message-row").last.bounding_box()
    assert answer and answer["y"] < FIRST_SCREEN["height"]
    open_cards = page.locator("#tools .tool-card:not(details.more-tools .tool-card)")
    assert open_cards.count() == 3
    third = open_cards.nth(2).bounding_box()
    assert third and third["y"] + third["height"] <= FIRST_SCREEN["height"], third
    first = open_cards.first
    assert first.locator(":scope > .evidence .passage").count() == 1  # its best passage
    assert first.locator("details.more").count() == 1  # the others behind "more"
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"page height for {TYPICAL!r}: {height} px")
    assert height < 2500
    assert not [c for c in chip_texts(page) if "participation" in c]  # issue 21's wrong chip
    labels = page.locator("#chat label[data-testid='block-label']")  # no "Chat" over the answer
    assert all(not labels.nth(i).is_visible() for i in range(labels.count()))


def test_tables_sources_and_sentences(page, app_url) -> None:
    fresh(page, app_url)
    ask(page, HEAVY_RAIN)
    page.locator("#tools details.more > summary").first.click()
    tables = page.locator("#tools table.passage-table, #sources table.passage-table")
    assert tables.count() >= 1 and "|" not in tables.first.inner_text()
    sources = page.locator("#sources .passage-source").all_inner_texts()
    pages = [re.sub(r"^(\[\d+\]\s*)+", "", s).split(" · ")[0] for s in sources]
    assert len(pages) == len(set(pages)), pages  # one entry per page
    for text in page.locator("#sources .passage:not(:has(table))").evaluate_all(
            "els => els.map(e => Array.from(e.childNodes)"
            ".filter(n => !(n.classList && n.classList.contains('passage-source')))"
            ".map(n => n.textContent).join(' ').trim())"):
        if text:
            assert re.match(r"^[\"'„“(\[]?[A-ZÄÖÜ0-9]", text), text
            assert re.search(r"[.!?:…][\"'“”)\]]?$", text), text
    said = page.locator("#chat .message-row").last.inner_text()
    assert "Keine Textstelle der Leitfäden beantwortet das direkt" not in said
    assert re.search(r"[.!?…\]]\s*$", said.strip()), said  # the answer ends a sentence
    shot(page, "tables-sources")


def test_the_page_follows_the_questions_language(page, app_url) -> None:
    fresh(page, app_url)
    assert page.locator("#ask").inner_text() == "Ask"  # the first screen: the setting (en)
    ask(page, "Wo bekommen wir Hitzewarnungen für unsere Pflegeheime?")
    page.wait_for_function("document.querySelector('#ask').innerText.includes('Fragen')",
                           timeout=30_000)
    assert page.locator("#new").inner_text() == "Neues Gespräch"
    assert page.locator("#fits").inner_text() == "👍 passt"
    assert page.get_by_text("Beispiele", exact=True).count() >= 1
    assert page.locator("#question textarea").get_attribute("placeholder").startswith("Wo ")
    reasons = page.locator("#tools .reasons").all_inner_texts()[:3]
    # the words matched (document titles named after "empfohlen in" keep their language)
    matched = " ".join(re.findall(r"Anliegen: ([^;]*)", " ".join(reasons)))
    assert all(r.startswith("Warum") for r in reasons) and matched, reasons
    assert not {"tool", "tools", "heat", "warning", "warnings", "care", "homes"} & set(
        re.findall(r"\w+", matched.lower())), matched
    meta = " ".join(page.locator("#tools .tool-meta").all_inner_texts())
    assert not re.search(r"\b(data-portal|map-service|guide|free)\b", meta), meta
    shot(page, "german")
    ask(page, "Which services forecast heat waves for Europe?")
    page.wait_for_function("document.querySelector('#ask').innerText === 'Ask'", timeout=30_000)
    matched = " ".join(re.findall(r"matches your need: ([^;]*)",
                                  " ".join(page.locator("#tools .reasons").all_inner_texts())))
    assert matched and not {"stadt", "städte", "hitze", "hitzewelle"} & set(
        re.findall(r"\w+", matched.lower())), matched


def test_browse_list_follows_the_search_and_kinds_are_words(page, app_url) -> None:
    fresh(page, app_url)
    page.get_by_role("tab", name="Browse").click()
    page.locator('#matrix [data-testid="cell-0-0"]').click()  # heat: the whole row
    page.wait_for_selector("#cell-tools .tool-card", timeout=30_000)
    before = page.locator("#cell-tools .tool-card").count()
    assert "data-portal" not in page.locator("#cell-tools").inner_text()
    page.locator("#browse-search textarea, #browse-search input").first.fill("Trinkbrunnen")
    page.wait_for_function(
        f"document.querySelectorAll('#cell-tools .tool-card').length < {before}",
        timeout=30_000)
    assert "Halle" in page.locator("#cell-tools").inner_text()
    shot(page, "browse")


def test_evaluate_tab_upload_box_plot_label_and_one_progress_bar(page, app_url) -> None:
    fresh(page, app_url)
    page.get_by_role("tab", name="Evaluate").click()
    page.wait_for_selector("#eval-dataset", timeout=30_000)
    assert not page.locator("#eval-upload").is_visible()  # built-in benchmark selected
    page.get_by_label("upload a BEIR zip").check()
    page.wait_for_selector("#eval-upload", state="visible", timeout=30_000)
    page.get_by_label("built-in benchmark: tools").check()
    page.wait_for_selector("#eval-upload", state="hidden", timeout=30_000)
    for name in ("dense", "hybrid", "hybrid+rerank"):  # the quickest run: BM25 alone
        box = page.get_by_label(name, exact=True)
        if box.count() and box.is_checked():
            box.uncheck()
    page.locator("#eval-run").click()
    page.wait_for_selector("#eval-summary .wrap:not(.hide), #eval-summary .progress-text",
                           timeout=60_000)
    bars = page.evaluate(
        "['#eval-summary', '#eval-table', '#eval-plot'].map(id => "
        "document.querySelectorAll(id + ' .progress-text, ' + id + ' .eta-bar').length)")
    assert bars[1] == 0 and bars[2] == 0, bars  # one progress bar, not one per output
    page.wait_for_selector("#eval-plot img", timeout=300_000)
    labels = page.locator("#eval-plot label[data-testid='block-label']")
    assert all(not labels.nth(i).is_visible() for i in range(labels.count()))
    shot(page, "evaluate")
