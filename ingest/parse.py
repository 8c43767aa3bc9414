"""Files -> records: documents into pages, tool files into validated tools, by file suffix.

The readers live in `ingest/readers/`, one per format: PDF (pypdf, pages read lazily, tables
kept whole), Markdown and text, HTML (main text only), Word .docx; tools as YAML, JSON, JSONL
and CSV.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import FileProblem
from ingest.readers.common import doc_id_for
from ingest.readers.docx import read_docx
from ingest.readers.html import read_html
from ingest.readers.pdf import read_pdf
from ingest.readers.text import read_text_document
from ingest.readers.tools import TOOL_SUFFIXES, read_tools, validate_tool
from ingest.records import Document, Tool

DOCUMENT_SUFFIXES = frozenset({".pdf", ".md", ".markdown", ".txt", ".html", ".htm", ".docx"})

__all__ = ["DOCUMENT_SUFFIXES", "TOOL_SUFFIXES", "doc_id_for", "parse_document", "parse_tools",
           "validate_tool"]


def parse_document(path: Path) -> Document:
    """Read a document into pages. Raises FileProblem naming the file and what is wrong."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return read_pdf(path)
    if suffix in (".md", ".markdown", ".txt"):
        return read_text_document(path, markdown=suffix != ".txt")
    if suffix in (".html", ".htm"):
        return read_html(path)
    if suffix == ".docx":
        return read_docx(path)
    raise FileProblem(path, f"unsupported document type {suffix!r}")


def parse_tools(path: Path) -> list[Tool]:
    """Read a tool file (YAML: one tool; JSON, JSONL, CSV: many). Raises FileProblem."""
    return read_tools(path)
