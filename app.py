"""The Gradio app: a chat that answers with ranked tools and the passages behind them (removable
filter chips, a Markdown export, thumbs up/down), a Browse tab (hazards x phases), an Evaluate
tab that benchmarks retrievers, the cited PDFs at /documents/<id>.pdf and the answers' Markdown
at /exports/<token>.md.

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

from ingest.settings import Settings, configure_gradio, configure_offline

configure_offline()

import gradio as gr  # noqa: E402  (after the offline switch)

from assistant import auth, browse, chat, report, startup, workbench  # noqa: E402
from assistant import export as answer_export  # noqa: E402
from assistant.auth import TooManyLogins, launch_options  # noqa: E402
from assistant.documents import DocumentFiles, routes  # noqa: E402
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
from assistant.funding_card import funding_controls, funding_title  # noqa: E402
from assistant.labels import EXAMPLES, FIELDS, TEXTS, texts, ui, value_label  # noqa: E402
from assistant.present import (  # noqa: E402
    CSS,
    answer_markdown,
    escape_markdown,
    matrix_headers,
    matrix_rows,
    passages_html,
    tool_list_html,
    tools_html,
)
from assistant.service import Assistant  # noqa: E402
from ingest.errors import ToolboxError  # noqa: E402
from ingest.parse import DOCUMENT_SUFFIXES, TOOL_SUFFIXES  # noqa: E402
from ingest.progress import Eta, ProgressEvent  # noqa: E402
from ingest.records import COSTS, HAZARDS, KINDS, LANGUAGES, PHASES, SCALES  # noqa: E402

log = logging.getLogger("toolbox.app")

BUILTIN_TOOLS = "built-in benchmark: tools"
BUILTIN_PASSAGES = "built-in benchmark: passages"
UPLOAD = "upload a BEIR zip"
ANSWER_OUTPUTS = 8  # what a new question changes: the outputs before the filter controls


def build_app(assistant: Assistant, gate: EditorGate | None = None) -> gr.Blocks:
    """The Blocks of the app, wired to one Assistant; the Ingest tab only when `gate` is on."""
    gate = gate or EditorGate(assistant.settings.editor_password)
    configure_gradio(assistant.settings)  # before any component: each reads it when made
    language = assistant.settings.ui_language  # the fixed texts; answers follow each question
    u = ui(language)

    files = DocumentFiles(assistant.store, lambda: assistant.retriever.snapshot.revision)
    exports = answer_export.ExportedAnswers()

    def answer_turn(message: str | None, history: list[dict[str, Any]] | None,
                    turns: dict[int, dict[str, Any]] | None, state: chat.ChipState | None,
                    values: tuple[list[str], ...]) -> tuple[Any, ...]:
        """Answer `message`, or with None ask the last question again (chips or filters
        changed) in place of its answer. `turns` remembers, per answer message, what was
        asked, searched and shown: the conversation for follow-ups, the context of votes."""
        history, turns, state = list(history or []), dict(turns or {}), state or chat.ChipState()
        earlier = chat.conversation(turns)
        if message is None:
            if not turns:
                return (gr.update(),) * 9 + tuple(values)
            last = max(turns)
            message, earlier = turns.pop(last)["query"], earlier[:-1]
            del history[last:]
        else:
            state = chat.for_message(state, message, earlier)
            history.append({"role": "user", "content": escape_markdown(message)})
        try:
            filters = chat.filters_of(values)
            answer = assistant.ask(message, filters, history=earlier,
                                   removed_chips=state.removed_from_question)
        except Exception as err:  # the user gets a sentence, the log gets the trace
            if not isinstance(err, ToolboxError):
                log.exception("answering failed")
            history.append({"role": "assistant", "content": escape_markdown(str(err))
                            if isinstance(err, ToolboxError) else u["failed"]})
            return (history, "", "", "", turns, gr.update(choices=[], value=None),
                    gr.update(choices=[], value=[]), state, *values)
        history.append({"role": "assistant", "content": answer_markdown(answer)})
        turns[len(history) - 1] = {"query": message, "search": answer.search_query or message,
                                   "filters": filters, "shown": [r.tool.id for r in answer.tools]}
        state = chat.shown(filters, answer.chips, state)
        text = texts(answer.language)
        choices = [(f"{rank}. {r.tool.name}", r.tool.id)
                   for rank, r in enumerate(answer.tools, start=1)]
        return (history, tools_html(answer, filters, files.url, exports.add(answer, filters)),
                passages_html(answer, files.url), "", turns,
                gr.update(choices=choices, value=choices[0][1] if choices else None,
                          label=text["rate"]),
                gr.update(choices=chat.choices(state, answer.language), value=list(state.active),
                          label=text["chips"]),
                state, *chat.filter_values(filters))

    def respond(message: str, history: list[dict[str, Any]] | None,
                turns: dict[int, dict[str, Any]] | None, state: chat.ChipState | None,
                *values: list[str]) -> tuple[Any, ...]:
        # A new question leaves the filter controls as they are: not sending them back saves
        # six outputs' processing per answer in gradio.
        return answer_turn(message or "", history, turns, state, values)[:ANSWER_OUTPUTS]

    def change_chips(selected: list[str] | None, history: list[dict[str, Any]] | None,
                     turns: dict[int, dict[str, Any]] | None, state: chat.ChipState | None,
                     *values: list[str]) -> tuple[Any, ...]:
        """A chip removed or put back: adjust the filters and ask the last question again."""
        filters, state = chat.change(state or chat.ChipState(), selected or [],
                                     chat.filters_of(values))
        return answer_turn(None, history, turns, state, chat.filter_values(filters))

    def change_filters(history: list[dict[str, Any]] | None,
                       turns: dict[int, dict[str, Any]] | None, state: chat.ChipState | None,
                       *values: list[str]) -> tuple[Any, ...]:
        return answer_turn(None, history, turns, state, values)

    def vote_answer(data: gr.LikeData, turns: dict[int, dict[str, Any]] | None) -> str:
        index = data.index if isinstance(data.index, int) else data.index[0]
        turn = (turns or {}).get(index)
        if turn is None:
            return u["only_answers"]
        return _store_vote(turn, ANSWER, 1 if data.liked is True else -1)

    def vote_tool(tool_id: str | None, turns: dict[int, dict[str, Any]] | None,
                  vote: int) -> str:
        if not turns or not tool_id:
            return u["ask_first"]
        return _store_vote(turns[max(turns)], tool_id, vote)

    def _store_vote(turn: dict[str, Any], target: str, vote: int) -> str:
        try:
            assistant.record_feedback(turn["query"], turn["filters"], turn["shown"], target,
                                      vote)
        except ToolboxError as err:
            return escape_markdown(str(err))
        what = u["the_answer"] if target == ANSWER else u["tool"].format(id=target)
        return u["thanks"].format(vote="👍" if vote > 0 else "👎", what=escape_markdown(what))

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
    with gr.Blocks(title="Resilience Toolbox Assistant", analytics_enabled=False,
                   delete_cache=(600, auth.UPLOAD_SECONDS)) as blocks:  # uploads, results
        gr.Markdown(u["intro"])
        turns, chip_state = gr.State({}), gr.State(chat.ChipState())
        with gr.Tab(u["tab_ask"]), gr.Row():
            with gr.Column(scale=3):
                # Thumbs up/down on each answer are the Chatbot's default feedback options.
                chatbot = gr.Chatbot(label="Chat", height=420, elem_id="chat")
                question = gr.Textbox(label=u["question"], placeholder=u["placeholder"],
                                      elem_id="question", lines=1)
                with gr.Row():
                    send = gr.Button(u["ask"], variant="primary", elem_id="ask")
                    clear = gr.Button(u["new"])
                chips = gr.Dropdown([], value=[], multiselect=True, elem_id="chips",
                                    label=TEXTS[language]["chips"])
                gr.Examples(EXAMPLES, inputs=question, label=u["examples"])
                with gr.Accordion(u["filters"], open=False, elem_id="filters"):
                    filter_boxes = [
                        gr.Dropdown([(value_label(v, language), v) for v in values],
                                    multiselect=True, label=FIELDS[language][name],
                                    elem_id=f"filter-{name}")
                        for name, values in (("hazards", HAZARDS), ("phases", PHASES),
                                             ("scales", SCALES), ("languages", LANGUAGES),
                                             ("kinds", KINDS), ("costs", COSTS))]
                with gr.Accordion(funding_title(language), open=False, elem_id="funding"):
                    filter_boxes += [gr.Dropdown(c, multiselect=m, label=lb, elem_id=f"funding-{f}")
                                     for f, lb, c, m in funding_controls(language)]
            with gr.Column(scale=4):
                tools = gr.HTML(elem_id="tools")
                with gr.Row():
                    tool_choice = gr.Dropdown([], label=TEXTS[language]["rate"], scale=3)
                    tool_up = gr.Button(u["fits"], scale=1, min_width=60)
                    tool_down = gr.Button(u["does_not_fit"], scale=1, min_width=60)
                thanks = gr.Markdown(elem_id="feedback-status")
                sources = gr.HTML(elem_id="sources")
        with gr.Tab(u["tab_browse"], elem_id="browse-tab") as browse_tab:
            blocks.browse = _browse_tab(assistant, browse_tab)
        with gr.Tab(u["tab_evaluate"]):
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
        context = [chatbot, turns, chip_state, *filter_boxes]
        outputs = [chatbot, tools, sources, question, turns, tool_choice, chips, chip_state,
                   *filter_boxes]
        send.click(respond, [question, *context], outputs[:ANSWER_OUTPUTS], api_name="ask")
        question.submit(respond, [question, *context], outputs[:ANSWER_OUTPUTS],
                        api_visibility="private")
        chips.input(change_chips, [chips, *context], outputs, api_visibility="private")
        gr.on([box.input for box in filter_boxes], change_filters, context, outputs,
              api_visibility="private")
        clear.click(lambda: ([], "", "", "", {}, gr.update(choices=[], value=None),
                             gr.update(choices=[], value=[]), chat.ChipState(), *chat.cleared()),
                    None, outputs, api_visibility="private")
        chatbot.like(vote_answer, [turns], [thanks], api_visibility="private")
        tool_up.click(lambda t, s: vote_tool(t, s, 1), [tool_choice, turns], [thanks],
                      api_visibility="private")
        tool_down.click(lambda t, s: vote_tool(t, s, -1), [tool_choice, turns], [thanks],
                        api_visibility="private")
        evaluate.click(run_evaluation, [dataset, upload, chosen],
                       [summary, table, plot, downloads], api_name="evaluate")
        if gate.enabled:
            with gr.Tab(u["tab_ingest"]):
                blocks.editor = _editor_tab(assistant, gate)
    # The handlers, for tests; beside gradio's routes, the cited PDFs and answers' Markdown.
    vars(blocks).update(respond=respond, change_chips=change_chips, vote_answer=vote_answer,
                        vote_tool=vote_tool, run_evaluation=run_evaluation, toolbox_theme=theme,
                        app_routes=[*routes(files), *answer_export.routes(exports)])
    return blocks


def _browse_tab(assistant: Assistant, tab: gr.Tab) -> dict[str, Any]:
    """The toolbox as hazards x phases; a click on a cell lists its tools (assistant/browse.py)."""
    language = assistant.settings.ui_language
    u = ui(language)

    def view(search: str) -> tuple[Any, str]:
        matrix = browse.matrix(assistant.retriever.snapshot.tools.values(), search or "")
        return (gr.update(value=matrix_rows(matrix), headers=matrix_headers(matrix, language)),
                u["browse_status"].format(count=matrix.total))

    def pick(search: str, event: gr.SelectData) -> str:
        hazard, phase = browse.at(*event.index)
        return tool_list_html(browse.cell(assistant.retriever.snapshot.tools.values(), hazard,
                                          phase, search or ""), hazard, phase, language)

    search = gr.Textbox(label=u["browse_search"], elem_id="browse-search")
    status = gr.Markdown(elem_id="browse-status")
    first = browse.matrix(assistant.retriever.snapshot.tools.values())
    grid = gr.Dataframe(matrix_rows(first), headers=matrix_headers(first, language),
                        interactive=False, elem_id="matrix", wrap=True)
    listing = gr.HTML(elem_id="cell-tools")
    search.change(view, [search], [grid, status], api_visibility="private")
    # the toolbox may have changed since the tab was last shown
    tab.select(view, [search], [grid, status], api_visibility="private")
    grid.select(pick, [search], [listing], api_visibility="private")
    return {"view": view, "pick": pick, "grid": grid, "status": status, "search": search}


def _editor_tab(assistant: Assistant, gate: EditorGate) -> dict[str, Any]:
    """Login, upload with a per-file report, and the knowledge-base status; every handler
    checks the session on the server (assistant/editor.py), whoever calls it."""
    u = ui(assistant.settings.ui_language)
    proxies = auth.trusted_networks(assistant.settings.trusted_proxies)

    def status_view() -> tuple[str, list[list[object]]]:
        status = assistant.status()
        return html.escape(status.summary()), status_rows(status)

    def login(password: str, request: gr.Request) -> tuple[Any, Any, str, str, Any, Any]:
        try:
            token = gate.login(request.session_hash, password,
                               auth.client_of_request(request, proxies))
            if token is None:
                return gr.update(), gr.update(), u["wrong_password"], "", gr.update(), ""
        except TooManyLogins as err:
            return gr.update(), gr.update(), u["locked"].format(seconds=err.wait_seconds), "", \
                gr.update(), ""
        summary, rows = status_view()
        return gr.update(visible=False), gr.update(visible=True), "", summary, rows, token

    def ingest(files: list[str] | None, supersedes: str, token: str, request: gr.Request,
               progress: gr.Progress = gr.Progress()) -> tuple[list[list[object]], str, str, Any]:
        try:
            gate.require(request.session_hash, token)
        except NotAnEditor:
            raise gr.Error(u["login_required"]) from None
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

    def refresh(token: str, request: gr.Request) -> tuple[str, list[list[object]]]:
        try:
            gate.require(request.session_hash, token)
        except NotAnEditor:
            raise gr.Error(u["login_required"]) from None
        return status_view()

    # The login's token travels with each call (a gr.State is filled for any holder of the id).
    token = gr.Textbox(visible=False, elem_id="editor-token")
    with gr.Column(visible=True) as login_box:
        password = gr.Textbox(label=u["password"], type="password", elem_id="editor-pw")
        login_button = gr.Button(u["log_in"], variant="primary")
        login_message = gr.Markdown()
    with gr.Column(visible=False) as editor_box:
        files = gr.File(label=u["files"], file_count="multiple", type="filepath",
                        elem_id="editor-files",
                        file_types=sorted(DOCUMENT_SUFFIXES | TOOL_SUFFIXES))
        supersedes = gr.Textbox(label=u["supersedes"])
        ingest_button = gr.Button(u["ingest"], variant="primary")
        report = gr.Dataframe(headers=REPORT_HEADERS, label=u["report"], interactive=False)
        summary = gr.Markdown()
        gr.Markdown(u["knowledge_base"])
        status_text = gr.Markdown()
        status_table = gr.Dataframe(headers=STATUS_HEADERS, interactive=False, wrap=True)
        refresh_button = gr.Button(u["refresh"])
    login_button.click(login, [password], [login_box, editor_box, login_message, status_text,
                                           status_table, token], api_name="editor_login")
    ingest_button.click(ingest, [files, supersedes, token],
                        [report, summary, status_text, status_table], api_name="editor_ingest")
    refresh_button.click(refresh, [token], [status_text, status_table], api_name="editor_status")
    return {"login": login, "ingest": ingest, "refresh": refresh}


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    blocks = build_app(startup.load(settings))
    blocks.queue(default_concurrency_limit=4)
    theme, app_routes = blocks.toolbox_theme, blocks.app_routes  # type: ignore[attr-defined]
    blocks.launch(server_name=host or settings.host, server_port=port or settings.port,
                  share=False, show_error=False, theme=theme, css=CSS, footer_links=[],
                  **launch_options(settings, app_routes))


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Resilience Toolbox Assistant app.")
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 7860)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    serve(Settings.from_env(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
