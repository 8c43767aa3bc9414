"""Files -> records: documents (PDF, Markdown, text) into pages, tool files into validated tools."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ingest.errors import FileProblem
from ingest.records import HAZARDS, PHASES, Document, Page, Tool
from ingest.text import detect_language

DOCUMENT_SUFFIXES = frozenset({".pdf", ".md", ".markdown", ".txt"})
TOOL_SUFFIXES = frozenset({".yaml", ".yml"})
_PAGEBREAK = re.compile(r"^\s*<!--\s*pagebreak\s*-->\s*$", re.MULTILINE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_DOC_ID = re.compile(r"[^a-z0-9]+")


def doc_id_for(path: Path) -> str:
    """A stable document id from the file name: lower case, digits and hyphens."""
    return _DOC_ID.sub("-", path.stem.lower()).strip("-") or "document"


def parse_document(path: Path) -> Document:
    """Read a PDF, Markdown or text file into pages. Raises FileProblem naming what is wrong."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _parse_pdf(path)
    if suffix in (".md", ".markdown", ".txt"):
        return _parse_text(path, markdown=suffix != ".txt")
    raise FileProblem(path, f"unsupported document type {suffix!r}")


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise FileProblem(path, "empty file")
    if b"\x00" in data[:8192]:
        raise FileProblem(path, "binary content in a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileProblem(path, f"not UTF-8 text (byte {err.start}); save it as UTF-8") from None


def _parse_pdf(path: Path) -> Document:
    if path.stat().st_size == 0:
        raise FileProblem(path, "empty file")
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileProblem(path, "encrypted PDF; save an unprotected copy and ingest that")
        texts = [page.extract_text() or "" for page in reader.pages]
        headings = _outline_by_page(reader)
        info = reader.metadata or {}
        root = reader.trailer["/Root"]
        lang = str(root.get("/Lang", "") or "")
    except FileProblem:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as err:
        raise FileProblem(path, f"not a readable PDF ({err.__class__.__name__}: {err})") from None
    except Exception as err:  # pypdf raises many types on damaged files
        raise FileProblem(path, f"not a readable PDF ({err.__class__.__name__}: {err})") from None
    if not reader.pages:
        raise FileProblem(path, "PDF has no pages")
    if not any(t.strip() for t in texts):
        raise FileProblem(path, "no text layer (scanned PDF?); run OCR first, then ingest again")
    title = str(info.get("/Title") or "").strip() or _first_line(texts) or path.stem
    tags = _keywords(str(info.get("/Keywords") or ""))
    pages = tuple(Page(number=i + 1, text=t, headings=tuple(headings.get(i, ())))
                  for i, t in enumerate(texts))
    return Document(
        doc_id=doc_id_for(path),
        title=title,
        path=str(path),
        language=lang[:2].lower() if lang else detect_language(" ".join(texts[:2])),
        pages=pages,
        hazards=tuple(h for h in tags.get("hazards", ()) if h in HAZARDS),
        phases=tuple(p for p in tags.get("phases", ()) if p in PHASES),
    )


def _outline_by_page(reader: PdfReader) -> dict[int, list[str]]:
    """Bookmark titles by page index: the PDF's own word on where its sections start."""
    found: dict[int, list[str]] = {}

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            try:
                found.setdefault(reader.get_destination_page_number(item), []).append(
                    str(item.title).strip())
            except Exception:  # a broken bookmark costs its heading, not the document
                continue

    try:
        walk(reader.outline)
    except Exception:
        return {}
    return found


def _keywords(keywords: str) -> dict[str, list[str]]:
    """Tags a PDF carries in its Keywords field as `hazards: heat, drought; phases: planning`."""
    tags: dict[str, list[str]] = {}
    for part in keywords.split(";"):
        name, _, values = part.partition(":")
        if values:
            tags[name.strip().lower()] = [v.strip() for v in values.split(",") if v.strip()]
    return tags


def _first_line(texts: list[str]) -> str:
    for text in texts:
        for line in text.splitlines():
            if line.strip():
                return line.strip()[:200]
    return ""


def _parse_text(path: Path, *, markdown: bool) -> Document:
    text = _read_text(path)
    meta: dict = {}
    match = _FRONT_MATTER.match(text) if markdown else None
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as err:
            raise FileProblem(path, f"invalid front matter: {_yaml_problem(err)}") from None
        if not isinstance(meta, dict):
            raise FileProblem(path, "front matter must be a mapping of keys to values")
        text = text[match.end():]
    parts = _PAGEBREAK.split(text) if markdown else text.split("\f")
    if markdown:
        parts = [_HTML_COMMENT.sub("", p) for p in parts]
    pages = tuple(Page(number=i + 1, text=p.strip()) for i, p in enumerate(parts) if p.strip())
    if not pages:
        raise FileProblem(path, "no text")
    title = str(meta.get("title") or _first_line([p.text for p in pages]).lstrip("# ") or path.stem)
    return Document(
        doc_id=str(meta.get("id") or doc_id_for(path)),
        title=title,
        path=str(path),
        language=str(meta.get("language") or detect_language(text[:4000])),
        pages=pages,
        hazards=tuple(h for h in meta.get("hazards") or () if h in HAZARDS),
        phases=tuple(p for p in meta.get("phases") or () if p in PHASES),
    )


def parse_tools(path: Path) -> list[Tool]:
    """Read a tool file (YAML, one tool) into validated tools. Raises FileProblem."""
    text = _read_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise FileProblem(path, f"invalid YAML: {_yaml_problem(err)}") from None
    if not isinstance(data, dict):
        raise FileProblem(path, "a tool file must hold one mapping of fields (id, name, ...)")
    return [validate_tool(data, path)]


def validate_tool(data: dict, path: Path) -> Tool:
    try:
        return Tool.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        tool = data.get("id", "?")
        raise FileProblem(
            path, f"tool {tool!r}: field {where}: {first['msg']}"
            + (f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else "")
        ) from None


def _yaml_problem(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{problem} at line {mark.line + 1}" if mark else str(problem)
