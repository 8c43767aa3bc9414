"""Retrieval evaluation on BEIR-format datasets: runs per retriever, metrics from ir-measures.

Targets: `tools` ranks tool ids (what the assistant recommends); `passages` ranks `DOC_ID#PAGE`
(what it cites). Metrics are computed by ir-measures (trec_eval's definitions), not by hand.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ir_measures
from ir_measures import AP, RR, R, nDCG

from assistant.intent import Intent
from assistant.retrieve import Mode
from assistant.service import Assistant
from ingest.errors import ToolboxError
from ingest.records import Hit

MEASURES = {"ndcg@10": nDCG @ 10, "recall@5": R @ 5, "recall@10": R @ 10,
            "recall@100": R @ 100, "mrr@10": RR @ 10, "map@10": AP @ 10}
RETRIEVERS: tuple[Mode, ...] = ("bm25", "dense", "hybrid")
RUN_DEPTH = 100

Run = dict[str, dict[str, float]]
Qrels = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Dataset:
    name: str
    queries: dict[str, dict]  # id -> the query line (text and any extra fields such as lang)
    qrels: Qrels


@dataclass
class Result:
    retriever: str
    metrics: dict[str, float]
    latency_ms: list[float] = field(default_factory=list)
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)


class DatasetProblem(ToolboxError):
    """A BEIR file that cannot be used; names the file and line."""


def load_dataset(folder: Path, qrels_file: Path | None = None) -> Dataset:
    queries_path = folder / "queries.jsonl"
    queries: dict[str, dict] = {}
    for number, line in enumerate(_lines(queries_path), start=1):
        try:
            record = json.loads(line)
            query_id, text = str(record["_id"]), str(record["text"])
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise DatasetProblem(f"{queries_path}:{number}: not a query line with _id and text "
                                 f"({err.__class__.__name__})") from None
        if not text.strip():
            raise DatasetProblem(f"{queries_path}:{number}: empty query text")
        queries[query_id] = record
    qrels_path = qrels_file or folder / "qrels" / "test.tsv"
    qrels: Qrels = {}
    with _open(qrels_path) as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if number == 1 and row[:1] == ["query-id"]:
                continue
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                raise DatasetProblem(f"{qrels_path}:{number}: expected query-id, corpus-id, "
                                     "score (tab-separated)")
            if row[0] not in queries:
                raise DatasetProblem(f"{qrels_path}:{number}: unknown query id {row[0]!r}")
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return Dataset(folder.name, {q: queries[q] for q in queries if q in qrels}, qrels)


def _open(path: Path):  # type: ignore[no-untyped-def]
    if not path.is_file():
        raise DatasetProblem(f"{path}: missing")
    return path.open(encoding="utf-8", newline="")


def _lines(path: Path) -> Iterable[str]:
    with _open(path) as handle:
        try:
            yield from (line for line in handle.read().splitlines() if line.strip())
        except UnicodeDecodeError as err:
            raise DatasetProblem(f"{path}: not UTF-8 (byte {err.start})") from None


def tool_run(assistant: Assistant, mode: Mode, intent: bool = True, expansion: bool = True
             ) -> Callable[[str], dict[str, float]]:
    """Tools for a query as `ask` ranks them; `intent`/`expansion` off give the plain variants."""
    def run(query: str) -> dict[str, float]:
        _, ranked = assistant.rank(query, mode=mode, top_k=RUN_DEPTH,
                                   intent=None if intent else Intent(), expansion=expansion)
        return {r.tool.id: r.score for r in ranked}
    return run


def passage_run(assistant: Assistant, mode: Mode, intent: bool = True, expansion: bool = True
                ) -> Callable[[str], dict[str, float]]:
    def run(query: str) -> dict[str, float]:
        retrieval, _ = assistant.rank(query, mode=mode, top_k=1,
                                      intent=None if intent else Intent(), expansion=expansion)
        return pages_of(retrieval.hits)
    return run


def pages_of(hits: list[Hit]) -> dict[str, float]:
    """`DOC_ID#PAGE` of passage hits, each page at the score of its best chunk."""
    pages: dict[str, float] = {}
    for hit in hits:
        if hit.chunk.kind == "passage":
            pages.setdefault(f"{hit.chunk.doc_id}#{hit.chunk.page_start}", hit.score)
    return dict(list(pages.items())[:RUN_DEPTH])


def evaluate(dataset: Dataset, runners: dict[str, Callable[[str], dict[str, float]]]
             ) -> dict[str, Result]:
    """Run every retriever over every query; metrics overall and per query."""
    results: dict[str, Result] = {}
    for name, runner in runners.items():
        run: Run = {}
        latency: list[float] = []
        for query_id, query in dataset.queries.items():
            started = time.perf_counter()
            run[query_id] = runner(query["text"]) or {"__none__": 0.0}
            latency.append((time.perf_counter() - started) * 1000)
        results[name] = Result(name, metrics(dataset.qrels, run), latency,
                               per_query_metrics(dataset.qrels, run))
    return results


def metrics(qrels: Qrels, run: Run) -> dict[str, float]:
    aggregate = ir_measures.calc_aggregate(list(MEASURES.values()), qrels, run)
    return {name: float(aggregate[measure]) for name, measure in MEASURES.items()}


def per_query_metrics(qrels: Qrels, run: Run) -> dict[str, dict[str, float]]:
    by_measure = {str(m): n for n, m in MEASURES.items()}
    table: dict[str, dict[str, float]] = {q: {n: 0.0 for n in MEASURES} for q in qrels}
    for metric in ir_measures.iter_calc(list(MEASURES.values()), qrels, run):
        table[metric.query_id][by_measure[str(metric.measure)]] = float(metric.value)
    return table


def breakdown(dataset: Dataset, results: dict[str, Result], field_name: str
              ) -> dict[str, dict[str, dict[str, float]]]:
    """Mean metrics per value of a query field (e.g. lang), per retriever."""
    groups: dict[str, list[str]] = {}
    for query_id, query in dataset.queries.items():
        if field_name in query:
            groups.setdefault(str(query[field_name]), []).append(query_id)
    return {
        value: {name: {m: sum(r.per_query[q][m] for q in ids) / len(ids) for m in MEASURES}
                for name, r in results.items()}
        for value, ids in sorted(groups.items())
    }
