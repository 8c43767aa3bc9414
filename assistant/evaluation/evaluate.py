"""Retrieval evaluation: named retrievers, runs over a dataset, metrics, significance, breakdowns.

Targets: `tools` ranks tool ids (what the assistant recommends); `passages` ranks `DOC_ID#PAGE`
(what it cites); `corpus` ranks the `_id`s of a dataset's own corpus. Metrics come from
ir-measures (trec_eval's definitions), significance from scipy; nothing is computed by hand.

A retriever is a named way to turn a query into hits (VARIANTS); a ranking variant is added by
calling `register` with a new name, and is then available to the CLI, the app and the reports.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ir_measures
import numpy as np
from ir_measures import AP, RR, R, nDCG

from assistant.evaluation.beir import Dataset, Qrels
from assistant.query.filters import Filters
from assistant.retrieval import search as pipeline
from assistant.retrieval.fusion import SIGNALS
from assistant.retrieval.tool_ranking import rank_tools
from ingest.core.records import Hit, Retrieval

if TYPE_CHECKING:  # the retriever pulls in torch and chromadb; loading a dataset needs neither
    from assistant.retrieval.hybrid import Retriever

__all__ = ["MEASURES", "HEADLINE", "RUN_DEPTH", "MAX_FIELD_VALUES", "ALPHA", "TARGETS", "Search",
           "Runner", "Progress", "Variant", "VARIANTS", "register", "DEFAULT_RETRIEVERS", "Result",
           "Evaluation", "runner_for", "pages_of", "evaluate", "scored_run", "metrics",
           "per_query_metrics", "significance", "query_fields", "breakdown"]

MEASURES = {"ndcg@10": nDCG @ 10, "recall@5": R @ 5, "recall@10": R @ 10,
            "recall@100": R @ 100, "mrr@10": RR @ 10, "map@10": AP @ 10}
HEADLINE = "ndcg@10"
RUN_DEPTH = 100
MAX_FIELD_VALUES = 20  # a query field with more distinct values is not a category (e.g. a title)
ALPHA = 0.05
TARGETS = ("tools", "passages", "corpus")

Search = Callable[["Retriever", str], list[Hit]]
Runner = Callable[[str], list[str]]  # query text -> ranked ids, best first
Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass(frozen=True)
class Variant:
    """A named retriever: how a query becomes hits, and optionally how hits become tools."""

    name: str
    help: str
    search: Search
    # Tool ids best first; None: rank_tools over `search`'s hits without filters.
    tools: Callable[[Retriever, str], list[str]] | None = None
    # The signals it asks the retriever for (assistant/retrieval/fusion.py's names).
    signals: frozenset[str] = SIGNALS["hybrid"]


VARIANTS: dict[str, Variant] = {}


def register(name: str, help: str, search: Search,
             tools: Callable[[Retriever, str], list[str]] | None = None,
             signals: frozenset[str] = SIGNALS["hybrid"]) -> None:
    """Make a retriever available by name to the CLI, the app and the reports.

    E.g. `register("hybrid+expansion", "hybrid over the expanded query",
    lambda r, q: r.search(expand(q)))`. A later registration of a name replaces the earlier.
    """
    VARIANTS[name] = Variant(name, help, search, tools, signals)


def _pipeline(options: pipeline.Options) -> tuple[Search, Callable[[Retriever, str], list[str]]]:
    """A retriever that runs the assistant's own search with these options."""
    def hits(retriever: Retriever, query: str) -> list[Hit]:
        return pipeline.search(retriever, query, options=options, top_k=1)[0].hits

    def tools(retriever: Retriever, query: str) -> list[str]:
        ranked = pipeline.search(retriever, query, options=options, top_k=RUN_DEPTH)[1]
        return [r.tool.id for r in ranked]
    return hits, tools


