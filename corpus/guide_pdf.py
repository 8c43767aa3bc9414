"""Blocks of a guide -> PDF bytes with fpdf2: headings as bookmarks, tables, two-column pages,
a page footer; deterministic (fixed creation date), so unchanged sources give identical bytes."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.fonts import FontFace
from guide_source import Block, Document, clean_inline, plain, segments, to_fpdf_markdown

AUTHOR = "Resilience Toolbox Assistant project"
CREATION_DATE = datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)
PAGE_LABEL = {"en": "Page {n} of {m}", "de": "Seite {n} von {m}"}

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
    # ingest/parse/dispatch.py reads these tags back: "hazards: a, b; phases: c, d"
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
    extra = [p - m for p, m in zip(pref, minw, strict=True)]
    spare = total - sum(minw)
    return tuple(m + spare * e / sum(extra) if sum(extra) else m for m, e in
                 zip(minw, extra, strict=True))


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
