"""A guide's Markdown source -> blocks: front matter checked against ingest's vocabularies, the
Markdown subset build_documents.py renders, and text reduced to what the PDF core font shows."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.core.records import HAZARDS, PHASES

LANGUAGES = {"en", "de"}
REQUIRED_FIELDS = ("id", "title", "language", "hazards", "phases", "summary")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Characters outside latin-1 that the core font Helvetica cannot show.
CHAR_MAP = {
    "\u2010": "-",   # hyphen
    "\u2011": "-",   # non-breaking hyphen
    "\u2012": "-",   # figure dash
    "\u2013": "-",   # en dash
    "\u2014": "-",   # em dash
    "\u2015": "-",   # horizontal bar
    "\u2212": "-",   # minus sign
    "\u2018": "'",   # left single quote
    "\u2019": "'",   # right single quote / apostrophe
    "\u201a": "'",   # single low-9 quote
    "\u201b": "'",
    "\u2032": "'",   # prime
    "\u201c": '"',   # left double quote
    "\u201d": '"',   # right double quote
    "\u201e": '"',   # double low-9 quote (German opening quote)
    "\u201f": '"',
    "\u2033": '"',   # double prime
    "\u2039": "<",
    "\u203a": ">",
    "\u2026": "...",  # ellipsis
    "\u2022": "-",   # bullet
    "\u2023": "-",
    "\u2043": "-",
    "\u25cf": "-",
    "\u25aa": "-",
    "\u2192": "->",  # right arrow
    "\u2190": "<-",
    "\u2194": "<->",
    "\u21d2": "=>",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u20ac": "EUR",
    "\u2122": "(TM)",
    "\u2009": " ",   # thin space
    "\u200a": " ",
    "\u202f": " ",   # narrow no-break space
    "\u2002": " ",
    "\u2003": " ",
    "\u200b": "",    # zero-width space
    "\u00ad": "",    # soft hyphen (latin-1, but invisible and confuses extraction)
    "\u00a0": " ",   # no-break space: keep extraction simple
    "\u2082": "2",   # subscript two (CO2)
    "\u2083": "3",
    "\u00b2": "2",   # superscript two is latin-1 but extracts oddly; keep plain
    "\u2070": "0",
}


class SourceError(Exception):
    """A source file is invalid."""


def to_latin1(text: str, where: str = "") -> str:
    """Map characters outside latin-1 to latin-1 equivalents.

    German umlauts and sharp s are latin-1 and stay untouched.
    """
    out = []
    for ch in text:
        if ch in CHAR_MAP:
            out.append(CHAR_MAP[ch])
            continue
        if ord(ch) < 256:
            out.append(ch)
            continue
        # Try a decomposition (e.g. accented letters outside latin-1).
        decomposed = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in decomposed if ord(c) < 256 and not unicodedata.combining(c))
        if base:
            out.append(base)
            continue
        raise SourceError(
            f"{where}: character {ch!r} (U+{ord(ch):04X}) has no latin-1 equivalent; "
            "add it to CHAR_MAP in build_documents.py"
        )
    return "".join(out)


LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
CODE_RE = re.compile(r"`([^`]+)`")


def clean_inline(text: str, where: str) -> str:
    """Normalise inline Markdown to what the renderer understands (``**bold**``, ``*italic*``)."""
    text = to_latin1(text, where)
    text = LINK_RE.sub(lambda m: m.group(1) if m.group(1) == m.group(2)
                       else f"{m.group(1)} ({m.group(2)})", text)
    text = CODE_RE.sub(r"\1", text)
    text = re.sub(r"-{2,}", "-", text)  # '--' would mean underline to fpdf2's markdown
    text = text.replace("__", "_")  # '__' would mean italic to fpdf2's markdown
    return text


def segments(text: str) -> list[tuple[str, str]]:
    """Split inline text into (style, text) runs; style is '', 'B' or 'I'."""
    runs: list[tuple[str, str]] = []
    for i, part in enumerate(re.split(r"\*\*", text)):
        bold = i % 2 == 1
        if bold:
            if part:
                runs.append(("B", part))
            continue
        for j, sub in enumerate(re.split(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", part)):
            if sub:
                runs.append(("I" if j % 2 == 1 else "", sub))
    return runs


def to_fpdf_markdown(text: str) -> str:
    """Convert inline runs to fpdf2's markdown flavour (** bold, __ italic)."""
    out = []
    for style, run in segments(text):
        if style == "B":
            out.append(f"**{run}**")
        elif style == "I":
            out.append(f"__{run}__")
        else:
            out.append(run)
    return "".join(out)


def plain(text: str) -> str:
    return "".join(run for _, run in segments(text))


@dataclass
class Block:
    kind: str  # heading, para, item, table, pagebreak, columns
    text: str = ""
    level: int = 0
    marker: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Document:
    path: Path
    meta: dict
    blocks: list[Block]

    @property
    def id(self) -> str:
        return self.meta["id"]