for _name, _help, _options in (
    ("bm25", "BM25 only (stemmed, English and German; glossary expansion, inferred filters)",
     pipeline.Options(mode="bm25")),
    ("dense", "dense only (embedding k-NN; glossary translation, inferred filters)",
     pipeline.Options(mode="dense")),
    ("hybrid", "BM25 and both dense encoders fused by reciprocal rank: what the assistant uses",
     pipeline.Options()),
    ("hybrid-no-expansion", "hybrid without the glossary translation of the query",
     pipeline.Options(expansion=False)),
    ("hybrid-no-intent", "hybrid without filters and facets inferred from the query",
     pipeline.Options(intent=False)),
    ("hybrid-plain", "hybrid without expansion and without inferred filters",
     pipeline.Options(expansion=False, intent=False)),
    ("dense-english", "dense by the English model only (German questions: their translation)",
     pipeline.Options(mode="dense", signals=frozenset({"dense"}))),
    ("dense-multilingual", "dense by the multilingual encoder only",
     pipeline.Options(mode="dense", signals=frozenset({"dense_multilingual"}))),
    ("hybrid-no-multilingual", "hybrid without the multilingual encoder (BM25 and English dense)",
     pipeline.Options(signals=frozenset({"bm25", "dense"}))),
):
    register(_name, _help, *_pipeline(_options),
             signals=_options.signals or SIGNALS[_options.mode])
DEFAULT_RETRIEVERS = ("bm25", "dense", "hybrid")


@dataclass
class Result:
    retriever: str
    metrics: dict[str, float]
    latency_ms: dict[str, float]  # query id -> milliseconds
    per_query: dict[str, dict[str, float]]  # query id -> measure -> value
    run: dict[str, list[str]]  # query id -> ranked ids, best first

    def latency(self, query_ids: list[str] | None = None) -> dict[str, float]:
        values = [self.latency_ms[q] for q in (query_ids or self.latency_ms)]
        return {"latency_ms_p50": float(np.percentile(values, 50)),
                "latency_ms_p95": float(np.percentile(values, 95))}


@dataclass
class Evaluation:
    dataset: str
    target: str
    queries: dict[str, dict[str, Any]]
    qrels: Qrels
    results: dict[str, Result]
    best: str
    significance: dict[str, dict[str, Any]]
    by_field: dict[str, dict[str, dict[str, dict[str, float]]]]
    field_counts: dict[str, dict[str, int]]
    index: dict[str, Any] = field(default_factory=dict)  # what was searched, and its build time


def runner_for(name: str, retriever: Retriever, target: str) -> Runner:
    """The named retriever's ranked ids for a target."""
    if name not in VARIANTS:
        raise KeyError(f"unknown retriever {name!r}; known: {', '.join(VARIANTS)}")
    variant = VARIANTS[name]
    search = variant.search

    def tools(query: str) -> list[str]:
        if variant.tools is not None:
            return variant.tools(retriever, query)[:RUN_DEPTH]
        retrieval = Retrieval(search(retriever, query))
        ranked = rank_tools(query, retrieval, retriever.snapshot.tools, Filters(), RUN_DEPTH)
        return [r.tool.id for r in ranked]

    def passages(query: str) -> list[str]:
        return pages_of(search(retriever, query))

    def corpus(query: str) -> list[str]:
        return list(dict.fromkeys(h.chunk.doc_id for h in search(retriever, query)))[:RUN_DEPTH]

    return {"tools": tools, "passages": passages, "corpus": corpus}[target]


def pages_of(hits: list[Hit]) -> list[str]:
    """`DOC_ID#PAGE` of passage hits, in the order of each page's best chunk."""
    pages = dict.fromkeys(f"{h.chunk.doc_id}#{h.chunk.page_start}" for h in hits
                          if h.chunk.kind == "passage")
    return list(pages)[:RUN_DEPTH]


def evaluate(dataset: Dataset, target: str, runners: dict[str, Runner],
             before_each: Callable[[], None] | None = None,
             progress: Progress | None = None) -> Evaluation:
    """Run every retriever over every query: metrics, latency, significance and breakdowns.

    `before_each` runs untimed before each query (e.g. clearing the query-embedding cache, so
    the second retriever is not timed on the first one's cached embedding).
    """
    results: dict[str, Result] = {}
    total = len(runners) * len(dataset.queries)
    done = 0
    for name, runner in runners.items():
        runner(next(iter(dataset.queries.values()))["text"])  # warm-up, untimed
        run: dict[str, list[str]] = {}
        latency: dict[str, float] = {}
        for query_id, query in dataset.queries.items():
            if before_each:
                before_each()
            started = time.perf_counter()
            run[query_id] = runner(str(query["text"]))
            latency[query_id] = (time.perf_counter() - started) * 1000
            done += 1
            if progress and (done % 10 == 0 or done == total):
                progress(f"querying ({name})", done, total)
        scored = scored_run(run)
        results[name] = Result(name, metrics(dataset.qrels, scored), latency,
                               per_query_metrics(dataset.qrels, scored), run)
    best = max(results, key=lambda n: results[n].metrics[HEADLINE])  # first wins a tie
    fields = query_fields(dataset.queries)
    return Evaluation(
        dataset=dataset.name, target=target, queries=dataset.queries, qrels=dataset.qrels,
        results=results,
        best=best, significance=significance(results, best),
        by_field={f: breakdown(results, groups) for f, groups in fields.items()},
        field_counts={f: {v: len(ids) for v, ids in groups.items()}
                      for f, groups in fields.items()},
    )


