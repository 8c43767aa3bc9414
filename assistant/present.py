"""Answers as HTML for the app: tool cards, cited passages, escaped chat text (pure, no gradio).

Everything that comes from the knowledge base or the user is escaped here before any UI sees
it; only http(s) URLs become links.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.answer import Answer
from ingest.records import Tool

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


def tools_html(answer: Answer) -> str:
    if not answer.tools:
        return "<p>No tools to show.</p>"
    cards = []
    for rank, ranked in enumerate(answer.tools, start=1):
        tool = ranked.tool
        tags = "".join(f'<span class="tag">{html.escape(t)}</span>'
                       for t in (*tool.hazards, *tool.phases))
        reasons = "; ".join(html.escape(r) for r in ranked.reasons)
        passages = "".join(_passage_html(hit) for hit in ranked.passages)
        link = safe_link(str(tool.url) if tool.url else None, tool.name)
        cards.append(
            f'<div class="tool-card"><h4>{rank}. {link}</h4>'
            f'<div class="tool-meta">{html.escape(tool.provider or "")} · '
            f'{html.escape(tool.kind)}{" · " + html.escape(tool.cost) if tool.cost else ""}</div>'
            f"<div>{tags}</div>"
            f'<div class="reasons"><b>Why:</b> {reasons or "similar description"}</div>'
            f"<details><summary>Description</summary>{html.escape(tool.description)}</details>"
            f"{experiences_html(tool, answer.language)}{passages}</div>"
        )
    return "".join(cards)


def passages_html(answer: Answer) -> str:
    if not answer.passages:
        return "<p>No passages to show.</p>"
    return "".join(_passage_html(hit, number) for number, hit in
                   enumerate(answer.passages, start=1))


def _passage_html(hit: Any, number: int | None = None) -> str:
    chunk = hit.chunk
    label = f"[{number}] " if number else ""
    snippet = chunk.text if len(chunk.text) <= 600 else chunk.text[:600] + " …"
    return (f'<div class="passage"><div class="passage-source">{label}'
            f"{html.escape(chunk.title)}, p. {chunk.page_start}"
            f'{" · " + html.escape(chunk.section) if chunk.section else ""}</div>'
            f"{html.escape(snippet)}</div>")




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
