"""The Gradio app: a chat that answers with ranked tools and the passages behind them (removable
filter chips, a Markdown export, thumbs up/down), a Browse tab (hazards x phases), an Evaluate
tab that benchmarks retrievers, the cited PDFs at /documents/<id>.pdf and the answers' Markdown
at /exports/<token>.md.

UI only: every answer, vote and evaluation goes through `assistant.service.Assistant`. All
text that comes from the knowledge base or the user is escaped before it is shown; only http(s)
links from tool records become links. `python app.py` serves on 127.0.0.1:7860 by default.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from ingest.core.settings import Settings, configure_gradio, configure_offline

configure_offline()

import gradio as gr  # noqa: E402  (after the offline switch)

from assistant.answer.labels import ui  # noqa: E402
from assistant.evaluation.evaluate import DEFAULT_RETRIEVERS, VARIANTS  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from assistant.web import auth, browse, handlers, startup  # noqa: E402
from assistant.web import chips as chat  # noqa: E402
from assistant.web import export as answer_export  # noqa: E402
from assistant.web.auth import launch_options  # noqa: E402
from assistant.web.documents import DocumentFiles, routes  # noqa: E402
from assistant.web.editor import (  # noqa: E402
    REPORT_HEADERS,
    STATUS_HEADERS,
    EditorGate,
    editor_ingest,
    editor_status,
    log_in,
)
from assistant.web.handlers import (  # noqa: E402
    BUILTIN_PASSAGES,
    BUILTIN_TOOLS,
    UPLOAD,
    AnswerView,
    AskTexts,
    Links,
    Turns,
)
from assistant.web.page_texts import PageTexts  # noqa: E402
from assistant.web.present import CSS  # noqa: E402
from ingest.core.errors import NotAnEditor, ToolboxError  # noqa: E402
from ingest.parse.dispatch import DOCUMENT_SUFFIXES, TOOL_SUFFIXES  # noqa: E402

__all__ = ["BUILTIN_PASSAGES", "BUILTIN_TOOLS", "UPLOAD", "build_app", "main", "serve"]
log = logging.getLogger("toolbox.app")

ANSWER_OUTPUTS = 15  # what a new question changes: the outputs before the filter controls


def _answer_updates(view: AnswerView) -> tuple[Any, ...]:
    """An AnswerView as the updates of the Ask tab's outputs, in `build_app`'s order."""
    t = view.texts
    if not view.changed:
        return (gr.update(),) * ANSWER_OUTPUTS + view.filter_values
    return (view.history, view.tools_html, view.sources_html,
            gr.update(value="", label=t.question, placeholder=t.placeholder), view.turns,
            gr.update(choices=view.tool_choices,
                      value=view.tool_choices[0][1] if view.tool_choices else None,
                      label=t.rate),
            gr.update(choices=view.chip_choices, value=view.chip_values, label=t.chips),
            view.chip_state, *_language_updates(t), t.language, *view.filter_values)


def _language_updates(t: AskTexts) -> tuple[Any, ...]:
    """The buttons and the filter accordion in the question's language."""
    return (gr.update(value=t.ask), gr.update(value=t.new), gr.update(value=t.fits),
            gr.update(value=t.does_not_fit), gr.update(label=t.filters),
            gr.update(label=t.examples, samples=t.example_rows))


def _page_updates(p: PageTexts, rows: list[list[Any]] | None, *values: Any) -> tuple[Any, ...]:
    """The page outside the answer relabelled in `p`'s language; `values` (the filter
    controls') stay selected (language-neutral ids), so do the Evaluate table's `rows`."""
    e, rows = p.evaluate, [r for r in rows or [] if any(c not in ("", None) for c in r)]
    return (p.intro, *(gr.update(label=name) for name in p.tabs),
            *(gr.update(label=p.funding),) * 2,  # the Ask tab's Funding accordion and Browse's
            *(gr.update(label=c.label, choices=c.choices, value=v)  # Ask's, then Browse's
              for c, v in zip(p.filters + p.filters[len(chat.FIELDS):], values, strict=True)),
            gr.update(label=p.browse_search, placeholder=p.browse_placeholder), e["intro"],
            gr.update(label=e["dataset"], choices=p.datasets), gr.update(label=e["upload_box"]),
            gr.update(label=e["retrievers"]), gr.update(value=e["run"]),
            gr.update(label=e["results"], value={"headers": p.table_headers, "data": rows}),
            gr.update(label=e["downloads"]))


