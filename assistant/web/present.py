"""Answers as HTML for the app: tool cards, cited passages, escaped chat text (pure, no gradio).

Everything that comes from the knowledge base or the user is escaped here before any UI sees
it; only http(s) URLs become links.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from assistant.answer.compose import TEXTS, Answer, RankedTool
from assistant.answer.evidence import (
    MAX_SNIPPET,
    chip_filters,
    passage_html,
    query_stems,
    stated_chips,
    why,
    why_text,
)
from assistant.answer.funding_card import funding_html
from assistant.answer.labels import texts, tool_description, tool_name, ui, value_label
from assistant.query.filters import Filters
from assistant.web.browse import Matrix
from ingest.core.records import Hit, Tool

__all__ = ["FIRST_TOOLS", "CSS", "EXPERIENCE_TEXTS", "escape_markdown", "answer_markdown",
           "safe_link", "DocUrl", "tools_html", "passages_html", "experiences_html",
           "experiences_markdown", "matrix_rows", "matrix_headers", "tool_list_html", "cost_label"]

FIRST_TOOLS = 3  # cards shown open; the rest behind "more tools", so the page stays short
CARD_SNIPPET, CARD_TABLE_ROWS = 220, 1  # a card's best passage: a glance, the source has more
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
CSS = """
.tool-card {border: 1px solid #d0d7de; border-radius: 8px; padding: 6px 10px; margin-bottom: 8px;}
.tool-card h4 {margin: 0 0 2px 0;}
.tool-card .passage {margin: 4px 0;}
.tool-card details.more {font-size: 0.9em;}
.tool-meta {color: #57606a; font-size: 0.9em;}
.tag {display: inline-block; background: #eef2f7; border-radius: 10px; padding: 0 8px;
      margin: 2px 4px 2px 0; font-size: 0.85em;}
.reasons {margin: 3px 0; font-size: 0.9em;}
.passage {border-left: 3px solid #8fb3d9; padding-left: 8px; margin: 6px 0; font-size: 0.9em;}
.passage-source {color: #57606a; font-size: 0.85em;}
.experiences {margin: 6px 0; font-size: 0.9em;}
.experiences ul {margin: 2px 0 0 0; padding-left: 18px;}
.answer-note {color: #57606a; font-size: 0.9em;}
.passage mark {background: #fff3b0; padding: 0 1px;}
.searched {color: #6e7781; font-size: 0.85em; margin-bottom: 8px;}
.evidence {margin-top: 6px; font-size: 0.9em;}
.export-row {margin: -4px 0 8px 0;}
.tool-card details.more summary, details.more-tools summary {cursor: pointer; color: #0969da;}
.passage-table {border-collapse: collapse; margin: 4px 0;}
.passage-table th, .passage-table td {border: 1px solid #d0d7de; padding: 2px 6px;
      text-align: left; vertical-align: top;}
.export {display: inline-block; border: 1px solid #d0d7de; border-radius: 6px; padding: 2px 10px;
         font-size: 0.9em; text-decoration: none;}
"""
EXPERIENCE_TEXTS = {
    "en": {"title": "Experiences of other cities", "source": "source"},
    "de": {"title": "Erfahrungen anderer Kommunen", "source": "Quelle"},
}


def escape_markdown(text: str) -> str:
    """Text shown in the chat is Markdown: neutralise HTML and every Markdown construct."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def answer_markdown(answer: Answer) -> str:
    """The chat message for an answer: its text, and its note (if any) set apart, escaped."""
    text = escape_markdown(answer.text)
    return f"{text}\n\n*{escape_markdown(answer.note)}*" if answer.note else text


def safe_link(url: str | None, label: str) -> str:
    """An anchor for http(s) URLs only; anything else (javascript:, data:, ...) stays text."""
    text = html.escape(label)
    if url and re.match(r"^https?://[^\s\"'<>]+$", url, re.IGNORECASE):
        return (f'<a href="{html.escape(url, quote=True)}" target="_blank" '
                f'rel="noopener noreferrer nofollow">{text}</a>')
    return text


DocUrl = Callable[[str], str | None]  # document id -> the app URL of its PDF, or None


def _no_documents(doc_id: str) -> str | None:
    return None


def tools_html(answer: Answer, filters: Filters = Filters(), doc_url: DocUrl = _no_documents,
               export_url: str | None = None) -> str:
    """The ranked tools as cards: why each fits, its link, and its passages with the matching
    words marked; headed by the link to download the answer (when `export_url` is given) and
    by what was searched when that differs from what was asked."""
    t = texts(answer.language)
    head = f"<h3>{html.escape(t['tools'])}</h3>"
    if export_url:
        head += (f'<div class="export-row"><a class="export" href="{html.escape(export_url)}" '
                 f'download>{html.escape(t["export"])}</a></div>')
    if answer.search_query:
        head += (f'<div class="searched">{html.escape(t["searched_for"])}: '
                 f"{html.escape(answer.search_query)}</div>")
    if not answer.tools:
        return f"{head}<p>{html.escape(t['no_tools'])}</p>"
    if not answer.fits:
        notice = TEXTS.get(answer.language, TEXTS["en"])["not_direct"]
        head += f'<p class="no-fit">{html.escape(notice)}</p>'
    searched = answer.search_query or answer.query
    stems = query_stems(searched)
    asked = filters.merged(chip_filters(stated_chips(answer.chips)))
    cards = [_card(rank, ranked, answer.language, t, stems, doc_url, searched, asked)
             for rank, ranked in enumerate(answer.tools, start=1)]
    shown, rest = cards[:FIRST_TOOLS], cards[FIRST_TOOLS:]
    summary = html.escape(t["more_tools"].format(n=len(rest)))
    more = (f'<details class="more-tools"><summary>{summary}</summary>{"".join(rest)}</details>'
            if rest else "")
    return head + "".join(shown) + more


def _card(rank: int, ranked: RankedTool, language: str, t: dict[str, str],
          stems: frozenset[str], doc_url: DocUrl, searched: str, asked: Filters) -> str:
    """One tool: name, provider and kind, why it fits, its best passage; the description,
    experiences and other passages behind "more"."""
    tool = ranked.tool
    # hazards only: phase tags wrapped every card to a second line (issue 21: a short page)
    tags = "".join(f'<span class="tag">{html.escape(value_label(v, language))}</span>'
                   for v in tool.hazards)
    names = (tool.name, tool_name(tool, language), *tool.aliases)
    passages = [p for p in (_passage_html(hit, t, stems, doc_url, limit=CARD_SNIPPET,
                                          max_rows=CARD_TABLE_ROWS, about=names)
                            for hit in ranked.passages) if p]
    source_line = '<div class="passage-source">'
    labelled = f'{source_line}<b>{html.escape(t["evidence"])}:</b> '
    best = (f'<div class="evidence">{passages[0].replace(source_line, labelled, 1)}</div>'
            if passages else "")
    hidden = (f"<p>{html.escape(tool_description(tool, language))}</p>"
              f"{experiences_html(tool, language)}"
              + "".join(passages[1:]))
    link = safe_link(str(tool.url) if tool.url else None, tool_name(tool, language))
    meta = " · ".join(html.escape(x) for x in (
        tool.provider or "", value_label(tool.kind, language), cost_label(tool, language)) if x)
    return (f'<div class="tool-card" data-tool="{html.escape(tool.id)}"><h4>{rank}. {link}</h4>'
            f'<div class="tool-meta">{meta} {tags}</div>'
            f'<div class="reasons"><b>{html.escape(t["why"])}:</b> '
            f"{html.escape(why_text(why(ranked, searched, asked), language))}</div>"
            f"{funding_html(tool, language)}{best}"
            f'<details class="more"><summary>{html.escape(t["more"])}</summary>{hidden}'
            "</details></div>")


def passages_html(answer: Answer, doc_url: DocUrl = _no_documents) -> str:
    """The numbered sources the answer cites ([n] in the answer is the n-th passage), one entry
    per page: passages of the same page share it, as "[1] [2]"."""
    t = texts(answer.language)
    head = f"<h3>{html.escape(t['sources'])}</h3>"
    if not answer.passages:
        return f"{head}<p>{html.escape(t['no_passages'])}</p>"
    stems = query_stems(answer.search_query or answer.query)
    pages: dict[tuple[str, int], list[tuple[int, Hit]]] = {}
    for number, hit in enumerate(answer.passages, start=1):
        pages.setdefault((hit.chunk.doc_id, hit.chunk.page_start), []).append((number, hit))
    entries = []
    for same_page in pages.values():
        numbers = [number for number, _ in same_page]
        # a passage without a whole sentence (a chunk's tail) is left out; the page's heading
        # goes on the first one shown, with every number that cites the page
        shown = [hit for _, hit in same_page if passage_html(hit.chunk.text, stems)]
        entries += [_passage_html(hit, t, stems, doc_url, numbers if i == 0 else None,
                                  with_source=i == 0) for i, hit in enumerate(shown)]
    return head + "".join(entries)


def _passage_html(hit: Hit, t: dict[str, str], stems: frozenset[str], doc_url: DocUrl,
                  numbers: list[int] | None = None, with_source: bool = True,
                  limit: int = MAX_SNIPPET, max_rows: int | None = None,
                  about: tuple[str, ...] = ()) -> str:
    """One passage with its document and page; empty when it holds no whole sentence."""
    chunk = hit.chunk
    body = passage_html(chunk.text, stems, limit, max_rows, about)
    if not body:
        return ""
    label = "".join(f"[{n}] " for n in numbers or ())
    # the page number the reader sees printed; the link opens the file's page (page_start)
    shown = chunk.page_label or str(chunk.page_start)
    origin = ", ".join(x for x in (chunk.publisher, chunk.year) if x)
    source = (f"{html.escape(chunk.title)}{f' ({html.escape(origin)})' if origin else ''}, "
              f"{html.escape(t['page'])} {html.escape(shown)}")
    url = doc_url(chunk.doc_id)
    if url:
        source = (f'<a class="page-link" href="{html.escape(url, quote=True)}#page='
                  f'{chunk.page_start}" target="_blank" rel="noopener noreferrer" '
                  f'title="{html.escape(t["open_page"], quote=True)}">{source}</a>')
    heading = (f'<div class="passage-source">{label}{source}'
               f'{" · " + html.escape(chunk.section) if chunk.section else ""}</div>'
               if with_source else "")
    return f'<div class="passage">{heading}{body}</div>'


def experiences_html(tool: Tool, language: str = "en") -> str:
    """What named cities did with the tool, each with its source linked; empty when none."""
    if not tool.experiences:
        return ""
    texts = EXPERIENCE_TEXTS.get(language, EXPERIENCE_TEXTS["en"])
    items = "".join(
        f"<li><b>{html.escape(e.city)}</b>: {html.escape(e.what)} "
        f"({texts['source']}: {_source_links(e.source)})</li>" for e in tool.experiences)
    return (f'<div class="experiences"><b>{texts["title"]}</b>'
            f"<ul>{items}</ul></div>")


def experiences_markdown(tool: Tool, language: str = "en") -> str:
    """The same as Markdown (for the exported answer); empty when the tool has none."""
    if not tool.experiences:
        return ""
    texts = EXPERIENCE_TEXTS.get(language, EXPERIENCE_TEXTS["en"])
    lines = [f"*{texts['title']}:*"]
    lines += [f"- **{escape_markdown(e.city)}**: {escape_markdown(e.what)} "
              f"({texts['source']}: <{e.source}>)" if _is_url(e.source) else
              f"- **{escape_markdown(e.city)}**: {escape_markdown(e.what)} "
              f"({texts['source']}: {escape_markdown(e.source)})" for e in tool.experiences]
    return "\n".join(lines)


def _source_links(source: str) -> str:
    # A source may name several places, separated by ' ; ' as the catalogue's source_note does.
    parts = [p.strip() for p in source.split(" ; ") if p.strip()]
    return "; ".join(safe_link(p, p) if _is_url(p) else html.escape(p) for p in parts)


def _is_url(text: str) -> bool:
    return re.match(r"^https?://[^\s\"'<>]+$", text, re.IGNORECASE) is not None


def matrix_rows(matrix: Matrix) -> list[list[object]]:
    """The Browse matrix as table rows: the hazard (English and German), then a count per phase."""
    return [[f"{value_label(h, 'en')} / {value_label(h, 'de')}", *row]
            for h, row in zip(matrix.hazards, matrix.counts, strict=True)]


def matrix_headers(matrix: Matrix, language: str = "en") -> list[str]:
    return [ui(language)["hazard_phase"], *(value_label(p, language) for p in matrix.phases)]


def tool_list_html(tools: list[Tool], hazard: str | None, phase: str | None = None,
                   language: str = "en", heading: str = "", funding: bool = False) -> str:
    """A Browse cell's tools (a whole hazard without `phase`; the search's matches under
    `heading` without a hazard): name with link, provider, kind, summary; with `funding`
    (the list narrowed by the funding facet) each programme's funding facts too."""
    if hazard is not None:
        heading = value_label(hazard, language) + (
            f" × {value_label(phase, language)}" if phase else "")
    items = "".join(
        f'<div class="tool-card" data-tool="{html.escape(t.id)}"><h4>'
        f"{safe_link(str(t.url) if t.url else None, tool_name(t, language))}</h4>"
        f'<div class="tool-meta">{html.escape(_meta(t, language))}</div>'
        f"<div>{html.escape(tool_description(t, language))}</div>"
        f"{funding_html(t, language) if funding else ''}</div>" for t in tools)
    empty = f"<p>{html.escape(ui(language)['no_cell_tools'])}</p>"
    return f"<h3>{html.escape(heading)}</h3>{items or empty}"


def _meta(tool: Tool, language: str = "en") -> str:
    # kinds and costs as words ('data portal', 'Datenportal'), never the stored ids
    return " · ".join(x for x in (tool.provider or "", value_label(tool.kind, language),
                                  cost_label(tool, language)) if x)


def cost_label(tool: Tool, language: str) -> str:
    """What using the tool costs, as words; 'unknown' where the record does not say. A funding
    programme gives money: its cost field says nothing a reader would call 'free'."""
    if tool.kind == "funding-programme":
        return ""
    return value_label(tool.cost, language) if tool.cost else texts(language)["cost_unknown"]
