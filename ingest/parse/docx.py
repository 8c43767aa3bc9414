"""Word .docx -> a document: headings as sections, tables as pipe tables, page breaks kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.core.errors import FileProblem
from ingest.core.records import Document
from ingest.parse.common import keyword_tags
from ingest.parse.markdown import text_document
from ingest.parse.zipbomb import check_zip

__all__ = ["read_docx"]

_HEADING_STYLES = ("heading", "title", "überschrift", "titel")



def read_docx(path: Path) -> Document:
    if path.stat().st_size == 0:
        raise FileProblem(path, "empty file")
    check_zip(path)
    try:
        document = docx.Document(str(path))
    except PackageNotFoundError:
        raise FileProblem(path, "not a readable Word file (not a .docx package; an old .doc? "
                                "save it as .docx)") from None
    except Exception as err:  # python-docx raises many types on damaged packages (fuzzed)
        raise FileProblem(path, f"not a readable Word file ({err.__class__.__name__}: "
                                f"{str(err)[:200]})") from None
    try:
        return _read(path, document)
    except Exception as err:
        raise FileProblem(path, f"not a readable Word file ({err.__class__.__name__}: "
                                f"{str(err)[:200]})") from None


def _read(path: Path, document: Any) -> Document:
    pages: list[list[str]] = [[]]
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            for text, breaks in _paragraph_lines(block):
                pages.extend([] for _ in range(breaks))
                if text:
                    pages[-1].append(text)
        elif isinstance(block, Table):
            pages[-1].append(_table_text(block))
    properties = document.core_properties
    meta: dict = dict(keyword_tags(properties.keywords or ""))
    if properties.title:
        meta["title"] = properties.title
    if properties.language:
        meta["language"] = properties.language[:2].lower()
    return text_document(path, ["\n".join(lines) for lines in pages], meta)


def _paragraph_lines(paragraph: Paragraph) -> list[tuple[str, int]]:
    """(text, page breaks before it): a heading becomes a Markdown heading line."""
    breaks = sum(1 for run in paragraph.runs for br in run._r.findall(
        ".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}br")
        if br.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}type") == "page")
    text = paragraph.text.strip()
    style = (paragraph.style.name if paragraph.style is not None else "").lower()
    if text and style.startswith(_HEADING_STYLES):
        level = "".join(ch for ch in style if ch.isdigit()) or "1"
        text = f"{'#' * min(int(level), 6)} {text}"
    return [(text, breaks)]


def _table_text(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()).replace("|", "/") for cell in row.cells]
        rows.append("| " + " | ".join(cells) + " |")
    if len(rows) > 1:
        rows.insert(1, "|" + "---|" * len(table.columns))
    return "\n".join(rows)
