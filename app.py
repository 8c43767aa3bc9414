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
from contextlib import nullcontext
from typing import Any

from ingest.settings import Settings, configure_offline

configure_offline()

import gradio as gr  # noqa: E402  (after the offline switch)

from assistant.answer import Answer  # noqa: E402
from assistant.editor import (  # noqa: E402
    REPORT_HEADERS,
    STATUS_HEADERS,
    EditorGate,
    NotAnEditor,
    ingest_uploads,
    report_rows,
    status_rows,
)
from assistant.filters import Filters  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from ingest.errors import ToolboxError  # noqa: E402
from ingest.parse import DOCUMENT_SUFFIXES, TOOL_SUFFIXES  # noqa: E402
from ingest.progress import Eta, ProgressEvent, TqdmProgress  # noqa: E402
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


def build_app(assistant: Assistant, gate: EditorGate | None = None) -> gr.Blocks:
    """The Blocks of the app, wired to one Assistant; the Ingest tab only when `gate` is on."""
    gate = gate or EditorGate(assistant.settings.editor_password)

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
        with gr.Tab("Ask") if gate.enabled else nullcontext(), gr.Row():
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
        if gate.enabled:
            with gr.Tab("Ingest"):
                blocks.editor = _editor_tab(assistant, gate)  # type: ignore[attr-defined]
    blocks.respond = respond  # type: ignore[attr-defined]  # the handler, for tests
    blocks.toolbox_theme = theme  # type: ignore[attr-defined]
    return blocks


def _editor_tab(assistant: Assistant, gate: EditorGate) -> dict[str, Any]:
    """Login, upload with a per-file report, and the knowledge-base status; every handler
    checks the session on the server (assistant/editor.py), whoever calls it."""

    def status_view() -> tuple[str, list[list[object]]]:
        status = assistant.status()
        return html.escape(status.summary()), status_rows(status)

    def login(password: str, request: gr.Request) -> tuple[Any, Any, str, str, Any]:
        if not gate.login(request.session_hash, password):
            return gr.update(), gr.update(), "Wrong password.", "", gr.update()
        summary, rows = status_view()
        return gr.update(visible=False), gr.update(visible=True), "", summary, rows

    def ingest(files: list[str] | None, supersedes: str, request: gr.Request,
               progress: gr.Progress = gr.Progress()) -> tuple[list[list[object]], str, str, Any]:
        try:
            gate.require(request.session_hash)
        except NotAnEditor as err:
            raise gr.Error(str(err)) from None
        eta = Eta()

        def show(event: ProgressEvent) -> None:
            if event.stage in ("files", "chunks") and event.total:
                progress(event.done / event.total, desc=eta.describe(event))

        try:
            report = ingest_uploads(assistant, list(files or []), supersedes or "", show)
        except ToolboxError as err:
            raise gr.Error(str(err)) from None
        summary, rows = status_view()
        return report_rows(report), html.escape(report.summary()), summary, rows

    def refresh(request: gr.Request) -> tuple[str, list[list[object]]]:
        try:
            gate.require(request.session_hash)
        except NotAnEditor as err:
            raise gr.Error(str(err)) from None
        return status_view()

    with gr.Column(visible=True) as login_box:
        password = gr.Textbox(label="Editor password", type="password", elem_id="editor-pw")
        login_button = gr.Button("Log in", variant="primary")
        login_message = gr.Markdown()
    with gr.Column(visible=False) as editor_box:
        files = gr.File(label="Reports and tool files", file_count="multiple", type="filepath",
                        file_types=sorted(DOCUMENT_SUFFIXES | TOOL_SUFFIXES))
        supersedes = gr.Textbox(label="Supersedes (optional): id of the document this one file "
                                      "replaces; the old edition stays searchable on request")
        ingest_button = gr.Button("Ingest", variant="primary")
        report = gr.Dataframe(headers=REPORT_HEADERS, label="Report", interactive=False)
        summary = gr.Markdown()
        gr.Markdown("### Knowledge base")
        status_text = gr.Markdown()
        status_table = gr.Dataframe(headers=STATUS_HEADERS, interactive=False, wrap=True)
        refresh_button = gr.Button("Refresh")
    login_button.click(login, [password], [login_box, editor_box, login_message, status_text,
                                           status_table], api_name="editor_login")
    ingest_button.click(ingest, [files, supersedes], [report, summary, status_text,
                                                      status_table], api_name="editor_ingest")
    refresh_button.click(refresh, None, [status_text, status_table], api_name="editor_status")
    return {"login": login, "ingest": ingest, "refresh": refresh}


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    assistant = Assistant(settings)
    report = assistant.ensure_index(progress=TqdmProgress())
    if report is not None:
        print(f"index built from {settings.corpus_dir}: {report.summary()}", flush=True)
    blocks = build_app(assistant)
    blocks.queue(default_concurrency_limit=4)
    blocks.launch(server_name=host or settings.host, server_port=port or settings.port,
                  share=False, show_error=False, theme=blocks.toolbox_theme, css=CSS,
                  footer_links=[], max_file_size=f"{settings.max_file_mb}mb")


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Resilience Toolbox Assistant app.")
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 7860)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    serve(Settings.from_env(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
