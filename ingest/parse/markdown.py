"""Markdown and plain text -> a document: front matter, `<!-- pagebreak -->` or form feeds."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest.core.errors import FileProblem
from ingest.core.language import detect_language
from ingest.core.records import Document, Page
from ingest.parse.common import (
    clean_doc_id,
    doc_id_for,
    document_tags,
    first_line,
    front_matter,
    read_text,
    yaml_problem,
)

__all__ = ["read_text_document", "split_pages", "without_comments", "text_document"]

# Split and stripped with linear scans (issue #22): as regexes, `^\s*<!--...` over blank lines
# and `<!--.*?-->` over unclosed comments took quadratic time.
_PAGEBREAK = re.compile(r"<!--\s*pagebreak\s*-->")
_REST_OF_LINE_BLANK = re.compile(r"[^\S\n]*(?:\n|\Z)")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


def read_text_document(path: Path, *, markdown: bool) -> Document:
    text = read_text(path)
    meta: dict = {}
    match = _FRONT_MATTER.match(text) if markdown else None
    if match:
        try:
            meta = front_matter(path, match.group(1))
        except yaml.YAMLError as err:
            raise FileProblem(path, f"invalid front matter: {yaml_problem(err)}") from None
        if not isinstance(meta, dict):
            raise FileProblem(path, "front matter must be a mapping of keys to values")
        text = text[match.end():]
    parts = [without_comments(p) for p in split_pages(text)] if markdown else text.split("\f")
    return text_document(path, parts, meta)


def split_pages(text: str) -> list[str]:
    """The text cut at each `<!-- pagebreak -->` that stands alone on its line(s).

    As `re.split(r"^\\s*<!--\\s*pagebreak\\s*-->\\s*$", text, flags=re.M)` does, up to the
    whitespace at the ends of each part (which pages drop). The check before each comment looks
    back no further than the comment before it, so each character is looked at twice at most.
    """
    parts: list[str] = []
    part_start = previous_end = 0
    for comment in _PAGEBREAK.finditer(text):
        line_start = text.rfind("\n", previous_end, comment.start()) + 1
        if line_start == 0 and previous_end > 0:  # the comment before shares the line
            line_start = previous_end - 1  # a non-blank character: not alone
        before = text[line_start:comment.start()]
        alone = ((not before or before.isspace())
                 and _REST_OF_LINE_BLANK.match(text, comment.end()) is not None)
        previous_end = comment.end()
        if alone:
            parts.append(text[part_start:comment.start()])
            part_start = comment.end()
    parts.append(text[part_start:])
    return parts


def without_comments(text: str) -> str:
    """The text without `<!-- ... -->` comments, as `re.sub(r"<!--.*?-->", "", text, re.S)`."""
    kept: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:  # unclosed: no later comment can close either
            break
        kept.append(text[position:start])
        position = end + 3
    kept.append(text[position:])
    return "".join(kept)


def text_document(path: Path, parts: list[str], meta: dict) -> Document:
    """A document from page texts and metadata (id, title, language, tags, supersedes)."""
    pages = tuple(Page(number=i + 1, text=p.strip()) for i, p in enumerate(parts) if p.strip())
    if not pages:
        raise FileProblem(path, "no text")
    title = str(meta.get("title") or first_line(p.text for p in pages).lstrip("# ") or path.stem)
    return Document(
        doc_id=clean_doc_id(meta.get("id")) or doc_id_for(path),
        title=title,
        path=str(path),
        language=str(meta.get("language") or detect_language(pages[0].text[:4000])),
        pages=pages,
        **document_tags(meta),
    )
