#!/usr/bin/env python3
"""Build the corpus PDFs from their Markdown sources.

Reads every ``corpus/sources/*.md`` (YAML front matter + Markdown) and writes
``corpus/documents/<id>.pdf`` with fpdf2.

Usage::

    python corpus/build_documents.py            # build all documents
    python corpus/build_documents.py --check    # exit 1 if a committed PDF is out of date
    python corpus/build_documents.py ID [ID..]  # build (or check) only these documents

Supported Markdown subset: ``#``/``##``/``###`` headings, paragraphs, ``-`` and
``1.`` lists, ``**bold**`` and ``*italic*`` inline, pipe tables (first row is the
header), and the markers ``<!-- pagebreak -->``, ``<!-- columns: 2 -->`` and
``<!-- columns: 1 -->``.

The output is deterministic: the creation date is fixed, so rebuilding unchanged
sources gives identical bytes.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml
from fpdf import FPDF
from fpdf.fonts import FontFace

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
DOCUMENTS = HERE / "documents"

AUTHOR = "Resilience Toolbox Assistant project"
CREATION_DATE = datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)

HAZARDS = {
    "heat", "heavy-rain", "river-flooding", "coastal-flooding",
    "drought", "storm", "wildfire", "general",
}
PHASES = {
    "awareness", "risk-analysis", "goal-setting", "planning",
    "implementation", "monitoring-evaluation", "participation",
}
LANGUAGES = {"en", "de"}
REQUIRED_FIELDS = ("id", "title", "language", "hazards", "phases", "summary")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

PAGE_LABEL = {"en": "Page {n} of {m}", "de": "Seite {n} von {m}"}

# --------------------------------------------------------------------------- text

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
    text = LINK_RE.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text)
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


# --------------------------------------------------------------------------- parsing


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
        raise SourceError(f"{path}: missing YAML front matter (the file must start with a '---' line)")
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
        raise SourceError(f"{path}: id {meta['id']!r} must be lowercase letters, digits and hyphens")
    if meta["id"] != path.stem:
        raise SourceError(f"{path}: id {meta['id']!r} does not match the file name {path.stem!r}")
    for key in ("title", "summary"):
        if not isinstance(meta[key], str):
            raise SourceError(f"{path}: {key} must be a string")
    if meta["language"] not in LANGUAGES:
        raise SourceError(f"{path}: language {meta['language']!r} must be one of {sorted(LANGUAGES)}")
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
                    raise SourceError(f"{where(lineno)}: only 'columns: 1' and 'columns: 2' are supported")
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
            blocks.append(Block("heading", plain(clean_inline(m.group(2), where(lineno))), level=len(m.group(1))))
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
                    raise SourceError(f"{where(lineno)}: table rows have different numbers of cells")
            if len(rows) < 2:
                raise SourceError(f"{where(lineno)}: a table needs a header row and at least one body row")
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


# --------------------------------------------------------------------------- rendering

BODY_SIZE = 10
LINE_H = 5.0
HEADING_SIZES = {1: 15, 2: 12.5, 3: 11}
BULLET_GLYPH = "\u00b7"  # middle dot: latin-1, extracts as a single character
ACCENT = (31, 78, 121)


class GuidePDF(FPDF):
    def __init__(self, language: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.language = language
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages("{nb}")
        self.c_margin = 0  # cells without inner padding: text aligns with the margin

    def footer(self) -> None:  # noqa: D401 - fpdf2 hook
        self.set_y(-13)
        self.set_font("Helvetica", "", 8.5)
        self.set_text_color(110, 110, 110)
        label = PAGE_LABEL[self.language].format(n=self.page_no(), m="{nb}")
        self.cell(0, 5, label, align="C")
        self.set_text_color(0, 0, 0)


def render(doc: Document) -> tuple[bytes, int]:
    meta = doc.meta
    where = str(doc.path)
    pdf = GuidePDF(meta["language"])
    title = plain(clean_inline(meta["title"], where))
    summary = plain(clean_inline(meta["summary"], where))
    pdf.set_title(title)
    pdf.set_author(AUTHOR)
    pdf.set_subject(summary)
    # ingest/parse.py reads these tags back: "hazards: a, b; phases: c, d"
    pdf.set_keywords(f"hazards: {', '.join(meta['hazards'])}; phases: {', '.join(meta['phases'])}")
    pdf.set_lang(meta["language"])
    pdf.set_creator("corpus/build_documents.py")
    pdf.set_creation_date(CREATION_DATE)
    pdf.add_page()

    # ---- title block
    pdf.set_text_color(*ACCENT)
    pdf.set_font("Helvetica", "B", 19)
    pdf.multi_cell(0, 8.5, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_text_color(60, 60, 60)
    pdf.set_font("Helvetica", "I", 11)
    pdf.multi_cell(0, 5.6, summary, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(6)

    columns: list[Block] | None = None  # blocks collected for a two-column run

    def flush_columns() -> None:
        nonlocal columns
        if columns:
            render_columns(pdf, columns)
        columns = None

    prev_kind = ""
    for block in doc.blocks:
        if prev_kind == "item" and block.kind != "item" and columns is None:
            pdf.ln(1.5)  # air between a list and what follows
        prev_kind = block.kind
        if block.kind == "pagebreak":
            flush_columns()
            pdf.add_page()
            continue
        if block.kind == "columns":
            flush_columns()
            if block.level == 2:
                columns = []
            continue
        if columns is not None:
            if block.kind == "table":
                # Tables are always full width: finish the column run, show the
                # table, then continue in columns.
                render_columns(pdf, columns)
                render_table(pdf, block)
                columns = []
            else:
                columns.append(block)
            continue
        render_block(pdf, block)
    flush_columns()

    data = bytes(pdf.output())
    return data, pdf.page_no()


def render_block(pdf: GuidePDF, block: Block) -> None:
    if block.kind == "heading":
        size = HEADING_SIZES[block.level]
        # keep a heading together with at least a few lines of what follows
        if pdf.get_y() > pdf.page_break_trigger - 30:
            pdf.add_page()
        elif pdf.get_y() > pdf.t_margin + 1:
            pdf.ln({1: 4, 2: 3, 3: 1.5}[block.level])
        pdf.set_font("Helvetica", "B", size)
        if block.level < 3:
            pdf.set_text_color(*ACCENT)
        # A bookmark per heading: readers navigate by it, and ingest uses it to tell headings
        # from body text.
        add_bookmark(pdf, block.text, block.level)
        pdf.multi_cell(0, size * 0.5, block.text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1.5)
    elif block.kind == "para":
        pdf.set_font("Helvetica", "", BODY_SIZE)
        pdf.multi_cell(0, LINE_H, to_fpdf_markdown(block.text), align="L", markdown=True,
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.2)
    elif block.kind == "item":
        pdf.set_font("Helvetica", "", BODY_SIZE)
        base = pdf.l_margin
        indent = 3 + 5 * block.level
        marker = BULLET_GLYPH if block.marker == "-" else block.marker
        marker_w = 5 if block.marker == "-" else 7
        if pdf.get_y() + LINE_H > pdf.page_break_trigger:
            pdf.add_page()
        pdf.set_x(base + indent)
        if block.marker == "-":
            # a drawn bullet: looks right and adds no stray glyph to extracted text
            r = 0.75
            pdf.set_fill_color(*ACCENT)
            pdf.circle(x=pdf.get_x() + 1.2, y=pdf.get_y() + LINE_H / 2 - 0.2, radius=r, style="F")
            pdf.set_fill_color(255, 255, 255)
            pdf.cell(marker_w, LINE_H, "")
        elif block.marker in ("[ ]", "[x]"):
            # a drawn checkbox (ticked boxes are filled)
            side = 2.8
            pdf.set_draw_color(*ACCENT)
            pdf.set_fill_color(*ACCENT)
            pdf.set_line_width(0.3)
            pdf.rect(pdf.get_x() + 0.2, pdf.get_y() + (LINE_H - side) / 2 - 0.15, side, side,
                     style="DF" if block.marker == "[x]" else "D")
            pdf.set_line_width(0.2)
            pdf.set_draw_color(0, 0, 0)
            pdf.set_fill_color(255, 255, 255)
            pdf.cell(marker_w, LINE_H, "")
        else:
            pdf.cell(marker_w, LINE_H, marker)
        pdf.set_left_margin(base + indent + marker_w)
        pdf.multi_cell(0, LINE_H, to_fpdf_markdown(block.text), align="L", markdown=True,
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_left_margin(base)
        pdf.set_x(base)
        pdf.ln(1)
    elif block.kind == "table":
        render_table(pdf, block)


def add_bookmark(pdf: GuidePDF, text: str, level: int) -> None:
    outline = pdf._outline
    deepest = outline[-1].level + 1 if outline else 0
    pdf.start_section(plain(text), level=min(level - 1, deepest))


def render_table(pdf: GuidePDF, block: Block) -> None:
    rows = block.rows
    widths = table_widths(pdf, rows)
    pdf.ln(1)
    pdf.set_font("Helvetica", "", 9)
    pdf.set_draw_color(150, 150, 150)
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        text_align="LEFT",
        line_height=4.4,
        padding=(1.4, TABLE_PAD),
        markdown=True,
        headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT),
        cell_fill_color=(236, 242, 248),
        cell_fill_mode="ROWS",
        repeat_headings=1,
        first_row_as_headings=True,
    ) as table:
        for r in rows:
            row = table.row()
            for cell in r:
                row.cell(to_fpdf_markdown(cell))
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(4)


TABLE_PAD = 1.6


def table_widths(pdf: GuidePDF, rows: list[list[str]]) -> tuple[float, ...]:
    """Column widths: never narrower than the longest word, otherwise by content length."""
    ncols = len(rows[0])
    minw, pref = [], []
    for c in range(ncols):
        word_w, text_w = 0.0, 0.0
        for n, r in enumerate(rows):
            pdf.set_font("Helvetica", "B" if n == 0 else "", 9)
            txt = plain(r[c])
            word_w = max([word_w] + [pdf.get_string_width(w) for w in txt.split()])
            text_w = max(text_w, pdf.get_string_width(txt))
        minw.append(word_w + 2 * TABLE_PAD + 1)
        pref.append(max(min(text_w, 70) + 2 * TABLE_PAD, minw[-1]))
    total = pdf.epw
    if sum(pref) <= total:
        return tuple(w * total / sum(pref) for w in pref)
    if sum(minw) >= total:
        return tuple(w * total / sum(minw) for w in minw)
    extra = [p - m for p, m in zip(pref, minw)]
    spare = total - sum(minw)
    return tuple(m + spare * e / sum(extra) if sum(extra) else m for m, e in zip(minw, extra))


def render_columns(pdf: GuidePDF, blocks: list[Block]) -> None:
    if not blocks:
        return
    if pdf.get_y() > pdf.page_break_trigger - 30:
        pdf.add_page()
    with pdf.text_columns(ncols=2, gutter=8, balance=True, text_align="LEFT",
                          line_height=1.4) as cols:
        for block in blocks:
            if block.kind == "heading":
                pdf.set_font("Helvetica", "B", HEADING_SIZES[block.level] - 0.5)
                if block.level < 3:
                    pdf.set_text_color(*ACCENT)
                with cols.paragraph(top_margin=3, bottom_margin=1.2, line_height=1.2) as par:
                    par.write(block.text)
                pdf.set_text_color(0, 0, 0)
            elif block.kind == "para":
                with cols.paragraph(bottom_margin=2.2) as par:
                    write_runs(pdf, par, block.text)
            elif block.kind == "item":
                marker = "-" if block.marker == "-" else block.marker
                pdf.set_font("Helvetica", "", BODY_SIZE)
                with cols.paragraph(indent=5 + 5 * block.level, bullet_string=marker,
                                    bullet_r_margin=2, bottom_margin=1) as par:
                    write_runs(pdf, par, block.text)
    pdf.set_font("Helvetica", "", BODY_SIZE)
    pdf.ln(2)


def write_runs(pdf: GuidePDF, par, text: str) -> None:
    for style, run in segments(text):
        pdf.set_font("Helvetica", style, BODY_SIZE)
        par.write(run)
    pdf.set_font("Helvetica", "", BODY_SIZE)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if any committed PDF is missing or out of date")
    parser.add_argument("ids", nargs="*", help="build only these document ids")
    args = parser.parse_args(argv)

    sources = sorted(SOURCES.glob("*.md"))
    if args.ids:
        wanted = set(args.ids)
        sources = [p for p in sources if p.stem in wanted]
        missing = wanted - {p.stem for p in sources}
        if missing:
            print(f"error: no source for {', '.join(sorted(missing))} in {SOURCES}", file=sys.stderr)
            return 2
    if not sources:
        print(f"error: no sources found in {SOURCES}", file=sys.stderr)
        return 2

    DOCUMENTS.mkdir(parents=True, exist_ok=True)
    stale = []
    for path in sources:
        try:
            doc = load(path)
            data, pages = render(doc)
        except SourceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        out = DOCUMENTS / f"{doc.id}.pdf"
        current = out.read_bytes() if out.exists() else None
        if args.check:
            state = "up to date" if current == data else ("missing" if current is None else "OUT OF DATE")
            if current != data:
                stale.append(out.name)
            print(f"{out.name}: {pages} pages, {state}")
        else:
            if current != data:
                out.write_bytes(data)
                state = "written"
            else:
                state = "unchanged"
            print(f"{out.name}: {pages} pages ({state})")
    if stale:
        print(f"{len(stale)} PDF(s) out of date: {', '.join(stale)}; "
              "run python corpus/build_documents.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
