"""Markdown and plain text -> a document: front matter, `<!-- pagebreak -->` or form feeds."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest.errors import FileProblem
from ingest.readers.common import (
    clean_doc_id,
    doc_id_for,
    document_tags,
    first_line,
    front_matter,
    read_text,
    yaml_problem,
)
from ingest.records import Document, Page
from ingest.text import detect_language

_PAGEBREAK = re.compile(r"^\s*<!--\s*pagebreak\s*-->\s*$", re.MULTILINE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
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
    parts = _PAGEBREAK.split(text) if markdown else text.split("\f")
    if markdown:
        parts = [_HTML_COMMENT.sub("", p) for p in parts]
    return text_document(path, parts, meta)


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
