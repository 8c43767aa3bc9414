"""The Gradio app: a chat that answers with ranked tools and the passages behind them.

UI only: every answer comes from `assistant.service.Assistant`. All text that comes from the
knowledge base or the user is escaped before it is shown; only http(s) links from tool records
become links. Run with `python app.py` (binds 127.0.0.1:7860 unless told otherwise).
"""

from __future__ import annotations

import argparse
import html
import logging
import re
from typing import Any

from ingest.settings import Settings, configure_offline

configure_offline()

import gradio as gr  # noqa: E402  (after the offline switch)

from assistant.answer import Answer  # noqa: E402
from assistant.filters import Filters  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from ingest.errors import ToolboxError  # noqa: E402
from ingest.progress import TqdmProgress  # noqa: E402
from ingest.records import COSTS, HAZARDS, KINDS, LANGUAGES, PHASES, SCALES  # noqa: E402

log = logging.getLogger("toolbox.app")

EXAMPLES = [
    "How do we start a heat action plan?",
    "Wo finde ich eine Starkregengefahrenkarte für unsere Gemeinde?",
    "free tools in English for drought monitoring",
    "Our town flooded last summer, what now?",
]
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
"""


def escape_markdown(text: str) -> str:
    """Text shown in the chat is Markdown: neutralise HTML and every Markdown construct."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


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
            f"{passages}</div>"
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


def build_app(assistant: Assistant) -> gr.Blocks:
    """The Blocks of the app, wired to one Assistant."""

    def respond(message: str, history: list[dict[str, Any]] | None, hazards: list[str],
                phases: list[str], scales: list[str], languages: list[str], kinds: list[str],
                costs: list[str]) -> tuple[list[dict[str, Any]], str, str, str]:
        history = list(history or [])
        history.append({"role": "user", "content": escape_markdown(message or "")})
        try:
            filters = Filters.of(hazards=hazards, phases=phases, scales=scales,
                                 languages=languages, kinds=kinds, costs=costs)
            answer = assistant.ask(message or "", filters)
        except ToolboxError as err:
            history.append({"role": "assistant", "content": escape_markdown(str(err))})
            return history, "", "", ""
        except Exception:  # the user gets a sentence, the log gets the trace
            log.exception("answering failed")
            history.append({"role": "assistant", "content": "Something went wrong while "
                            "answering; please try again. The error was logged."})
            return history, "", "", ""
        history.append({"role": "assistant", "content": escape_markdown(answer.text)})
        return history, tools_html(answer), passages_html(answer), ""

    theme = gr.themes.Default(font=["system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    with gr.Blocks(title="Resilience Toolbox Assistant", analytics_enabled=False) as blocks:
        gr.Markdown("## Resilience Toolbox Assistant\nAsk in English or German which tools help "
                    "your municipality with heat, heavy rain, floods, drought or storms.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=420, elem_id="chat")
                question = gr.Textbox(label="Your question", placeholder=EXAMPLES[0],
                                      elem_id="question", lines=1)
                with gr.Row():
                    send = gr.Button("Ask", variant="primary", elem_id="ask")
                    clear = gr.Button("New conversation")
                gr.Examples(EXAMPLES, inputs=question)
                with gr.Accordion("Filters", open=False):
                    hazards = gr.Dropdown(list(HAZARDS), multiselect=True, label="Hazard")
                    phases = gr.Dropdown(list(PHASES), multiselect=True, label="Phase")
                    scales = gr.Dropdown(list(SCALES), multiselect=True, label="Scale")
                    languages = gr.Dropdown(list(LANGUAGES), multiselect=True, label="Language")
                    kinds = gr.Dropdown(list(KINDS), multiselect=True, label="Kind")
                    costs = gr.Dropdown(list(COSTS), multiselect=True, label="Cost")
            with gr.Column(scale=4):
                gr.Markdown("### Recommended tools")
                tools = gr.HTML(elem_id="tools")
                gr.Markdown("### Sources")
                sources = gr.HTML(elem_id="sources")
        inputs = [question, chat, hazards, phases, scales, languages, kinds, costs]
        outputs = [chat, tools, sources, question]
        send.click(respond, inputs, outputs, api_name="ask")
        question.submit(respond, inputs, outputs, api_name=False)
        clear.click(lambda: ([], "", "", ""), None, outputs, api_name=False)
    blocks.respond = respond  # type: ignore[attr-defined]  # the handler, for tests
    blocks.toolbox_theme = theme  # type: ignore[attr-defined]
    return blocks


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    assistant = Assistant(settings)
    report = assistant.ensure_index(progress=TqdmProgress())
    if report is not None:
        print(f"index built from {settings.corpus_dir}: {report.summary()}", flush=True)
    blocks = build_app(assistant)
    blocks.queue(default_concurrency_limit=4)
    blocks.launch(server_name=host or settings.host, server_port=port or settings.port,
                  share=False, show_error=False, theme=blocks.toolbox_theme, css=CSS,
                  footer_links=[])


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Resilience Toolbox Assistant app.")
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 7860)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    serve(Settings.from_env(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
