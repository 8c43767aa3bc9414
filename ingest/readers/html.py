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

from ingest.errors import FileProblem
from ingest.readers.common import decode_text, keyword_tags, read_bytes
from ingest.readers.text import text_document
from ingest.records import Document

logging.getLogger("trafilatura").setLevel(logging.ERROR)
_CHARSET = re.compile(rb"charset=[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)
_LANG = re.compile(r"<html[^>]*?\blang=[\"']?([A-Za-z]{2})", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_META = re.compile(r"<meta\s+(?=[^>]*\bname=[\"']?(keywords|supersedes)\b)"
                   r"[^>]*\bcontent=[\"']([^\"']*)[\"']", re.IGNORECASE)


def read_html(path: Path) -> Document:
    markup = _decode(path, read_bytes(path))
    text = trafilatura.extract(markup, output_format="markdown", include_tables=True,
                               include_formatting=True, include_links=False,
                               include_images=False, include_comments=False, favor_recall=True)
    if not text or not text.strip():
        raise FileProblem(path, "no main text found in the HTML page")
    meta: dict = {}
    for name, content in _META.findall(markup):
        if name.lower() == "keywords":
            meta.update(keyword_tags(html.unescape(content)))
        else:
            meta["supersedes"] = html.unescape(content)
    title = _TITLE.search(markup)
    if title:
        meta["title"] = re.sub(r"\s+", " ", html.unescape(title.group(1))).strip()
    lang = _LANG.search(markup)
    if lang:
        meta["language"] = lang.group(1).lower()
    return text_document(path, [text], meta)


def _decode(path: Path, data: bytes) -> str:
    """UTF-8, or the charset the page declares; anything else is refused like a text file."""
    declared = _CHARSET.search(data[:4096])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8") and b"\x00" not in data:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(path, data)