def build_app(assistant: Assistant, gate: EditorGate | None = None) -> gr.Blocks:
    """The Blocks of the app, wired to one Assistant; the Ingest tab only when `gate` is on."""
    gate = gate or EditorGate(assistant.settings.editor_password)
    configure_gradio(assistant.settings)  # before any component: each reads it when made
    language = assistant.settings.ui_language  # the first screen; then each question's
    first, page = AskTexts.of(language), PageTexts.of(language)

    files = DocumentFiles(assistant.store, lambda: assistant.retriever.snapshot.revision)
    exports = answer_export.ExportedAnswers()
    links = Links(files.url, exports.add)

    def turn(message: str | None, history: handlers.History | None, turns: Turns | None,
             state: chat.ChipState | None, values: tuple[list[str], ...]) -> tuple[Any, ...]:
        view = handlers.answer_turn(assistant, links, message, history, turns, state, values,
                                    handlers.page_language(turns, language))
        return _answer_updates(view)

    def respond(message: str, history: handlers.History | None, turns: Turns | None,
                state: chat.ChipState | None, *values: list[str]) -> tuple[Any, ...]:
        # A new question leaves the filter controls as they are: not sending them back saves
        # six outputs' processing per answer in gradio.
        return turn(message or "", history, turns, state, values)[:ANSWER_OUTPUTS]

    def change_chips(selected: list[str] | None, history: handlers.History | None,
                     turns: Turns | None, state: chat.ChipState | None,
                     *values: list[str]) -> tuple[Any, ...]:
        """A chip removed or put back: adjust the filters and ask the last question again."""
        filters, state = chat.change(state or chat.ChipState(), selected or [],
                                     chat.filters_of(values))
        return turn(None, history, turns, state, chat.filter_values(filters))

    def change_filters(history: handlers.History | None, turns: Turns | None,
                       state: chat.ChipState | None, *values: list[str]) -> tuple[Any, ...]:
        return turn(None, history, turns, state, values)

    def vote_answer(data: gr.LikeData, turns: Turns | None) -> str:
        index = data.index if isinstance(data.index, int) else data.index[0]
        return handlers.vote_answer(assistant, index, data.liked is True, turns, language)

    def vote_tool(tool_id: str | None, turns: Turns | None, vote: int) -> str:
        return handlers.vote_tool(assistant, tool_id, turns, vote, language)

    def run_evaluation(choice: str, upload: str | None, retrievers: list[str],
                       shown_in: str | None = None, progress: gr.Progress = gr.Progress()
                       ) -> tuple[str, list[list[Any]], str | None, list[str]]:
        """Run the Evaluate tab's benchmark; returns status, table rows, plot, downloads."""
        def tick(stage: str, done: int, total: int) -> None:
            progress(done / max(1, total), desc=stage)

        view = handlers.run_evaluation(assistant, choice, upload, retrievers, tick,
                                       shown_in or language)
        return view.summary, view.rows, view.plot, view.downloads

    def evaluate_page(choice: str, upload: str | None, retrievers: list[str], shown_in: str,
                      progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        out = run_evaluation(choice, upload, retrievers, shown_in, progress)
        return out[0], gr.update(value=out[1], headers=PageTexts.of(shown_in).table_headers), \
            *out[2:]

    theme = gr.themes.Default(font=["system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    with gr.Blocks(title="Resilience Toolbox Assistant", analytics_enabled=False,
                   delete_cache=(600, auth.UPLOAD_SECONDS)) as blocks:  # uploads, results
        intro = gr.Markdown(page.intro)
        turns, chip_state = gr.State({}), gr.State(chat.ChipState())
        shown_in = gr.State(language)  # the page's language: the setting's, then the question's
        with gr.Tab(page.tabs[0]) as ask_tab, gr.Row():
            with gr.Column(scale=3):
                # No label: a floating "Chat" label covered the first line of a scrolled answer.
                # Thumbs up/down on each answer are the Chatbot's default feedback options.
                chatbot = gr.Chatbot(show_label=False, height=420, elem_id="chat")
                question = gr.Textbox(label=first.question, placeholder=first.placeholder,
                                      elem_id="question", lines=1)
                with gr.Row():
                    send = gr.Button(first.ask, variant="primary", elem_id="ask")
                    clear = gr.Button(first.new, elem_id="new")
                chips = gr.Dropdown([], value=[], multiselect=True, elem_id="chips",
                                    label=first.chips)
                examples = gr.Examples(first.example_rows, inputs=question, label=first.examples)
                with gr.Accordion(first.filters, open=False, elem_id="filters") as filter_box:
                    filter_boxes = [_dropdown(c) for c in page.filters[:len(chat.FIELDS)]]
                with gr.Accordion(page.funding, open=False, elem_id="funding") as funding_box:
                    filter_boxes += [_dropdown(c) for c in page.filters[len(chat.FIELDS):]]
            with gr.Column(scale=4):
                tools = gr.HTML(elem_id="tools")
                with gr.Row():
                    tool_choice = gr.Dropdown([], label=first.rate, scale=3)
                    tool_up = gr.Button(first.fits, scale=1, min_width=60, elem_id="fits")
                    tool_down = gr.Button(first.does_not_fit, scale=1, min_width=60,
                                          elem_id="does-not-fit")
                thanks = gr.Markdown(elem_id="feedback-status")
                sources = gr.HTML(elem_id="sources")
        with gr.Tab(page.tabs[1], elem_id="browse-tab") as browse_tab:
            blocks.browse = _browse_tab(assistant, browse_tab, shown_in)
        with gr.Tab(page.tabs[2]) as evaluate_tab:
            evaluation = _evaluate_tab(evaluate_page, page, shown_in)
        context = [chatbot, turns, chip_state, *filter_boxes]
        outputs = [chatbot, tools, sources, question, turns, tool_choice, chips, chip_state,
                   send, clear, tool_up, tool_down, filter_box, examples.dataset, shown_in,
                   *filter_boxes]
        send.click(respond, [question, *context], outputs[:ANSWER_OUTPUTS], api_name="ask")
        question.submit(respond, [question, *context], outputs[:ANSWER_OUTPUTS],
                        api_visibility="private")
        chips.input(change_chips, [chips, *context], outputs, api_visibility="private")
        gr.on([box.input for box in filter_boxes], change_filters, context, outputs,
              api_visibility="private")
        clear.click(lambda: ([], "", "", "", {}, gr.update(choices=[], value=None),
                             gr.update(choices=[], value=[]), chat.ChipState(),
                             *_language_updates(first), language, *chat.cleared()),
                    None, outputs, api_visibility="private")
        chatbot.like(vote_answer, [turns], [thanks], api_visibility="private")
        tool_up.click(lambda t, s: vote_tool(t, s, 1), [tool_choice, turns], [thanks],
                      api_visibility="private")
        tool_down.click(lambda t, s: vote_tool(t, s, -1), [tool_choice, turns], [thanks],
                        api_visibility="private")
        # A question in the other language relabels the rest of the page, Browse's view too (a
        # State's change fires only when its value changes).
        browse = blocks.browse
        shown_in.change(lambda lang, *values: _page_updates(PageTexts.of(lang), *values),
                        [shown_in, evaluation["relabelled"][5], *filter_boxes,
                         *browse["funding"]],
                        [intro, ask_tab, browse_tab, evaluate_tab, funding_box,
                         browse["funding_box"], *filter_boxes,
                         *browse["funding"], browse["search"], *evaluation["relabelled"]],
                        api_visibility="private")
        shown_in.change(browse["view_all"],
                        [browse["search"], browse["picked"], shown_in, *browse["funding"]],
                        [browse["grid"], browse["status"], browse["listing"]],
                        api_visibility="private")
        if gate.enabled:
            with gr.Tab(ui(language)["tab_ingest"]):
                blocks.editor = _editor_tab(assistant, gate)
    # The handlers, for tests; beside gradio's routes, the cited PDFs and answers' Markdown.
    vars(blocks).update(respond=respond, change_chips=change_chips, vote_answer=vote_answer,
                        vote_tool=vote_tool, run_evaluation=run_evaluation, toolbox_theme=theme,
                        evaluation=evaluation,
                        app_routes=[*routes(files), *answer_export.routes(exports)])
    return blocks


_NO_FUNDING: tuple[Any, ...] = ([], [], [], [], "")  # the five funding controls, left empty


def _dropdown(control: Any, prefix: str = "") -> gr.Dropdown:
    # explicit empty values: a caller of the API that leaves them out must not get a
    # dropdown's first choice (a 50 % minimum rate) as a filter
    return gr.Dropdown(control.choices, value=[] if control.multiselect else "",
                       multiselect=control.multiselect, label=control.label,
                       elem_id=prefix + control.elem_id)


def _evaluate_tab(run: Any, page: PageTexts, shown_in: gr.State) -> dict[str, Any]:
    """Benchmark the retrievers; the upload box shows only when an upload is chosen."""
    e = page.evaluate
    intro = gr.Markdown(e["intro"])
    with gr.Row():
        dataset = gr.Radio(page.datasets, value=BUILTIN_TOOLS, label=e["dataset"],
                           elem_id="eval-dataset")
        upload = gr.File(label=e["upload_box"], file_types=[".zip"], type="filepath",
                         visible=False, elem_id="eval-upload")
    chosen = gr.CheckboxGroup(list(VARIANTS), value=list(DEFAULT_RETRIEVERS),
                              label=e["retrievers"], elem_id="eval-retrievers")
    evaluate = gr.Button(e["run"], variant="primary", elem_id="eval-run")
    summary = gr.Markdown(elem_id="eval-summary")
    table = gr.Dataframe(headers=page.table_headers, interactive=False, elem_id="eval-table",
                         label=e["results"], type="array")
    # The plot's own title says what it is: a floating label covered the first subplot's title.
    plot = gr.Image(type="filepath", show_label=False, elem_id="eval-plot")
    downloads = gr.File(label=e["downloads"], file_count="multiple", elem_id="eval-downloads")
    dataset.change(lambda choice: gr.update(visible=choice == UPLOAD), [dataset], [upload],
                   api_visibility="private")
    # one progress bar, on the summary, rather than one over every output
    evaluate.click(run, [dataset, upload, chosen, shown_in], [summary, table, plot, downloads],
                   api_name="evaluate", show_progress_on=[summary])
    return {"dataset": dataset, "upload": upload,
            "relabelled": [intro, dataset, upload, chosen, evaluate, table, downloads]}


def _browse_tab(assistant: Assistant, tab: gr.Tab, shown_in: gr.State) -> dict[str, Any]:
    """The toolbox as hazards x phases; a click on a cell lists its tools, and the list follows
    the search box as the matrix does (assistant/web/handlers.py), in the page's language."""
    setting = assistant.settings.ui_language
    page = PageTexts.of(setting)

    def tools() -> list[Any]:
        return list(assistant.retriever.snapshot.tools.values())

    def view(search: str, picked: handlers.Cell = None, language: str | None = None,
             *funding: Any) -> tuple[Any, ...]:
        shown = handlers.browse_view(tools(), search or "", picked, language or setting,
                                     chat.funding_of(funding))
        return (gr.update(value=shown.rows, headers=shown.headers), shown.status, shown.listing)

    def pick(search: str, language: str | None, applicants: Any, lands: Any,
             funding_types: Any, budget_bands: Any, min_rate: Any, event: gr.SelectData
             ) -> tuple[str, handlers.Cell]:
        # named: gradio finds the SelectData parameter by its annotation, not behind *args
        picked = browse.at(*event.index)
        funding = chat.funding_of((applicants, lands, funding_types, budget_bands, min_rate))
        return handlers.browse_listing(tools(), search or "", picked, language or setting,
                                       funding), picked

    search = gr.Textbox(label=page.browse_search, placeholder=page.browse_placeholder,
                        elem_id="browse-search")
    with gr.Accordion(page.funding, open=False, elem_id="browse-funding") as funding_box:
        funding = [_dropdown(c, "browse-") for c in page.filters[len(chat.FIELDS):]]
    status = gr.Markdown(elem_id="browse-status")
    first = handlers.browse_view(tools(), "", None, setting)
    grid = gr.Dataframe(first.rows, headers=first.headers, interactive=False, elem_id="matrix",
                        wrap=True)
    listing = gr.HTML(elem_id="cell-tools")
    picked = gr.State(None)
    controls: list[gr.Textbox | gr.Dropdown] = [search, *funding]
    for control in controls:
        control.change(view, [search, picked, shown_in, *funding], [grid, status, listing],
                       api_visibility="private")
    # the toolbox may have changed since the tab was last shown
    tab.select(view, [search, picked, shown_in, *funding], [grid, status, listing],
               api_visibility="private")
    grid.select(pick, [search, shown_in, *funding], [listing, picked], api_visibility="private")
    return {"view": lambda s, c=None, lang=None: view(s, c, lang)[:2],  # (for tests)
            "pick": lambda s, e, *f, lang=None: pick(  # type: ignore[call-arg]  # f: the five
                s, lang, *(f or _NO_FUNDING), e)[0],
            "view_all": view, "grid": grid, "status": status, "search": search, "picked": picked,
            "listing": listing, "funding": funding, "funding_box": funding_box}


def _editor_tab(assistant: Assistant, gate: EditorGate) -> dict[str, Any]:
    """Login, upload with a per-file report, and the knowledge-base status; every handler
    checks the session on the server (assistant/web/editor.py), whoever calls it."""
    u = ui(assistant.settings.ui_language)
    proxies = auth.trusted_networks(assistant.settings.trusted_proxies)

    def login(password: str, request: gr.Request) -> tuple[Any, Any, str, str, Any, Any]:
        view = log_in(assistant, gate, request.session_hash, password,
                      auth.client_of_request(request, proxies), u)
        if not view.token:
            return gr.update(), gr.update(), view.message, "", gr.update(), ""
        return (gr.update(visible=False), gr.update(visible=True), "", view.summary, view.rows,
                view.token)

    def ingest(files: list[str] | None, supersedes: str, token: str, request: gr.Request,
               progress: gr.Progress = gr.Progress()) -> tuple[list[list[object]], str, str, Any]:
        try:
            view = editor_ingest(assistant, gate, request.session_hash, token,
                                 list(files or []), supersedes or "",
                                 lambda done, desc: progress(done, desc=desc))
        except NotAnEditor:
            raise gr.Error(u["login_required"]) from None
        except ToolboxError as err:
            raise gr.Error(str(err)) from None
        return view.rows, view.summary, view.status_summary, view.status_rows

    def refresh(token: str, request: gr.Request) -> tuple[str, list[list[object]]]:
        try:
            gate.require(request.session_hash, token)
        except NotAnEditor:
            raise gr.Error(u["login_required"]) from None
        return editor_status(assistant)

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