def read_front_matter(path: Path) -> tuple[dict, str, int]:
    raw = path.read_text(encoding="utf-8")
    lines = raw.splitlines()
    if not lines or lines[0].strip() != "---":
        raise SourceError(f"{path}: missing YAML front matter (the file must start with a "
                          "'---' line)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise SourceError(f"{path}: front matter is not closed by a '---' line") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise SourceError(f"{path}: front matter must be a YAML mapping")
    validate_meta(path, meta)
    return meta, "\n".join(lines[end + 1:]), end + 1


def validate_meta(path: Path, meta: dict) -> None:
    missing = [k for k in REQUIRED_FIELDS if k not in meta or meta[k] in (None, "", [])]
    if missing:
        raise SourceError(f"{path}: front matter lacks {', '.join(missing)}")
    if not isinstance(meta["id"], str) or not ID_RE.match(meta["id"]):
        raise SourceError(f"{path}: id {meta['id']!r} must be lowercase letters, digits and "
                          "hyphens")
    if meta["id"] != path.stem:
        raise SourceError(f"{path}: id {meta['id']!r} does not match the file name {path.stem!r}")
    for key in ("title", "summary"):
        if not isinstance(meta[key], str):
            raise SourceError(f"{path}: {key} must be a string")
    if meta["language"] not in LANGUAGES:
        raise SourceError(f"{path}: language {meta['language']!r} must be one of "
                          f"{sorted(LANGUAGES)}")
    for key, vocab in (("hazards", HAZARDS), ("phases", PHASES)):
        values = meta[key]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise SourceError(f"{path}: {key} must be a list of strings")
        unknown = [v for v in values if v not in vocab]
        if unknown:
            raise SourceError(
                f"{path}: unknown {key} {unknown}; allowed: {', '.join(sorted(vocab))}"
            )


MARKER_RE = re.compile(r"^<!--\s*(pagebreak|columns:\s*(\d+))\s*-->$")
HEADING_RE = re.compile(r"^(#{1,3})\s+(.*?)\s*#*$")
ITEM_RE = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
TABLE_SEP_RE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [cell.strip() for cell in line.split("|")]


def parse_body(path: Path, body: str, offset: int = 0) -> list[Block]:
    """Parse the Markdown body; ``offset`` is the number of front-matter lines (for messages)."""
    blocks: list[Block] = []
    lines = body.splitlines()
    i = 0
    para: list[str] = []

    def where(n: int) -> str:
        return f"{path}:{n + offset}"

    def flush_para(n: int) -> None:
        if para:
            blocks.append(Block("para", clean_inline(" ".join(para), where(n))))
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        lineno = i + 1
        if not stripped:
            flush_para(lineno)
            i += 1
            continue
        m = MARKER_RE.match(stripped)
        if m:
            flush_para(lineno)
            if m.group(1) == "pagebreak":
                blocks.append(Block("pagebreak"))
            else:
                n = int(m.group(2))
                if n not in (1, 2):
                    raise SourceError(f"{where(lineno)}: only 'columns: 1' and 'columns: 2' "
                                      "are supported")
                blocks.append(Block("columns", level=n))
            i += 1
            continue
        if stripped.startswith("<!--"):
            # Other HTML comments are editor notes: skip them (may span lines).
            while "-->" not in lines[i]:
                i += 1
                if i >= len(lines):
                    raise SourceError(f"{where(lineno)}: unclosed HTML comment")
            flush_para(lineno)
            i += 1
            continue
        m = HEADING_RE.match(stripped)
        if m:
            flush_para(lineno)
            heading = plain(clean_inline(m.group(2), where(lineno)))
            blocks.append(Block("heading", heading, level=len(m.group(1))))
            i += 1
            continue
        if stripped.startswith("|"):
            flush_para(lineno)
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                row_line = lines[i].strip()
                if not TABLE_SEP_RE.match(row_line):
                    rows.append([clean_inline(c, where(i + 1)) for c in split_row(row_line)])
                i += 1
            width = len(rows[0])
            for r in rows:
                if len(r) != width:
                    raise SourceError(f"{where(lineno)}: table rows have different numbers "
                                      "of cells")
            if len(rows) < 2:
                raise SourceError(f"{where(lineno)}: a table needs a header row and at least "
                                  "one body row")
            blocks.append(Block("table", rows=rows))
            continue
        m = ITEM_RE.match(line)
        if m and not para:
            marker = m.group(2)
            text = [m.group(3).strip()]
            i += 1
            # continuation lines: indented, non-empty, not a new item
            while i < len(lines) and lines[i].strip() and lines[i].startswith((" ", "\t")) \
                    and not ITEM_RE.match(lines[i]):
                text.append(lines[i].strip())
                i += 1
            marker = "-" if marker in "-*+" else marker.rstrip(")").rstrip(".") + "."
            box = re.match(r"^\[( |x|X)\]\s+", text[0])
            if box and marker == "-":
                marker = "[x]" if box.group(1) != " " else "[ ]"
                text[0] = text[0][box.end():]
            blocks.append(Block("item", clean_inline(" ".join(text), where(lineno)),
                                marker=marker, level=len(m.group(1).expandtabs(4)) // 2))
            continue
        para.append(stripped)
        i += 1
    flush_para(len(lines))
    return blocks


def load(path: Path) -> Document:
    meta, body, offset = read_front_matter(path)
    blocks = parse_body(path, body, offset)
    if not blocks:
        raise SourceError(f"{path}: the document has no body text")
    return Document(path, meta, blocks)
