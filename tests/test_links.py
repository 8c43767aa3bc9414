"""Only http(s) URLs from tool records become links; every other text, however it is dressed
up as a link or markup, is shown as text (assistant/web/present.py and the Tool schema)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from assistant.answer.compose import Answer
from assistant.retrieval.tool_ranking import RankedTool
from assistant.web.present import escape_markdown, passages_html, safe_link, tools_html
from ingest.core.errors import FileProblem
from ingest.core.records import Chunk, Hit, Tool
from ingest.parse.tool_files import read_tools

XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
NOT_LINKS = [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "\tjavascript:x",
    "jav&#x61;script:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox",
    "file:///etc/passwd", "//evil.example/x", "ftp://example.org/x", "mailto:a@b.c",
    'https://example.org/" onmouseover="alert(1)', "https://example.org/<script>",
    "https://exa mple.org", "", None,
]


def _tool(**fields: object) -> Tool:
    record = {"id": "evil-tool", "name": XSS, "provider": XSS, "url": None, "kind": "guide",
              "hazards": ["heat"], "phases": ["planning"], "scale": ["city"],
              "languages": ["en"], "cost": "free", "description": XSS, "example_use": XSS,
              "source_note": XSS}
    return Tool.model_validate({**record, **fields})


def _hit(text: str) -> Hit:
    return Hit(Chunk(chunk_id="c1", kind="passage", source_id="document:d", doc_id="d",
                     title=XSS, text=text, page_start=1, page_end=1, section=XSS), 1.0)


@pytest.mark.parametrize("url", NOT_LINKS)
def test_anything_but_http_stays_text(url: str | None) -> None:
    shown = safe_link(url, "label")
    assert "<a" not in shown and "href" not in shown and shown == "label"


@pytest.mark.parametrize("url", ["http://example.org", "https://example.org/a?b=1&c=<2>"[:25],
                                 "HTTPS://EXAMPLE.ORG/x"])
def test_http_urls_become_inert_new_tab_links(url: str) -> None:
    shown = safe_link(url, "<b>name</b>")
    assert shown.startswith('<a href="') and 'rel="noopener noreferrer nofollow"' in shown
    assert "&lt;b&gt;name&lt;/b&gt;" in shown and "<b>" not in shown


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd",
                                 "ftp://example.org/x", "vbscript:x", "//evil.example"])
def test_the_tool_schema_refuses_non_http_urls(tmp_path: Path, url: str) -> None:
    path = tmp_path / "evil.json"
    path.write_text(_tool().model_dump_json().replace('"url":null', f'"url":"{url}"'), "utf-8")
    with pytest.raises(FileProblem, match="field url"):
        read_tools(path)


def test_tool_cards_link_only_the_records_url_and_escape_the_rest() -> None:
    ranked = RankedTool(_tool(url="https://example.org/tool"), 1.0, (XSS,),
                        (_hit(f"{XSS} see javascript:alert(1) and https://evil.example"),))
    answer = Answer("q", XSS, (ranked,), (ranked.passages[0],), "en")
    cards = tools_html(answer) + passages_html(answer)
    assert re.findall(r"<a\b[^>]*>", cards) == [
        '<a href="https://example.org/tool" target="_blank" '
        'rel="noopener noreferrer nofollow">']
    assert "<img" not in cards and "<script" not in cards and "onerror=" in cards  # as text
    assert "&lt;script&gt;" in cards


@pytest.mark.parametrize("text", [
    "[click](javascript:alert(1))", "[click]( javascript:alert(1) )", "<javascript:alert(1)>",
    "<https://evil.example>", "![x](https://evil.example/x.png)", "[a]\n\n[a]: javascript:x",
    "https://evil.example/autolink", XSS, "<a href='javascript:alert(1)'>x</a>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "`<script>` **bold** _it_ # h",
])
def test_chat_text_renders_as_plain_text_in_markdown(text: str) -> None:
    rendered = MarkdownIt("commonmark").render(escape_markdown(text))
    assert set(re.findall(r"</?(\w+)", rendered)) <= {"p"}, rendered  # paragraphs, nothing else
