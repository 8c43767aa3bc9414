"""Files -> records: documents into pages, tool files into validated tools, by file suffix.

The readers live in `ingest/parse/`, one per format: PDF (pypdf, pages read lazily, tables
kept whole, found by PDFium's positions), Markdown and text, HTML (main text only), Word
.docx; tools as YAML, JSON, JSONL and CSV, and the Climate-ADAPT funding export (a CSV told
apart by its header), whose rows fail one by one.

The PDF, HTML and Word readers are imported when the first such file is read: a reader whose
library cannot be imported (a broken or partial install) fails its own files, one line each
naming the package, while every other format still ingests and the app still starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.core.errors import FileProblem
from ingest.core.records import Document, Tool
from ingest.parse.climate_adapt import is_climate_adapt, read_climate_adapt
from ingest.parse.common import doc_id_for, read_text
from ingest.parse.markdown import read_text_document
from ingest.parse.tool_files import TOOL_SUFFIXES, read_tools, validate_tool

# What a document's chunks are made of, as a number: bump it when a reader or the chunker
# changes the text, pages or sections that an unchanged file gives, so that the next ingest
# reads such files again instead of keeping what an older reader made of them (the manifest
# keeps the number each document was read with; a record from before this has 0).
# 1: hyphen repair, running heads, page labels, dropped contents/imprint/reference pages
# 2: publisher from the imprint, sections from headings told by their print (issue 18)
# 3: tables found in PDFium's positioned text (justified prose and bullet lists are no tables)
READING_VERSION = 3

DOCUMENT_SUFFIXES = frozenset({".pdf", ".md", ".markdown", ".txt", ".html", ".htm", ".docx"})

# suffix -> (reader module, its function, the PyPI package the reader cannot do without)
_LAZY_READERS = {
    ".pdf": ("ingest.parse.pdf", "read_pdf", "pypdf"),
    ".html": ("ingest.parse.html", "read_html", "trafilatura"),
    ".htm": ("ingest.parse.html", "read_html", "trafilatura"),
    ".docx": ("ingest.parse.docx", "read_docx", "python-docx"),
}

__all__ = ["READING_VERSION", "DOCUMENT_SUFFIXES", "TOOL_SUFFIXES", "doc_id_for", "parse_document",
           "parse_tool_file", "parse_tools", "validate_tool", "ToolFile"]


def parse_document(path: Path) -> Document:
    """Read a document into pages. Raises FileProblem naming the file and what is wrong."""
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".txt"):
        return read_text_document(path, markdown=suffix != ".txt")
    if suffix in _LAZY_READERS:
        return _reader(path, suffix)(path)
    raise FileProblem(path, f"unsupported document type {suffix!r}")


def _reader(path: Path, suffix: str) -> Callable[[Path], Document]:
    module_name, function, package = _LAZY_READERS[suffix]
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:  # importlib caches modules, not failures: each file says it
        raise FileProblem(path, f"cannot read {suffix} files: the package {package} (or one it "
                                f"needs) cannot be imported ({err}); reinstall with "
                                "`make install`") from None
    reader: Callable[[Path], Document] = getattr(module, function)
    return reader


@dataclass(frozen=True)
class ToolFile:
    """The tools a file holds, and the rows of it that could not become tools."""

    tools: list[Tool]
    row_problems: tuple[str, ...] = ()  # "row 17: no programme name"


def parse_tools(path: Path) -> list[Tool]:
    """Read a tool file (YAML: one tool; JSON, JSONL, CSV: many). Raises FileProblem."""
    return parse_tool_file(path).tools


def parse_tool_file(path: Path) -> ToolFile:
    """A tool file's tools; for the Climate-ADAPT export also the rows that failed, each with
    its row number (the file fails only when no row maps)."""
    if path.suffix.lower() == ".csv":
        text = read_text(path)
        if is_climate_adapt(text):
            tools, problems = read_climate_adapt(path, text)
            failed = tuple(f"row {p.row}: {p.reason}" for p in problems)
            if not tools:
                raise FileProblem(path, "no programme in this Climate-ADAPT export could be "
                                        "read: " + "; ".join(failed[:3]))
            return ToolFile(tools, failed)
    return ToolFile(read_tools(path))
