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
import re
import tempfile
from pathlib import Path
from typing import Any

from ingest.settings import Settings, configure_offline

configure_offline()

import gradio as gr  # noqa: E402  (after the offline switch)

from assistant import report, workbench  # noqa: E402
from assistant.answer import Answer  # noqa: E402
from assistant.evaluate import DEFAULT_RETRIEVERS, VARIANTS  # noqa: E402
from assistant.feedback import ANSWER  # noqa: E402
from assistant.filters import Filters  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from ingest.errors import ToolboxError  # noqa: E402
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
    # The handlers, for tests.
    blocks.respond = respond  # type: ignore[attr-defined]
    blocks.vote_answer = vote_answer  # type: ignore[attr-defined]
    blocks.vote_tool = vote_tool  # type: ignore[attr-defined]
    blocks.run_evaluation = run_evaluation  # type: ignore[attr-defined]
    blocks.toolbox_theme = theme  # type: ignore[attr-defined]
    return blocks


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    assistant = Assistant(settings)
    report = assistant.ensure_index(progress=True)
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