def scored_run(run: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Ranked ids -> rank-derived scores (depth - rank + 1).

    Scores from the ranking itself, so that trec_eval's tie-breaking (by document id) cannot
    reorder what the retriever returned. A query with no results gets a placeholder that is
    never relevant, so it counts as 0 rather than dropping out of the mean.
    """
    return {q: ({doc: float(RUN_DEPTH - i) for i, doc in enumerate(ids)} or {"__none__": 0.0})
            for q, ids in run.items()}


def metrics(qrels: Qrels, run: dict[str, dict[str, float]]) -> dict[str, float]:
    aggregate = ir_measures.calc_aggregate(list(MEASURES.values()), qrels, run)
    return {name: float(aggregate[measure]) for name, measure in MEASURES.items()}


def per_query_metrics(qrels: Qrels, run: dict[str, dict[str, float]]
                      ) -> dict[str, dict[str, float]]:
    by_measure = {str(m): n for n, m in MEASURES.items()}
    table: dict[str, dict[str, float]] = {q: dict.fromkeys(MEASURES, 0.0) for q in qrels}
    for metric in ir_measures.iter_calc(list(MEASURES.values()), qrels, run):
        table[metric.query_id][by_measure[str(metric.measure)]] = float(metric.value)
    return table


def significance(results: dict[str, Result], best: str) -> dict[str, dict[str, Any]]:
    """Best vs. each other retriever on per-query nDCG@10: paired t-test and Wilcoxon.

    Both two-sided. No correction for multiple comparisons is applied; with k others, compare
    the p-values against ALPHA / k for Bonferroni.
    """
    from scipy import stats  # a second of import time; only needed once results exist

    ids = sorted(results[best].per_query)
    a = np.array([results[best].per_query[q][HEADLINE] for q in ids])
    out: dict[str, dict[str, Any]] = {}
    for name, result in results.items():
        if name == best:
            continue
        b = np.array([result.per_query[q][HEADLINE] for q in ids])
        diff = a - b
        if len(ids) < 2 or not np.any(diff):
            t_p = w_p = 1.0
        else:
            t_p = _p(stats.ttest_rel(a, b).pvalue)
            w_p = _p(stats.wilcoxon(a, b, zero_method="zsplit").pvalue)
        out[name] = {"vs": best, "measure": HEADLINE, "mean_difference": float(diff.mean()),
                     "wins": int((diff > 0).sum()), "losses": int((diff < 0).sum()),
                     "t_test_p": t_p, "wilcoxon_p": w_p, "significant": t_p < ALPHA}
    return out


def _p(value: float) -> float:
    return 1.0 if value is None or math.isnan(value) else float(value)


def query_fields(queries: dict[str, dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """Extra query fields as categories: field -> value -> query ids.

    Scalar fields are used as they are, an object field one level down (`metadata.kind`);
    a field with more than MAX_FIELD_VALUES distinct values is skipped.
    """
    fields: dict[str, dict[str, list[str]]] = {}
    for query_id, query in queries.items():
        for key, value in _flat(query):
            fields.setdefault(key, {}).setdefault(str(value), []).append(query_id)
    return {f: dict(sorted(groups.items())) for f, groups in sorted(fields.items())
            if len(groups) <= MAX_FIELD_VALUES}


def _flat(query: dict[str, Any]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in query.items():
        if key in ("_id", "text"):
            continue
        if isinstance(value, dict):
            pairs += [(f"{key}.{k}", v) for k, v in value.items() if _scalar(v)]
        elif _scalar(value):
            pairs.append((key, value))
    return pairs


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) and value != ""


def breakdown(results: dict[str, Result], groups: dict[str, list[str]]
              ) -> dict[str, dict[str, dict[str, float]]]:
    """Mean metrics and latency per value of one query field, per retriever."""
    return {
        value: {name: {**{m: float(np.mean([r.per_query[q][m] for q in ids])) for m in MEASURES},
                       **r.latency(ids)}
                for name, r in results.items()}
        for value, ids in groups.items()
    }
