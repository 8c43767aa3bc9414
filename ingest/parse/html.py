"""HTML -> a document of its main text, without navigation, banners and footers (trafilatura).

trafilatura was chosen over selectolax by trying both on municipal pages: on pages without
<main>/<nav> markup (a menu in a div, sidebars, teasers) tag stripping kept every menu entry and
footer link, while trafilatura's boilerplate detection kept the article alone, with its headings
and tables as Markdown (about 4 ms a page).
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import trafilatura

from ingest.core.errors import FileProblem
from ingest.core.records import Document
from ingest.parse.common import decode_text, keyword_tags, read_bytes
from ingest.parse.markdown import text_document

__all__ = ["read_html"]

logging.getLogger("trafilatura").setLevel(logging.ERROR)
# Never main text: without this, trafilatura's fallback returns a page's menu when that is all
# it has, and a nav-only page became a document titled "Home" (#22). Only the page's own
# banner and footer go: an <article>'s <header> holds its heading.
_NOT_MAIN_TEXT = ["//nav", "//body/header", "//body/footer"]
_CHARSET = re.compile(rb"charset=[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)
# Tags are found by their opening and then cut at the next `>`, never by a regex that scans
# to a tag's end from every opening: `<title>` or `<meta ` repeated took quadratic time (#22).
_HTML_OPEN = re.compile(r"<html", re.IGNORECASE)
_LANG = re.compile(r"\blang=[\"']?([A-Za-z]{2})", re.IGNORECASE)
_TITLE_OPEN = re.compile(r"<title", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title>", re.IGNORECASE)
_META_OPEN = re.compile(r"<meta\s", re.IGNORECASE)
_META_NAME = re.compile(r"\bname=[\"']?(keywords|supersedes)\b", re.IGNORECASE)
_META_CONTENT = re.compile(r"\bcontent=[\"']", re.IGNORECASE)
_QUOTE = re.compile(r"[\"']")


def read_html(path: Path) -> Document:
    markup = _decode(path, read_bytes(path))
    text = trafilatura.extract(markup, output_format="markdown", include_tables=True,
                               include_formatting=True, include_links=False,
                               include_images=False, include_comments=False, favor_recall=True,
                               prune_xpath=_NOT_MAIN_TEXT)
    if not text or not text.strip():
        raise FileProblem(path, "no main text found in the HTML page (only navigation, a "
                                "banner or a footer?)")
    meta: dict = {}
    for name, content in _meta_tags(markup):
        if name.lower() == "keywords":
            meta.update(keyword_tags(html.unescape(content)))
        else:
            meta["supersedes"] = html.unescape(content)
    title = _title(markup)
    if title is not None:
        meta["title"] = re.sub(r"\s+", " ", html.unescape(title)).strip()
    lang = _language(markup)
    if lang:
        meta["language"] = lang.lower()
    return text_document(path, [text], meta)


def _tags(markup: str, opening: re.Pattern[str]) -> list[tuple[int, int]]:
    """(start, end) of each tag that `opening` opens, to its first `>` (or the end of the page);
    an opening inside a tag found already is part of that tag."""
    found: list[tuple[int, int]] = []
    position = 0
    while (match := opening.search(markup, position)):
        end = markup.find(">", match.end())
        end = len(markup) if end < 0 else end
        found.append((match.start(), end))
        position = end
    return found


def _title(markup: str) -> str | None:
    """The first `<title ...>...</title>`'s text; None when there is none or it is unclosed."""
    opening = _TITLE_OPEN.search(markup)
    if opening is None:
        return None
    content = markup.find(">", opening.end()) + 1
    closing = _TITLE_CLOSE.search(markup, content) if content else None
    return markup[content:closing.start()] if closing else None


def _language(markup: str) -> str:
    """The two letters of the first `<html ... lang=..>` tag's language, or empty."""
    for start, end in _tags(markup, _HTML_OPEN):
        lang = _LANG.search(markup[start:end])
        if lang:
            return lang.group(1)
    return ""


def _meta_tags(markup: str) -> list[tuple[str, str]]:
    """(name, content) of each `<meta name=keywords|supersedes content="...">` tag."""
    found: list[tuple[str, str]] = []
    for start, end in _tags(markup, _META_OPEN):
        tag = markup[start:end]
        names = _META_NAME.findall(tag)
        if not names:
            continue
        content = None
        for value in _META_CONTENT.finditer(tag):  # the last complete one, as the regex had it
            closing = _QUOTE.search(tag, value.end())
            if closing is None:
                break
            content = tag[value.end():closing.start()]
        if content is not None:
            found.append((names[-1], content))
    return found


def _decode(path: Path, data: bytes) -> str:
    """UTF-8, or the charset the page declares; anything else is refused like a text file."""
    declared = _CHARSET.search(data[:4096])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8") and b"\x00" not in data:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(path, data)
