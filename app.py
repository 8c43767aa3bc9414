"""The Gradio app: a chat that answers with ranked tools and the passages behind them, thumbs
up/down on answers and tools, and an Evaluate tab that benchmarks retrievers.

UI only: every answer, vote and evaluation goes through `assistant.service.Assistant`. All
text that comes from the knowledge base or the user is escaped before it is shown; only http(s)
links from tool records become links. Run with `python app.py` (binds 127.0.0.1:7860 unless
told otherwise).
"""

from __future__ import annotations

import argparse
import html
import logging
import tempfile
from pathlib import Path
from typing import Any

from ingest.settings import Settings, configure_offline

configure_offline()

import gradio as gr  # noqa: E402  (after the offline switch)

from assistant import report, workbench  # noqa: E402
from assistant.auth import TooManyLogins, reader_auth  # noqa: E402
from assistant.editor import (  # noqa: E402
    REPORT_HEADERS,
    STATUS_HEADERS,
    EditorGate,
    NotAnEditor,
    ingest_uploads,
    report_rows,
    status_rows,
)
from assistant.evaluate import DEFAULT_RETRIEVERS, VARIANTS  # noqa: E402
from assistant.feedback import ANSWER  # noqa: E402
from assistant.filters import Filters  # noqa: E402
from assistant.present import (  # noqa: E402
    CSS,
    escape_markdown,
    passages_html,
    tools_html,
)
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
BUILTIN_TOOLS = "built-in benchmark: tools"
BUILTIN_PASSAGES = "built-in benchmark: passages"
UPLOAD = "upload a BEIR zip"
def build_app(assistant: Assistant, gate: EditorGate | None = None) -> gr.Blocks:
    """The Blocks of the app, wired to one Assistant; the Ingest tab only when `gate` is on."""
    gate = gate or EditorGate(assistant.settings.editor_password)

    def respond(message: str, history: list[dict[str, Any]] | None,
                turns: dict[int, dict[str, Any]] | None, hazards: list[str], phases: list[str],
                scales: list[str], languages: list[str], kinds: list[str], costs: list[str]
                ) -> tuple[list[dict[str, Any]], str, str, str, dict[int, dict[str, Any]], Any]:
        """Answer; `turns` remembers, per answer message, what was asked and which tools shown,
        so a later vote on that answer or its tools is stored with its context."""
        history = list(history or [])
        turns = dict(turns or {})
        history.append({"role": "user", "content": escape_markdown(message or "")})
        no_tools = gr.update(choices=[], value=None)
        try:
            filters = Filters.of(hazards=hazards, phases=phases, scales=scales,
                                 languages=languages, kinds=kinds, costs=costs)
            answer = assistant.ask(message or "", filters)
        except ToolboxError as err:
            history.append({"role": "assistant", "content": escape_markdown(str(err))})
            return history, "", "", "", turns, no_tools
        except Exception:  # the user gets a sentence, the log gets the trace
            log.exception("answering failed")
            history.append({"role": "assistant", "content": "Something went wrong while "
                            "answering; please try again. The error was logged."})
            return history, "", "", "", turns, no_tools
        history.append({"role": "assistant", "content": escape_markdown(answer.text)})
        turns[len(history) - 1] = {"query": answer.query, "filters": filters,
                                   "shown": [r.tool.id for r in answer.tools]}
        choices = [(f"{rank}. {r.tool.name}", r.tool.id)
                   for rank, r in enumerate(answer.tools, start=1)]
        return (history, tools_html(answer), passages_html(answer), "", turns,
                gr.update(choices=choices, value=choices[0][1] if choices else None))

    def vote_answer(data: gr.LikeData, turns: dict[int, dict[str, Any]] | None) -> str:
        index = data.index if isinstance(data.index, int) else data.index[0]
        turn = (turns or {}).get(index)
        if turn is None:
            return "Only answers can be rated."
        return _store_vote(turn, ANSWER, 1 if data.liked is True else -1)

    def vote_tool(tool_id: str | None, turns: dict[int, dict[str, Any]] | None,
                  vote: int) -> str:
        if not turns or not tool_id:
            return "Ask a question first, then rate one of the tools shown."
        return _store_vote(turns[max(turns)], tool_id, vote)

    def _store_vote(turn: dict[str, Any], target: str, vote: int) -> str:
        try:
            assistant.record_feedback(turn["query"], turn["filters"], turn["shown"], target,
                                      vote)
        except ToolboxError as err:
            return escape_markdown(str(err))
        what = "the answer" if target == ANSWER else f"tool {target}"
        return f"Thank you: {'👍' if vote > 0 else '👎'} on {escape_markdown(what)} recorded."

    def run_evaluation(choice: str, upload: str | None, retrievers: list[str],
                       progress: gr.Progress = gr.Progress()
                       ) -> tuple[str, list[list[Any]], str | None, list[str]]:
        """Run the Evaluate tab's benchmark; returns status, table rows, plot, downloads."""
        def tick(stage: str, done: int, total: int) -> None:
            progress(done / max(1, total), desc=stage)

        try:
            if choice == UPLOAD:
                if not upload:
                    return "Choose a BEIR zip to upload first.", [], None, []
                limit = assistant.settings.max_dataset_mb * 1_000_000
                with workbench.unpacked(Path(upload), limit) as folder:
                    evaluation = assistant.evaluate(folder, None, retrievers, progress=tick)
            else:
                target = "passages" if choice == BUILTIN_PASSAGES else "tools"
                evaluation = assistant.evaluate(workbench.BUILTIN, target, retrievers,
                                                progress=tick)
        except ToolboxError as err:
            return f"**Cannot evaluate:** {escape_markdown(str(err))}", [], None, []
        except Exception:
            log.exception("evaluation failed")
            return "Something went wrong while evaluating; the error was logged.", [], None, []
        paths = report.write_all(evaluation, Path(tempfile.mkdtemp(prefix="toolbox-results-")))
        lines = [f"**{escape_markdown(evaluation.dataset)}** ({evaluation.target}, "
                 f"{len(evaluation.queries)} queries): best **{evaluation.best}** by nDCG@10."]
        lines += [f"{evaluation.best} vs. {name}: p = {test['t_test_p']:.3g} (paired t-test)"
                  + (", significant" if test["significant"] else "")
                  for name, test in evaluation.significance.items()]
        return ("  \n".join(lines), report.table_rows(evaluation), str(paths["plot"]),
                [str(paths["report"]), str(paths["json"])])

    theme = gr.themes.Default(font=["system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    with gr.Blocks(title="Resilience Toolbox Assistant", analytics_enabled=False) as blocks:
        gr.Markdown("## Resilience Toolbox Assistant\nAsk in English or German which tools help "
                    "your municipality with heat, heavy rain, floods, drought or storms.")
        turns = gr.State({})
        with gr.Tab("Ask"), gr.Row():
            with gr.Column(scale=3):
                # Thumbs up/down on each answer are the Chatbot's default feedback options.
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
                    languages = gr.Dropdown(list(LANGUAGES), multiselect=True,
                                            label="Language")
                    kinds = gr.Dropdown(list(KINDS), multiselect=True, label="Kind")
                    costs = gr.Dropdown(list(COSTS), multiselect=True, label="Cost")
            with gr.Column(scale=4):
                gr.Markdown("### Recommended tools")
                tools = gr.HTML(elem_id="tools")
                with gr.Row():
                    tool_choice = gr.Dropdown([], label="Rate a tool shown", scale=3)
                    tool_up = gr.Button("👍 fits", scale=1, min_width=60)
                    tool_down = gr.Button("👎 does not fit", scale=1, min_width=60)
                thanks = gr.Markdown(elem_id="feedback-status")
                gr.Markdown("### Sources")
                sources = gr.HTML(elem_id="sources")
        with gr.Tab("Evaluate"):
            gr.Markdown("Benchmark the retrievers: nDCG@10, Recall@5/10/100, MRR@10, MAP@10, "
                        "latency, and a paired significance test against the best.")
            with gr.Row():
                dataset = gr.Radio([BUILTIN_TOOLS, BUILTIN_PASSAGES, UPLOAD],
                                   value=BUILTIN_TOOLS, label="Dataset")
                upload = gr.File(label="BEIR zip (queries.jsonl, qrels/test.tsv, corpus.jsonl)",
                                 file_types=[".zip"], type="filepath")
            chosen = gr.CheckboxGroup(list(VARIANTS), value=list(DEFAULT_RETRIEVERS),
                                      label="Retrievers")
            evaluate = gr.Button("Run evaluation", variant="primary")
            summary = gr.Markdown()
            table = gr.Dataframe(headers=report.TABLE_HEADERS, interactive=False,
                                 label="Results (p: paired t-test on nDCG@10 vs. the best)")
            plot = gr.Image(type="filepath", label="Metrics per retriever and per query field")
            downloads = gr.File(label="Report and JSON", file_count="multiple")
        inputs = [question, chat, turns, hazards, phases, scales, languages, kinds, costs]
        outputs = [chat, tools, sources, question, turns, tool_choice]
        send.click(respond, inputs, outputs, api_name="ask")
        question.submit(respond, inputs, outputs, api_name=False)
        clear.click(lambda: ([], "", "", "", {}, gr.update(choices=[], value=None)), None,
                    outputs, api_name=False)
        chat.like(vote_answer, [turns], [thanks], api_name=False)
        tool_up.click(lambda t, s: vote_tool(t, s, 1), [tool_choice, turns], [thanks],
                      api_name=False)
        tool_down.click(lambda t, s: vote_tool(t, s, -1), [tool_choice, turns], [thanks],
                        api_name=False)
        evaluate.click(run_evaluation, [dataset, upload, chosen],
                       [summary, table, plot, downloads], api_name="evaluate")
        if gate.enabled:
            with gr.Tab("Ingest"):
                blocks.editor = _editor_tab(assistant, gate)  # type: ignore[attr-defined]
    # The handlers, for tests.
    blocks.respond = respond  # type: ignore[attr-defined]
    blocks.vote_answer = vote_answer  # type: ignore[attr-defined]
    blocks.vote_tool = vote_tool  # type: ignore[attr-defined]
    blocks.run_evaluation = run_evaluation  # type: ignore[attr-defined]
    blocks.toolbox_theme = theme  # type: ignore[attr-defined]
    return blocks


def _editor_tab(assistant: Assistant, gate: EditorGate) -> dict[str, Any]:
    """Login, upload with a per-file report, and the knowledge-base status; every handler
    checks the session on the server (assistant/editor.py), whoever calls it."""

    def status_view() -> tuple[str, list[list[object]]]:
        status = assistant.status()
        return html.escape(status.summary()), status_rows(status)

    def login(password: str, request: gr.Request) -> tuple[Any, Any, str, str, Any]:
        try:
            if not gate.login(request.session_hash, password, _client(request)):
                return gr.update(), gr.update(), "Wrong password.", "", gr.update()
        except TooManyLogins as err:
            return gr.update(), gr.update(), f"{err}.", "", gr.update()
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
                        elem_id="editor-files",
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


def _client(request: gr.Request) -> str | None:
    """The client's address, which failed logins are counted by."""
    return request.client.host if request.client else None


def launch_options(settings: Settings) -> dict[str, Any]:
    """What `launch` needs beyond host and port: the reader password gate, upload size cap."""
    options: dict[str, Any] = {"max_file_size": f"{settings.max_file_mb}mb"}
    if settings.reader_password:
        options["auth"] = reader_auth(settings.reader_password)
        options["auth_message"] = "Resilience Toolbox Assistant: enter the reader password."
    return options


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    assistant = Assistant(settings)
    report = assistant.ensure_index(progress=TqdmProgress())
    if report is not None:
        print(f"index built from {settings.corpus_dir}: {report.summary()}", flush=True)
    blocks = build_app(assistant)
    blocks.queue(default_concurrency_limit=4)
    blocks.launch(server_name=host or settings.host, server_port=port or settings.port,
                  share=False, show_error=False, theme=blocks.toolbox_theme, css=CSS,
                  footer_links=[], **launch_options(settings))


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Resilience Toolbox Assistant app.")
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 7860)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    serve(Settings.from_env(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
