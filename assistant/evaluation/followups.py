"""Follow-up benchmark: multi-turn conversations scored against the same needs asked in one turn.

    corpus/benchmark/followups.jsonl   {"_id", "lang", "turns": [str, ...], "need": query id}

Each case is a conversation whose last message only makes sense with the turns before it.
`need` names the one-turn query of queries.jsonl that asks the same thing; its judgments
apply. The conversation is searched the way `ask` searches it: each turn's standalone query
(conversation.py) becomes the history of the next. Three rankings per case are compared: the
one-turn query, the conversation, and the last message alone (what searching without the
history would give), so the score shows both how close follow-ups come to one-turn questions
and what the history adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.evaluation.beir import Dataset, json_lines
from assistant.evaluation.evaluate import HEADLINE, Evaluation, evaluate, runner_for
from assistant.query.conversation import Turn, search_text, standalone_query
from ingest.core.errors import DatasetProblem

if TYPE_CHECKING:
    from assistant.retrieval.hybrid import Retriever

__all__ = ["FILE_NAME", "FORMS", "BAR", "FollowUp", "load_followups", "conversation_query",
           "FollowUpResult", "run_followups", "SHIFTS_FILE_NAME", "SHIFT_BAR", "load_topic_shifts",
           "searched_alone"]

FILE_NAME = "followups.jsonl"
SHIFTS_FILE_NAME = "topic_shifts.jsonl"  # {"_id", "lang", "turns"}: the last turn is a new topic
SHIFT_BAR = 0.9  # share of topic shifts searched as the last message alone
FORMS = ("one_turn", "follow_up", "last_turn_alone")
BAR = 0.05  # follow-ups' nDCG@10 within this of the same needs asked in one turn


@dataclass(frozen=True)
class FollowUp:
    id: str
    lang: str
    turns: tuple[str, ...]
    need: str  # the one-turn query id with the same need


def load_followups(path: Path, queries: dict[str, dict[str, Any]]) -> list[FollowUp]:
    """The cases of a followups.jsonl, checked against the benchmark's queries."""
    cases: list[FollowUp] = []
    seen: set[str] = set()
    for number, record in json_lines(path):
        where = f"{path}:{number}"
        case_id, need, turns = record.get("_id"), record.get("need"), record.get("turns")
        if not isinstance(case_id, str) or not case_id:
            raise DatasetProblem(f"{where}: missing '_id'")
        if case_id in seen:
            raise DatasetProblem(f"{where}: case id {case_id!r} appears twice")
        if not (isinstance(turns, list) and len(turns) >= 2
                and all(isinstance(t, str) and t.strip() for t in turns)):
            raise DatasetProblem(f"{where}: 'turns' must list at least two non-empty messages")
        if need not in queries:
            raise DatasetProblem(f"{where}: 'need' {need!r} is not a query id of queries.jsonl")
        seen.add(case_id)
        cases.append(FollowUp(case_id, str(record.get("lang") or ""), tuple(turns), need))
    if not cases:
        raise DatasetProblem(f"{path}: no cases")
    return cases


def load_topic_shifts(path: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """(id, lang, turns) of a topic_shifts.jsonl: conversations whose last message is new."""
    cases = []
    for number, record in json_lines(path):
        turns = record.get("turns")
        if not (isinstance(turns, list) and len(turns) >= 2
                and all(isinstance(t, str) and t.strip() for t in turns)):
            raise DatasetProblem(f"{path}:{number}: 'turns' must list at least two messages")
        cases.append((str(record.get("_id")), str(record.get("lang") or ""), tuple(turns)))
    return cases


def searched_alone(turns: tuple[str, ...]) -> bool:
    """Whether the last message is searched as it is, without the turns before it."""
    return conversation_query(turns) == turns[-1].strip()


def conversation_query(turns: tuple[str, ...]) -> str:
    """The standalone query `ask` searches for the last turn, given the turns before it."""
    history: list[Turn] = []
    for message in turns[:-1]:
        history.append(Turn(message, standalone_query(message, history)))
    return search_text(turns[-1], history)


@dataclass(frozen=True)
class FollowUpResult:
    cases: list[FollowUp]
    texts: dict[str, dict[str, str]]  # form -> case id -> the text searched
    evaluations: dict[str, Evaluation]  # form -> its evaluation (same case ids and qrels)

    def score(self, form: str, retriever: str = "hybrid", lang: str | None = None,
              measure: str = HEADLINE) -> float:
        result = self.evaluations[form].results[retriever]
        ids = [c.id for c in self.cases if lang is None or c.lang == lang]
        return sum(result.per_query[i][measure] for i in ids) / len(ids)

    def gap(self, retriever: str = "hybrid", lang: str | None = None) -> float:
        """One-turn minus follow-up nDCG@10 (positive: follow-ups score lower)."""
        return self.score("one_turn", retriever, lang) - self.score("follow_up", retriever, lang)


def run_followups(retriever: Retriever, dataset: Dataset, cases: list[FollowUp],
                  target: str = "tools", retrievers: tuple[str, ...] = ("hybrid",)
                  ) -> FollowUpResult:
    """Evaluate every case in its three forms on the need's judgments."""
    judged = [c for c in cases if c.need in dataset.qrels]
    texts = {
        "one_turn": {c.id: str(dataset.queries[c.need]["text"]) for c in judged},
        "follow_up": {c.id: conversation_query(c.turns) for c in judged},
        "last_turn_alone": {c.id: c.turns[-1] for c in judged},
    }
    qrels = {c.id: dataset.qrels[c.need] for c in judged}
    runners = {name: runner_for(name, retriever, target) for name in retrievers}
    evaluations = {}
    for form in FORMS:
        queries = {c.id: {"_id": c.id, "text": texts[form][c.id], "lang": c.lang}
                   for c in judged}
        forms_dataset = Dataset(f"followups:{form}", queries, qrels, dataset.qrels_path, None)
        evaluations[form] = evaluate(forms_dataset, target, runners)
    return FollowUpResult(judged, texts, evaluations)
