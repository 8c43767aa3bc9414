"""Answers as HTML for the app: tool cards, cited passages, escaped chat text (pure, no gradio).

Everything that comes from the knowledge base or the user is escaped here before any UI sees
it; only http(s) URLs become links.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from assistant.answer import Answer
from assistant.browse import Matrix
from assistant.evidence import chip_filters, highlight, query_stems, why, why_text
from assistant.filters import Filters
from assistant.funding_card import funding_html
from assistant.labels import texts, ui, value_label
from ingest.records import Hit, Tool

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
CSS = """
.tool-card {border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; margin-bottom: 10px;}
.tool-card h4 {margin: 0 0 4px 0;}
.tool-meta {color: #57606a; font-size: 0.9em;}
.tag {display: inline-block; background: #eef2f7; border-radius: 10px; padding: 0 8px;
      margin: 2px 4px 2px 0; font-size: 0.85em;}
.reasons {margin: 6px 0; font-size: 0.9em;}
.passage {border-left: 3px solid #8fb3d9; padding-left: 8px; margin: 6px 0; font-size: 0.9em;}
.passage-source {color: #57606a; font-size: 0.85em;}
.experiences {margin: 6px 0; font-size: 0.9em;}
.experiences ul {margin: 2px 0 0 0; padding-left: 18px;}
.answer-note {color: #57606a; font-size: 0.9em;}
.passage mark {background: #fff3b0; padding: 0 1px;}
.searched {color: #6e7781; font-size: 0.85em; margin-bottom: 8px;}
.evidence {margin-top: 6px; font-size: 0.9em;}
.export-row {margin: -4px 0 8px 0;}
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
    searched = answer.search_query or answer.query
    stems = query_stems(searched)
    asked = filters.merged(chip_filters(answer.chips))
    cards = []
    for rank, ranked in enumerate(answer.tools, start=1):
        tool = ranked.tool
        language = answer.language
        tags = "".join(f'<span class="tag">{html.escape(value_label(v, language))}</span>'
                       for v in (*tool.hazards, *tool.phases))
        evidence = "".join(_passage_html(hit, t, stems, doc_url) for hit in ranked.passages)
        if evidence:
            evidence = (f'<div class="evidence"><b>{html.escape(t["evidence"])}:</b>'
                        f"{evidence}</div>")
        link = safe_link(str(tool.url) if tool.url else None, tool.name)
        meta = " · ".join(html.escape(x) for x in (
            tool.provider or "", value_label(tool.kind, language),
            value_label(tool.cost, language) if tool.cost else "") if x)
        cards.append(
            f'<div class="tool-card" data-tool="{html.escape(tool.id)}"><h4>{rank}. {link}</h4>'
            f'<div class="tool-meta">{meta}</div>'
            f"<div>{tags}</div>"
            f'<div class="reasons"><b>{html.escape(t["why"])}:</b> '
            f"{html.escape(why_text(why(ranked, searched, asked), language))}</div>"
            f"<details><summary>{html.escape(t['description'])}</summary>"
            f"{html.escape(tool.description)}</details>"
            f"{funding_html(tool, language)}{experiences_html(tool, language)}{evidence}</div>"
        )
    return head + "".join(cards)



def passages_html(answer: Answer, doc_url: DocUrl = _no_documents) -> str:
    """The numbered sources the answer cites ([n] in the answer is the n-th here)."""
    t = texts(answer.language)
    head = f"<h3>{html.escape(t['sources'])}</h3>"
    if not answer.passages:
        return f"{head}<p>{html.escape(t['no_passages'])}</p>"
    stems = query_stems(answer.search_query or answer.query)
    return head + "".join(_passage_html(hit, t, stems, doc_url, number) for number, hit in
                          enumerate(answer.passages, start=1))


def _passage_html(hit: Hit, t: dict[str, str], stems: frozenset[str], doc_url: DocUrl,
                  number: int | None = None) -> str:
    chunk = hit.chunk
    label = f"[{number}] " if number else ""
    snippet = chunk.text if len(chunk.text) <= 600 else chunk.text[:600] + " …"
    source = f"{html.escape(chunk.title)}, {html.escape(t['page'])} {chunk.page_start}"
    url = doc_url(chunk.doc_id)
    if url:
        source = (f'<a class="page-link" href="{html.escape(url, quote=True)}#page='
                  f'{chunk.page_start}" target="_blank" rel="noopener noreferrer" '
                  f'title="{html.escape(t["open_page"], quote=True)}">{source}</a>')
    return (f'<div class="passage"><div class="passage-source">{label}{source}'
            f'{" · " + html.escape(chunk.section) if chunk.section else ""}</div>'
            f"{highlight(snippet, stems)}</div>")


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


def tool_list_html(tools: list[Tool], hazard: str, phase: str | None = None,
                   language: str = "en") -> str:
    """A Browse cell's tools (a whole hazard without `phase`): name with link, provider, kind,
    summary."""
    heading = value_label(hazard, language) + (
        f" × {value_label(phase, language)}" if phase else "")
    items = "".join(
        f'<div class="tool-card" data-tool="{html.escape(t.id)}"><h4>'
        f"{safe_link(str(t.url) if t.url else None, t.name)}</h4>"
        f'<div class="tool-meta">{html.escape(_meta(t, language))}</div>'
        f"<div>{html.escape(t.description)}</div></div>" for t in tools)
    empty = f"<p>{html.escape(ui(language)['no_cell_tools'])}</p>"
    return f"<h3>{html.escape(heading)}</h3>{items or empty}"


def _meta(tool: Tool, language: str = "en") -> str:
    # English shows the stored values as they are; German needs the display names.
    values = [tool.kind, tool.cost or ""]
    if language != "en":
        values = [value_label(v, language) if v else "" for v in values]
    return " · ".join(x for x in (tool.provider or "", *values) if x)
