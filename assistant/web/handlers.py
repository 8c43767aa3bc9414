"""What the app's events do, as plain functions with named results (no gradio here).

app.py lays out the components and turns these results into component updates; a test can call
these functions directly. The Ask tab's texts follow the language of the last question asked
(`AskTexts`); TOOLBOX_UI_LANGUAGE only chooses the first screen's.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer.labels import examples, texts, ui
from assistant.evaluation import report
from assistant.evaluation import run as workbench
from assistant.evaluation.feedback import ANSWER
from assistant.query.funding_filter import FundingFilter
from assistant.service import Assistant
from assistant.web import browse
from assistant.web import chips as chat
from assistant.web.page_texts import BUILTIN_PASSAGES, BUILTIN_TOOLS, UPLOAD, evaluate_texts
from assistant.web.present import (
    DocUrl,
    answer_markdown,
    escape_markdown,
    matrix_headers,
    matrix_rows,
    passages_html,
    tool_list_html,
    tools_html,
)
from ingest.core.errors import ToolboxError
from ingest.core.records import Tool

__all__ = ["BUILTIN_TOOLS", "BUILTIN_PASSAGES", "UPLOAD", "Turns", "History", "AskTexts",
           "AnswerView", "Links", "answer_turn", "page_language", "vote_answer", "vote_tool",
           "EvaluationView", "run_evaluation", "BrowseView", "Cell", "browse_view",
           "browse_listing"]

log = logging.getLogger("toolbox.app")

Turns = dict[int, dict[str, Any]]  # per answer message: what was asked, searched and shown
History = list[dict[str, Any]]  # the chat's messages, as gradio's "messages" format


@dataclass(frozen=True)
class AskTexts:
    """The Ask tab's labels in one language (buttons, placeholder, chips, rating)."""

    language: str
    question: str
    placeholder: str
    ask: str
    new: str
    filters: str
    fits: str
    does_not_fit: str
    rate: str
    chips: str
    examples: str
    example_questions: tuple[str, ...]

    @classmethod
    def of(cls, language: str) -> AskTexts:
        u, t = ui(language), texts(language)
        return cls(language, u["question"], u["placeholder"], u["ask"], u["new"], u["filters"],
                   u["fits"], u["does_not_fit"], t["rate"], t["chips"], u["examples"],
                   examples(language))

    @property
    def example_rows(self) -> list[list[str]]:
        """The example questions as the rows of gr.Examples (one input each)."""
        return [[q] for q in self.example_questions]


@dataclass(frozen=True)
class AnswerView:
    """The Ask tab after a turn: the chat, the cards and sources, and the state to keep."""

    history: History
    tools_html: str
    sources_html: str
    turns: Turns
    tool_choices: list[tuple[str, str]]
    chip_choices: list[tuple[str, str]]
    chip_state: chat.ChipState
    filter_values: tuple[Any, ...]  # the filter controls, in chat.FIELDS + FUNDING_FIELDS order
    texts: AskTexts
    changed: bool = True  # False: there was no question to ask again, nothing changed

    @property
    def chip_values(self) -> list[str]:
        return list(self.chip_state.active)


@dataclass(frozen=True)
class Links:
    """Where the page links to: a cited document's PDF, and an answer's Markdown export."""

    doc_url: DocUrl
    export: Callable[..., str | None] = field(default=lambda answer, filters: None)


def answer_turn(assistant: Assistant, links: Links, message: str | None, history: History | None,
                turns: Turns | None, state: chat.ChipState | None,
                controls: Sequence[Any], language: str) -> AnswerView:
    """Answer `message`, or with None ask the last question again (chips or filters changed) in
    place of its answer. `controls` are the filter controls' values (chat.FIELDS, then
    chat.FUNDING_FIELDS order: lists, and the minimum rate as text or None);
    `language` is the page's language before this turn."""
    values = tuple(list(v) if isinstance(v, (list, tuple)) else v for v in controls)
    history, turns, state = list(history or []), dict(turns or {}), state or chat.ChipState()
    earlier = chat.conversation(turns)
    if message is None:
        if not turns:
            return AnswerView(history, "", "", turns, [], [], state, values,
                              AskTexts.of(language), changed=False)
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
                        if isinstance(err, ToolboxError) else ui(language)["failed"]})
        return AnswerView(history, "", "", turns, [], [], state, values, AskTexts.of(language))
    history.append({"role": "assistant", "content": answer_markdown(answer)})
    turns[len(history) - 1] = {"query": message, "search": answer.search_query or message,
                               "filters": filters, "shown": [r.tool.id for r in answer.tools],
                               "language": answer.language}
    state = chat.shown(filters, answer.chips, state)
    choices = [(f"{rank}. {r.tool.name}", r.tool.id)
               for rank, r in enumerate(answer.tools, start=1)]
    return AnswerView(history, tools_html(answer, filters, links.doc_url,
                                          links.export(answer, filters)),
                      passages_html(answer, links.doc_url), turns, choices,
                      chat.choices(state, answer.language), state, chat.filter_values(filters),
                      AskTexts.of(answer.language))


