"""Hostile content in a real browser: the real app (a subprocess, as `python app.py` runs it)
over a knowledge base whose tool record, document text, title and file name carry scripts,
event handlers, `javascript:` links and Markdown link tricks; a question and an uploaded file
name carry them too. Debian Chromium via Playwright watches for any of them running (a window
flag, dialogs, console) or turning into an element."""

from __future__ import annotations

import re
import time

import pytest
import yaml

from .app_server import ARTIFACTS, browser_page, needs_chromium, running_app
from .conftest import copy_tools

pytestmark = [needs_chromium, pytest.mark.browser]
EDITOR = "editor pw 42"


def payloads(tag: str) -> str:
    """Every trick once; each sets window.__pwned (or opens a dialog) if it ever runs."""
    return (f'<img src=x onerror="window.__pwned=\'{tag}-img\'">'
            f"<script>window.__pwned='{tag}-script'</script>"
            f"<svg onload=\"window.__pwned='{tag}-svg'\"></svg>"
            f"<iframe src=\"javascript:parent.__pwned='{tag}-iframe'\"></iframe>"
            f"[click me](javascript:alert('{tag}-md')) "
            f"<a href=\"javascript:alert('{tag}-a')\">link</a> "
            f"![x](x \"onerror=alert(1)\") <javascript:alert('{tag}-auto')> "
            f"[ref][r]\n\n[r]: javascript:alert('{tag}-ref')\n")


HOSTILE_TOOL = {
    "id": "hostile-heat-tool", "name": 'Heat shade planner <img src=x onerror="window.__pwned=1">',
    "provider": '<script>window.__pwned="provider"</script>', "kind": "guide",
    "url": "https://example.org/heat-shade", "hazards": ["heat"], "phases": ["planning"],
    "scale": ["city"], "languages": ["en"], "cost": "free",
    "description": f"A heat shade planner for hot summers. {payloads('description')}",
    "example_use": "Shade for squares <b onmouseover=alert(1)>bold</b>",
    "source_note": "<iframe src=javascript:alert(1)>",
    "aliases": ["Heat <svg onload=alert(1)> planner"],
}


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus = copy_tools(root / "corpus", ["dwd-hitzewarnsystem", "efas"])
    (corpus / "hostile-heat-tool.yaml").write_text(yaml.safe_dump(HOSTILE_TOOL), "utf-8")
    (corpus / "heat <img src=x onerror=alert(1)>.md").write_text(
        "# Heat guide <img src=x onerror=\"window.__pwned='title'\">\n\n"
        f"Heat shade for hot summers in the city. {payloads('passage')} Shade trees help too.",
        "utf-8")  # the last sentence ends the payload's: sources show whole sentences
    with running_app(root, corpus, TOOLBOX_EDITOR_PASSWORD=EDITOR) as (url, log):
        assert "failed" not in log.read_text(), log.read_text()[-3000:]  # all indexed
        yield url, log


@pytest.fixture(scope="module")
def watched(hostile_app):
    """A page with every way a script could show itself recorded."""
    events: list[str] = []
    with browser_page(hostile_app[0]) as page:
        page.on("dialog", lambda d: (events.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("console", lambda m: events.append(f"console: {m.text}")
                if "pwned" in m.text or "alert" in m.text else None)
        page.goto(hostile_app[0])
        yield page, events


FOREIGN = ("img[src='x'], script:not([src]):is(#chat *, #tools *, #sources *), "
           "iframe, svg[onload], [onerror], [onload], [onmouseover], a[href^='javascript' i], "
           "a[href^='data' i]")


def assert_inert(page, events: list[str]) -> None:
    assert page.evaluate("window.__pwned") is None
    assert events == []
    foreign = page.evaluate(f"[...document.querySelectorAll({FOREIGN!r})].map(e => e.outerHTML)")
    assert foreign == []


def test_hostile_tool_document_and_question_are_shown_as_text(watched) -> None:
    page, events = watched
    question = (f"heat shade planner {payloads('question')}")
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.wait_for_selector("#tools .tool-card", timeout=90_000)
    page.wait_for_selector("#sources .passage", timeout=30_000)
    page.wait_for_function("document.querySelector('#chat').innerText.includes('question-img')",
                           timeout=30_000)
    time.sleep(1)  # give an injected handler time to fire
    tools = page.locator("#tools").inner_text()
    assert "Heat shade planner <img src=x onerror=" in tools  # shown, as text
    assert "[click me](javascript:alert('description-md'))" in page.locator(
        "#tools").text_content()
    assert "<script>window.__pwned='passage-script'</script>" in page.locator(
        "#sources").text_content()
    assert "<img src=x onerror=\"window.__pwned='question-img'\">" in page.locator(
        "#chat").inner_text()
    links = page.evaluate("[...document.querySelectorAll('#tools a, #sources a, #chat a')]"
                          ".map(a => a.getAttribute('href'))")
    ours = {link for link in links if re.fullmatch(r"/exports/[A-Za-z0-9_-]{16}\.md", link)}
    assert len(ours) == 1  # the answer's own download link
    # every other link is a web page of a tool or a source (experiences name theirs); the
    # hostile record's own link is kept, its javascript: one never becomes a link
    assert "https://example.org/heat-shade" in links
    assert all(re.fullmatch(r"https://[^\s\"'<>]+", link) for link in set(links) - ours), links
    assert "https://example.org/heat-shade" in links
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hostile-content.png"), full_page=True)
    assert_inert(page, events)


def test_hostile_file_names_in_the_editor_tab_are_text(watched, hostile_app) -> None:
    page, events = watched
    page.get_by_role("tab", name="Ingest").click()
    page.wait_for_selector("#editor-pw input", timeout=30_000)
    assert not page.locator("#editor-files").is_visible()  # nothing to upload before login
    page.locator("#editor-pw input").fill(EDITOR)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_function("document.body.innerText.includes('hostile-heat-tool')",
                           timeout=30_000)
    page.locator("#editor-files input[type=file]").set_input_files(files=[{
        "name": "<img src=x onerror=alert('upload')>.md", "mimeType": "text/markdown",
        "buffer": b"# Upload <script>alert('upload')</script>\nShade in hot summers.\n"}])
    page.get_by_role("button", name="Ingest", exact=True).click()
    page.wait_for_function("document.body.innerText.includes('img src-x onerror-alert')",
                           timeout=90_000)
    time.sleep(1)
    body = page.locator("body").inner_text()
    assert "heat <img src=x onerror=alert(1)>.md" in body  # the corpus file's path, as text
    assert_inert(page, events)
    log = hostile_app[1].read_text()
    assert EDITOR not in log  # the password never reaches the log
