"""Thumbs up/down from the chat, kept in SQLite in the data dir, exported as BEIR judgments.

A vote is on the answer as a whole (`target` = "answer") or on one tool (`target` = its id);
each keeps the query, the filters and the tool ranking that was shown, so a vote can be
understood later without re-running anything.

Export (`toolbox-assistant feedback export OUT_DIR`) turns votes into graded tool qrels:
- a thumbs-up on a tool: 2 (relevant); a thumbs-down on a tool: 0 (not relevant);
- a vote on an answer judges the tools the answer named, which are the top ANSWER_TOOLS of the
  ranking shown (answer.compose names three): thumbs-up 1 (partly relevant: the user liked the
  answer, not necessarily each tool), thumbs-down 0;
- a vote on a tool outranks an answer vote for that tool; of two votes of one kind, the later
  wins. Queries are grouped by text (case and spacing folded) and filters; the query id is a
  hash of both, so exporting again gives the same ids.
- A query with no positive judgment is left out: every metric would be 0 for it whatever the
  ranking, so it cannot tell configurations apart.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.query.expand import question_language
from ingest.core.errors import FeedbackProblem

__all__ = ["FILE_NAME", "ANSWER", "ANSWER_TOOLS", "Vote", "ExportReport", "FeedbackStore",
           "query_key"]

FILE_NAME = "feedback.sqlite3"
ANSWER = "answer"
ANSWER_TOOLS = 3
TOOL_UP, ANSWER_UP, DOWN = 2, 1, 0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,          -- ISO 8601, UTC
    query TEXT NOT NULL,
    filters TEXT NOT NULL,             -- JSON object, e.g. {"hazards": ["heat"]}
    shown TEXT NOT NULL,               -- JSON list of the tool ids shown, best first
    target TEXT NOT NULL,              -- "answer" or a tool id
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1))
)
"""


@dataclass(frozen=True)
class Vote:
    created_at: str
    query: str
    filters: dict[str, Any]
    shown: tuple[str, ...]
    target: str
    vote: int


@dataclass(frozen=True)
class ExportReport:
    queries: int
    judgments: int
    skipped: int  # queries with no positive judgment
    folder: Path

    def summary(self) -> str:
        return (f"{self.queries} queries, {self.judgments} judgments written to {self.folder}"
                + (f"; {self.skipped} queries without a positive vote left out"
                   if self.skipped else ""))


class FeedbackStore:
    """The feedback table of one data dir; the file is created on the first vote."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10)
        connection.execute(_SCHEMA)
        return connection

    def record(self, query: str, filters: dict[str, Any], shown: Sequence[str], target: str,
               vote: int) -> None:
        """Store one vote (+1 or -1) on the answer or on one of the tools shown."""
        if vote not in (-1, 1):
            raise FeedbackProblem(f"a vote is +1 or -1, not {vote!r}")
        if not query.strip():
            raise FeedbackProblem("a vote needs the question it was given on")
        if target != ANSWER and target not in shown:
            raise FeedbackProblem(f"tool {target!r} was not among the tools shown")
        row = (datetime.now(UTC).isoformat(timespec="seconds"), query.strip(),
               json.dumps({k: list(v) for k, v in sorted(filters.items()) if v}),
               json.dumps(list(shown)), target, vote)
        with self._connect() as connection:
            connection.execute("INSERT INTO feedback (created_at, query, filters, shown, "
                               "target, vote) VALUES (?, ?, ?, ?, ?, ?)", row)
        connection.close()

    def votes(self) -> list[Vote]:
        if not self.path.is_file():
            return []
        with self._connect() as connection:
            rows = connection.execute("SELECT created_at, query, filters, shown, target, vote "
                                      "FROM feedback ORDER BY id").fetchall()
        connection.close()
        return [Vote(c, q, json.loads(f), tuple(json.loads(s)), t, v)
                for c, q, f, s, t, v in rows]

    def export(self, folder: Path) -> ExportReport:
        """Write `queries.jsonl` and `qrels/test.tsv` (BEIR) from the votes; see the module doc."""
        votes = self.votes()
        if not votes:
            raise FeedbackProblem(f"no feedback recorded yet in {self.path}")
        queries: dict[str, dict[str, Any]] = {}
        from_answer: dict[str, dict[str, int]] = {}
        from_tool: dict[str, dict[str, int]] = {}
        for vote in votes:
            query_id = query_key(vote.query, vote.filters)
            queries.setdefault(query_id, {"_id": query_id, "text": vote.query,
                                          "lang": question_language(vote.query),
                                          "filters": vote.filters})
            if vote.target == ANSWER:
                grade = ANSWER_UP if vote.vote > 0 else DOWN
                for tool_id in vote.shown[:ANSWER_TOOLS]:
                    from_answer.setdefault(query_id, {})[tool_id] = grade
            else:
                from_tool.setdefault(query_id, {})[vote.target] = TOOL_UP if vote.vote > 0 else DOWN
        qrels = {q: {**from_answer.get(q, {}), **from_tool.get(q, {})} for q in queries}
        kept = [q for q in queries if any(g > 0 for g in qrels[q].values())]
        (folder / "qrels").mkdir(parents=True, exist_ok=True)
        with (folder / "queries.jsonl").open("w", encoding="utf-8") as handle:
            for query_id in kept:
                handle.write(json.dumps(queries[query_id], ensure_ascii=False) + "\n")
        with (folder / "qrels" / "test.tsv").open("w", encoding="utf-8") as handle:
            handle.write("query-id\tcorpus-id\tscore\n")
            for query_id in kept:
                for tool_id, grade in sorted(qrels[query_id].items()):
                    handle.write(f"{query_id}\t{tool_id}\t{grade}\n")
        return ExportReport(len(kept), sum(len(qrels[q]) for q in kept),
                            len(queries) - len(kept), folder)


def query_key(query: str, filters: dict[str, Any]) -> str:
    """A stable id for a question with its filters (case and spacing folded)."""
    text = " ".join(query.casefold().split())
    digest = hashlib.sha256(f"{text}\n{json.dumps(filters, sort_keys=True)}".encode())
    return "fb-" + digest.hexdigest()[:12]
