"""PDF -> a document whose pages are read one at a time (pypdf), with bookmarks and tables
(found in the text PDFium sets out by position, ingest/parse/pdf_layout.py).

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
from ingest.parse.hyphenation import repair, vocabulary_of
from ingest.parse.page_roles import ROLES_LEFT_OUT, page_role, running_lines, strip_running
from ingest.parse.pdf_front import largest_print, publisher_of, usable_title, year_of
from ingest.parse.pdf_headings import Print, body_size, mark_headings
from ingest.parse.pdf_layout import Positions
from ingest.parse.tables import with_tables

__all__ = ["PROSE_CELL", "PdfPages", "read_pdf"]

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns about every odd object it skips
_PROBE_PAGES = 2  # pages read up front for the title and language
PROSE_CELL = 400  # characters; a table cell this long is a column of prose
_RECTANGLE = re.compile(rb"\bre\b")
_LINE = re.compile(rb"\sl\s")


class PdfPages(Sequence[Page]):
    """The pages of an open PDF, each cleaned when asked for and not kept.

    One pass at opening reads every page's plain text once: what recurs at page edges (running
    heads and feet), the printed page numbers, each page's role and the document's vocabulary
    need all pages. The texts wait until their page is asked for and are then let go.
    """

    def __init__(self, reader: PdfReader, path: Path, headings: dict[int, list[str]],
                 labels: Sequence[str] = (), language: str = "") -> None:
        self._reader = reader
        self._path = path
        self._headings = headings
        self._prints: list[Print] = [Print() for _ in reader.pages]
        self._plain = [self.plain(index) for index in range(len(reader.pages))]
        self._body = body_size(self._prints)
        self._running = running_lines(self._plain)
        stripped = [strip_running(text, self._running) for text in self._plain]
        self.labels = (list(labels) if len(labels) == len(self._plain) else
                       [label or str(i + 1) for i, (_, label) in enumerate(stripped)])
        self.roles: list[str] = []
        for text, _ in stripped:
            self.roles.append(page_role(text, self.roles[-1] if self.roles else ""))
        self.language = language or detect_language(
            " ".join(text for text, _ in stripped[:_PROBE_PAGES + 2]))
        self.vocabulary = vocabulary_of((text for text, _ in stripped), language=self.language)
        self._ready: dict[int, str] = {}  # cleaned texts read up front, handed out once
        self._positions = Positions(path)
        self._unread = set(range(len(self._plain)))  # pages whose reading text is still to come

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
        role = self.roles[index]
        return Page(number=index + 1, text="" if role in ROLES_LEFT_OUT else self.text(index),
                    headings=tuple(self._headings.get(index, ())), label=self.labels[index],
                    role=role)

    def __iter__(self) -> Iterator[Page]:
        return (self[i] for i in range(len(self)))

    def text(self, index: int) -> str:
        """The page's reading text: tables as pipe tables, running lines cut, words mended."""
        ready = self._ready.pop(index, None)
        if ready is not None:
            return ready
        plain = self._plain[index] or self.plain(index)
        self._plain[index] = ""
        if plain.strip() and _draws_rules(self._reader.pages[index]):
            plain = _tables_unless_prose(plain, self.positioned(index))
        self._unread.discard(index)
        if not self._unread:  # PDFium's copy of the file is let go with the last page read,
            self._positions.close()  # not when the collector or the interpreter's exit finds it
        text = repair(strip_running(plain, self._running)[0], self.vocabulary)
        return text if self._headings else mark_headings(text, self._prints[index], self._body)

    def keep(self, index: int, text: str) -> None:
        self._ready[index] = text

    def positioned(self, index: int) -> str:
        """The page's text set out by position, for the table finder: PDFium's (a tenth of the
        time of pypdf's layout mode, benchmarks/pdf_libraries.py), pypdf's where PDFium cannot
        read the page."""
        try:
            return self._positions.layout(index)
        except Exception:  # PDFium raises its own errors on damaged files; pypdf may cope
            return self._extract(index, "layout")

    def plain(self, index: int) -> str:
        """The page's plain text; what it prints bold or large is noted on the same pass."""
        seen = Print()
        text = self._extract(index, "plain", seen)
        self._prints[index] = seen.condensed()
        return text

    def _extract(self, index: int, mode: str, seen: Print | None = None) -> str:
        try:
            page = self._reader.pages[index]
            if mode == "plain":
                return page.extract_text(visitor_text=seen.visitor() if seen else None) or ""
            return page.extract_text(extraction_mode="layout") or ""
        except LimitReachedError as err:  # pypdf's bounds on decompression and parsing
            raise FileProblem(self._path, f"page {index + 1}: refused, a stream expands past "
                                          f"safe limits (decompression bomb?): {err}") from None
        except Exception as err:  # pypdf raises many types on damaged pages
            raise FileProblem(self._path, f"page {index + 1}: cannot extract text "
                                          f"({err.__class__.__name__}: {err})") from None


def _tables_unless_prose(plain: str, layout: str) -> str:
    """The page with its tables as pipe tables, unless a "table" is two columns of prose.

    A layout text sets two text columns side by side, and the table finder then takes
    them for a two-column table whose cells are whole paragraphs (9 pages of the KURAS guide);
    the plain text reads such a page column after column, which is the order wanted.
    """
    tabled = with_tables(plain, layout)
    for line in tabled.splitlines():
        if line.startswith("|") and any(len(cell) > PROSE_CELL for cell in line.split("|")):
            return plain
    return tabled


def _draws_rules(page: PageObject) -> bool:
    """Whether the page draws rectangles or lines (cell fills, table rules). Only such pages
    pay for a second, positioned extraction: on the shipped guides, 61 of 174 pages, among
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
    pages = PdfPages(reader, path, headings, _printed_labels(reader, root), lang[:2].lower())
    probe = [pages.text(i) for i in range(min(_PROBE_PAGES, count))]
    if not any(text.strip() for text in probe) and not any(
            pages.plain(i).strip() for i in range(count)):
        raise FileProblem(path, "no text layer (scanned PDF?); run OCR first, then ingest again")
    for index, text in enumerate(probe):  # read once: hand the cleaned text out as is
        pages.keep(index, text)
    tags = document_tags(keyword_tags(str(info.get("/Keywords") or "")))
    last = {i: pages.text(i) for i in range(max(len(probe), count - 2), count)}
    for index, text in last.items():
        pages.keep(index, text)
    edges = [*probe, *last.values()]
    title = (usable_title(str(info.get("/Title") or "")) or largest_print(reader.pages[0])
             or first_line(probe) or path.stem)
    return Document(
        doc_id=doc_id_for(path),
        title=title,
        path=str(path),
        language=pages.language,
        pages=pages,
        publisher=publisher_of(edges),
        year=year_of(edges, info),
        **tags,
    )


def _printed_labels(reader: PdfReader, root: Any) -> list[str]:
    """The PDF's own page labels when it has a /PageLabels tree (else the printed numbers
    found on the pages are used)."""
    if "/PageLabels" not in root:
        return []
    try:
        return list(reader.page_labels)
    except Exception:  # a broken label tree costs the labels
        return []


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