def page_language(turns: Turns | None, default: str) -> str:
    """The language of the last answer shown, else the setting's."""
    return turns[max(turns)].get("language", default) if turns else default


def vote_answer(assistant: Assistant, index: int, liked: bool, turns: Turns | None,
                default_language: str) -> str:
    """A thumbs up or down on the answer message at `index` of the chat."""
    language = page_language(turns, default_language)
    turn = (turns or {}).get(index)
    if turn is None:
        return ui(language)["only_answers"]
    return _store_vote(assistant, turn, ANSWER, 1 if liked else -1, language)


def vote_tool(assistant: Assistant, tool_id: str | None, turns: Turns | None, vote: int,
              default_language: str) -> str:
    """A thumbs up (+1) or down (-1) on one tool of the last answer."""
    language = page_language(turns, default_language)
    if not turns or not tool_id:
        return ui(language)["ask_first"]
    return _store_vote(assistant, turns[max(turns)], tool_id, vote, language)


def _store_vote(assistant: Assistant, turn: dict[str, Any], target: str, vote: int,
                language: str) -> str:
    u = ui(language)
    try:
        assistant.record_feedback(turn["query"], turn["filters"], turn["shown"], target, vote)
    except ToolboxError as err:
        return escape_markdown(str(err))
    what = u["the_answer"] if target == ANSWER else u["tool"].format(id=target)
    return u["thanks"].format(vote="👍" if vote > 0 else "👎", what=escape_markdown(what))


@dataclass(frozen=True)
class EvaluationView:
    """The Evaluate tab's results: a summary, the table, the plot and the files to download."""

    summary: str
    rows: list[list[Any]] = field(default_factory=list)
    plot: str | None = None
    downloads: list[str] = field(default_factory=list)


def run_evaluation(assistant: Assistant, choice: str, upload: str | None,
                   retrievers: list[str], tick: Callable[[str, int, int], None],
                   language: str = "en") -> EvaluationView:
    """Run the Evaluate tab's benchmark, on the built-in one or an uploaded BEIR zip; the
    summary, the table's "best" and the plot's titles in `language`, the page's."""
    t = evaluate_texts(language)
    try:
        if choice == UPLOAD:
            if not upload:
                return EvaluationView(t["choose_zip"])
            limit = assistant.settings.max_dataset_mb * 1_000_000
            with workbench.unpacked(Path(upload), limit) as folder:
                evaluation = assistant.evaluate(folder, None, retrievers, progress=tick)
        else:
            target = "passages" if choice == BUILTIN_PASSAGES else "tools"
            evaluation = assistant.evaluate(workbench.BUILTIN, target, retrievers,
                                            progress=tick)
    except ToolboxError as err:
        return EvaluationView(t["cannot"].format(error=escape_markdown(str(err))))
    except Exception:
        log.exception("evaluation failed")
        return EvaluationView(t["failed"])
    paths = report.write_all(evaluation, Path(tempfile.mkdtemp(prefix="toolbox-results-")),
                             language)
    lines = [t["summary"].format(dataset=escape_markdown(evaluation.dataset),
                                 target=report.target_name(evaluation.target, language),
                                 count=len(evaluation.queries), best=evaluation.best)]
    lines += [t["versus"].format(best=evaluation.best, name=name, p=f"{test['t_test_p']:.3g}")
              + (t["significant"] if test["significant"] else "")
              for name, test in evaluation.significance.items()]
    rows = [[*row[:-1], t["best"] if row[-1] == "best" else row[-1]]
            for row in report.table_rows(evaluation)]
    return EvaluationView("  \n".join(lines), rows, str(paths["plot"]),
                          [str(paths["report"]), str(paths["json"])])


@dataclass(frozen=True)
class BrowseView:
    """The Browse tab for one search: the matrix, its status line and the list below it."""

    rows: list[list[object]]
    headers: list[str]
    status: str
    listing: str


Cell = tuple[str, str | None] | None  # (hazard, phase or None for the whole row), or none picked


def browse_view(tools: Iterable[Tool], search: str, picked: Cell, language: str,
                funding: FundingFilter = FundingFilter()) -> BrowseView:
    """Matrix and list for `search` (and the funding facet): the list shows the picked cell's
    tools that match it, or, with no cell picked, every tool the search matches."""
    tools = list(tools)
    matrix = browse.matrix(tools, search or "", funding)
    status = ui(language)["browse_status"].format(count=matrix.total)
    return BrowseView(matrix_rows(matrix), matrix_headers(matrix, language), status,
                      browse_listing(tools, search, picked, language, funding))


def browse_listing(tools: Iterable[Tool], search: str, picked: Cell, language: str,
                   funding: FundingFilter = FundingFilter()) -> str:
    if picked is not None:
        hazard, phase = picked
        return tool_list_html(browse.cell(tools, hazard, phase, search or "", funding), hazard,
                              phase, language, funding=bool(funding))
    if not (search or "").strip() and not funding:
        return ""
    return tool_list_html(browse.matching(tools, search, funding), None, None, language,
                          heading=search, funding=bool(funding))
