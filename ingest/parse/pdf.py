"""PDF -> a document whose pages are read one at a time (pypdf), with bookmarks and tables.

Pages are a lazy sequence: the chunker takes each page's text, chunks it and lets it go, so a
300-page report is never held as all its pages' text next to all its chunks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

from pypdf import PageObject, PdfReader
from pypdf.errors import LimitReachedError

from ingest.core.errors import FileProblem
from ingest.core.language import detect_language
from ingest.core.records import Document, Page
from ingest.parse.common import doc_id_for, document_tags, first_line, keyword_tags
from ingest.parse.tables import with_tables

__all__ = ["PdfPages", "read_pdf"]

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns about every odd object it skips
_PROBE_PAGES = 2  # pages read up front for the title and language
_RECTANGLE = re.compile(rb"\bre\b")
_LINE = re.compile(rb"\sl\s")


class PdfPages(Sequence[Page]):
    """The pages of an open PDF, each extracted when asked for and not kept."""

    def __init__(self, reader: PdfReader, path: Path, headings: dict[int, list[str]]) -> None:
        self._reader = reader
        self._path = path
        self._headings = headings
        self._probed: dict[int, str] = {}  # texts read up front, handed out once

    def __len__(self) -> int:
        return len(self._reader.pages)

    @overload
    def __getitem__(self, index: int) -> Page: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Page]: ...

    def __getitem__(self, index: int | slice) -> Page | Sequence[Page]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        text = self._probed.pop(index, None)
        return Page(number=index + 1, text=self.text(index) if text is None else text,
                    headings=tuple(self._headings.get(index, ())))

    def __iter__(self) -> Iterator[Page]:
        return (self[i] for i in range(len(self)))

    def text(self, index: int) -> str:
        try:
            page = self._reader.pages[index]
            plain = page.extract_text() or ""
            if not plain.strip() or not _draws_rules(page):
                return plain
            return with_tables(plain, page.extract_text(extraction_mode="layout") or "")
        except LimitReachedError as err:  # pypdf's bounds on decompression and parsing
            raise FileProblem(self._path, f"page {index + 1}: refused, a stream expands past "
                                          f"safe limits (decompression bomb?): {err}") from None
        except Exception as err:  # pypdf raises many types on damaged pages
            raise FileProblem(self._path, f"page {index + 1}: cannot extract text "
                                          f"({err.__class__.__name__}: {err})") from None


def _draws_rules(page: PageObject) -> bool:
    """Whether the page draws rectangles or lines (cell fills, table rules). Only such pages
    pay for a second, layout-mode extraction: on the shipped guides, 61 of 174 pages, among
    them all 57 pages with a table."""
    contents = page.get_contents()
    if contents is None:
        return False
    data = contents.get_data()
    return len(_RECTANGLE.findall(data)) >= 2 or len(_LINE.findall(data)) >= 4


def read_pdf(path: Path) -> Document:
    if path.stat().st_size == 0:
        raise FileProblem(path, "empty file")
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileProblem(path, "encrypted PDF; save an unprotected copy and ingest that")
        count = len(reader.pages)
        headings = _outline_by_page(reader)
        info: Any = reader.metadata or {}
        root: Any = reader.trailer["/Root"]
        lang = str(root.get("/Lang", "") or "")
    except FileProblem:
        raise
    except LimitReachedError as err:
        raise FileProblem(path, f"refused, the PDF's structure exceeds safe limits: {err}"
                          ) from None
    except Exception as err:  # pypdf raises many types on damaged files
        raise FileProblem(path, f"not a readable PDF ({err.__class__.__name__}: {err})") from None
    if count == 0:
        raise FileProblem(path, "PDF has no pages")
    pages = PdfPages(reader, path, headings)
    probe = _first_texts(pages)
    if not probe:
        raise FileProblem(path, "no text layer (scanned PDF?); run OCR first, then ingest again")
    tags = document_tags(keyword_tags(str(info.get("/Keywords") or "")))
    return Document(
        doc_id=doc_id_for(path),
        title=str(info.get("/Title") or "").strip() or first_line(probe) or path.stem,
        path=str(path),
        language=lang[:2].lower() if lang else detect_language(" ".join(probe)),
        pages=pages,
        **tags,
    )


def _first_texts(pages: PdfPages) -> list[str]:
    """The text of the first pages that have any; empty when no page has (a scan)."""
    found: list[str] = []
    for index in range(len(pages)):
        text = pages.text(index)
        if text.strip():
            pages._probed[index] = text
            found.append(text)
            if len(found) == _PROBE_PAGES:
                break
    return found


def _outline_by_page(reader: PdfReader) -> dict[int, list[str]]:
    """Bookmark titles by page index: the PDF's own word on where its sections start."""
    found: dict[int, list[str]] = {}

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            try:
                page = reader.get_destination_page_number(item)
                if page is not None:
                    found.setdefault(page, []).append(str(item.title).strip())
            except Exception:  # a broken bookmark costs its heading, not the document
                continue

    try:
        walk(reader.outline)
    except Exception:
        return {}
    return found
