"""Retrieval beyond our own benchmark: every signal and the hybrid on each dataset, side by side.

    python benchmarks/generalise.py [--cv] [--datasets builtin,climate-fever-dev]

Datasets: the built-in benchmark (tools nDCG@10, English and German apart), CLIMATE-FEVER's dev
half (/work/shared/benchmarks/climate-fever-dev, its own corpus, indexed as `evaluate` does:
assistant/evaluation/run.py's disposable index with both encoders), and the real-PDF benchmark when
benchmarks/realdocs.py offers one (`realdocs_dataset()`; hook below). On CLIMATE-FEVER stock
bm25s (method lucene, English stopwords and Snowball stems, its own tokenizer) runs beside ours.

Each question is retrieved once with the app's pipeline (retrieval/search.py); the per-signal
rankings in its hits are then re-fused offline, so `--cv` can pick fusion weights and k by
leave-one-dataset-out over a small grid (assistant/retrieval/fusion.py's values are the baseline).
Embeddings of a corpus are cached under /tmp/toolbox-generalise (the machine is slow).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from _common import CORPUS, shipped_settings

from assistant.evaluation.beir import load_dataset, read_corpus
from assistant.evaluation.evaluate import metrics, scored_run
from assistant.query.filters import Filters
from assistant.retrieval import fusion
from assistant.retrieval import search as pipeline
from assistant.retrieval import tool_ranking as rank
from assistant.retrieval.tool_ranking import rank_tools
from ingest.core.records import Hit, Retrieval

CLIMATE_FEVER = Path("/work/shared/benchmarks/climate-fever-dev")
EMBED_CACHE = Path("/tmp/toolbox-generalise")
SIGNALS = ("bm25", "dense", "dense_multilingual")


@dataclass
class Question:
    query_id: str
    text: str
    language: str
    retrieval: Retrieval
    filters: Filters
    facets: Filters


@dataclass
class Collected:
    """One dataset's questions, each retrieved once, and how its runs are scored."""

    name: str
    target: str  # tools | corpus
    qrels: dict[str, dict[str, int]]
    questions: list[Question]
    live: dict[str, list[str]]  # the app's own ranking of each question, as retrieved
    extra: dict[str, dict[str, list[str]]]  # further runs (e.g. stock bm25s): name -> runs


def cache_documents(encoder: Any) -> None:
    """Keep `encoder`'s passage embeddings on disk, keyed by model and texts."""
    embed = encoder.embed_documents

    def cached(texts: list[str], batch_size: int = 32) -> np.ndarray:
        digest = hashlib.sha256(encoder.identity.encode())
        for text in texts:
            digest.update(text.encode() + b"\0")
        path = EMBED_CACHE / f"{digest.hexdigest()[:24]}.npy"
        if path.is_file():
            return np.load(path)
        vectors = embed(texts, batch_size)
        EMBED_CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        return vectors
    encoder.embed_documents = cached


def collect(name: str, target: str, retriever: Any, queries: dict[str, dict[str, Any]],
            qrels: dict[str, dict[str, int]]) -> Collected:
    questions = []
    live: dict[str, list[str]] = {}
    for query_id, record in queries.items():
        text = str(record["text"])
        analysis = pipeline.analyse(text)
        retrieval, tools, intent = pipeline.search(retriever, text, analysis=analysis,
                                                   top_k=100)
        questions.append(Question(query_id, text, analysis.language, retrieval,
                                  Filters().merged(intent.filters), intent.facets))
        live[query_id] = [t.tool.id for t in tools] if target == "tools" else list(
            dict.fromkeys(h.chunk.doc_id for h in retrieval.hits))[:100]
    return Collected(name, target, qrels, questions, live, {})


def refuse(question: Question, signals: tuple[str, ...], weights: dict[str, float],
           chunk_k: int) -> list[Hit]:
    """The question's hits fused anew from their per-signal ranks."""
    hits = question.retrieval.hits
    rankings = {s: [h for _, h in sorted((h.ranks[s], i) for i, h in enumerate(hits)
                                          if s in h.ranks)] for s in signals}
    scores, _ = fusion.fuse(rankings, weights, chunk_k)
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return [replace(hits[i], score=scores[i]) for i in order]


def run_of(data: Collected, signals: tuple[str, ...], weights: dict[str, dict[str, float]],
           chunk_k: int, tool_k: int) -> dict[str, list[str]]:
    """Ranked ids per question with these signals, weights (per language) and k."""
    run: dict[str, list[str]] = {}
    saved = rank.TOOL_RRF_K, rank.fusion_weights
    rank.TOOL_RRF_K = tool_k  # rank.py reads both at call time through its module globals
    rank.fusion_weights = lambda language: weights.get(language, weights["en"])
    try:
        for q in data.questions:
            w = weights.get(q.language, weights["en"])
            hits = refuse(q, signals, w, chunk_k)
            if data.target == "corpus":
                run[q.query_id] = list(dict.fromkeys(h.chunk.doc_id for h in hits))[:100]
                continue
            retrieval = Retrieval(hits, {s: r for s, r in q.retrieval.tool_rankings.items()
                                         if s in signals}, q.language, q.retrieval.tools)
            ranked = rank_tools(q.text, retrieval, retrieval.tools, q.filters, 100,
                                facets=q.facets)
            run[q.query_id] = [r.tool.id for r in ranked]
    finally:
        rank.TOOL_RRF_K, rank.fusion_weights = saved
    return run


def ndcg(data: Collected, run: dict[str, list[str]], language: str | None = None) -> float:
    ids = [q.query_id for q in data.questions if language in (None, q.language)]
    if not ids:
        return float("nan")
    qrels = {q: data.qrels[q] for q in ids}
    return metrics(qrels, scored_run({q: run[q] for q in ids}))["ndcg@10"]


def builtin(retriever: Any) -> Collected:
    dataset = load_dataset(CORPUS / "benchmark", CORPUS / "benchmark" / "qrels" / "tools.tsv")
    return collect("builtin", "tools", retriever, dataset.queries, dataset.qrels)


def stock_bm25s(texts: list[str], ids: list[str], queries: dict[str, str]
                ) -> dict[str, list[str]]:
    """bm25s as its README runs it: lucene BM25, English stopwords, English Snowball stems."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    index = bm25s.BM25(method="lucene")
    index.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
                show_progress=False)
    tokens = bm25s.tokenize(list(queries.values()), stopwords="en", stemmer=stemmer,
                            show_progress=False)
    found, _ = index.retrieve(tokens, k=100, show_progress=False)
    return {q: [ids[i] for i in row] for q, row in zip(queries, found, strict=True)}


def own_corpus(folder: Path, embedder: Any, multilingual: Any,
               then: Callable[[Collected], None]) -> None:
    """A dataset with its own corpus, indexed like `evaluate` does; `then` runs while the
    disposable index exists."""
    from assistant.evaluation.run import _chunk, disposable_index

    dataset = load_dataset(folder)
    lines = list(read_corpus(folder / "corpus.jsonl"))
    with disposable_index(lines, embedder, None, multilingual) as (retriever, _):
        data = collect(dataset.name, "corpus", retriever, dataset.queries, dataset.qrels)
    from ingest.chunk.split import embedding_text

    texts = [embedding_text(_chunk(line, "")) for line in lines]
    data.extra["stock bm25s"] = stock_bm25s(
        texts, [line.doc_id for line in lines],
        {q: str(r["text"]) for q, r in dataset.queries.items()})
    then(data)


def realdocs_dataset() -> Collected | None:
    """The real-PDF benchmark of benchmarks/realdocs*.py (branch `realpdf`), when it is here."""
    try:
        import realdocs  # type: ignore[import-not-found]
    except ImportError:
        return None
    make = getattr(realdocs, "generalise_dataset", None)
    return make(collect) if make else None


def table(datasets: list[Collected], weights: dict[str, dict[str, float]], chunk_k: int,
          tool_k: int) -> None:
    print(f"\n{'dataset':22} {'run':22} {'nDCG@10':>8} {'en':>7} {'de':>7}")
    for data in datasets:
        runs = {"bm25": run_of(data, ("bm25",), weights, chunk_k, tool_k),
                "dense (MiniLM)": run_of(data, ("dense",), weights, chunk_k, tool_k),
                "dense (USE-m v3)": run_of(data, ("dense_multilingual",), weights, chunk_k,
                                           tool_k),
                "hybrid": run_of(data, SIGNALS, weights, chunk_k, tool_k),
                "hybrid (as retrieved)": data.live, **data.extra}
        for name, run in runs.items():
            print(f"{data.name:22} {name:22} {ndcg(data, run):8.3f} {ndcg(data, run, 'en'):7.3f}"
                  f" {ndcg(data, run, 'de'):7.3f}")


GRID_WEIGHTS = (0.5, 1.0, 1.5)
GRID_CHUNK_K = (10, 30, 60)
GRID_TOOL_K = (10, 20)


def candidates() -> list[tuple[dict[str, dict[str, float]], int, int]]:
    out = []
    for b, d, m, ck, tk in itertools.product(GRID_WEIGHTS, GRID_WEIGHTS, GRID_WEIGHTS,
                                             GRID_CHUNK_K, GRID_TOOL_K):
        base = {"bm25": b, "dense": d, "dense_multilingual": m, "passages": 1.0}
        out.append(({"en": base, "de": {**base, "passages": 0.5}}, ck, tk))
    return out


def cross_validate(datasets: list[Collected]) -> None:
    """Leave one dataset out: pick on the others (mean nDCG@10), report on the one left out."""
    grid = candidates()
    scores = [[ndcg(d, run_of(d, SIGNALS, w, ck, tk)) for d in datasets] for w, ck, tk in grid]
    print(f"\nleave-one-dataset-out over {len(grid)} settings (bm25, dense, multilingual "
          f"weights x chunk k x tool k)")
    for held, data in enumerate(datasets):
        best = max(range(len(grid)), key=lambda i: statistics.mean(
            s for j, s in enumerate(scores[i]) if j != held))
        w, ck, tk = grid[best]
        print(f"  held out {data.name:20} chosen {_describe(w, ck, tk)}: {scores[best][held]:.3f}"
              f" (assistant/retrieval/fusion.py's values {scores[_today(grid)][held]:.3f})")
    overall = max(range(len(grid)), key=lambda i: statistics.mean(scores[i]))
    w, ck, tk = grid[overall]
    print(f"  best on all together: {_describe(w, ck, tk)}: "
          + ", ".join(f"{d.name} {s:.3f}" for d, s in zip(datasets, scores[overall],
                                                          strict=True)))


def _today(grid: list[tuple[dict[str, dict[str, float]], int, int]]) -> int:
    for i, (w, ck, tk) in enumerate(grid):
        if all(w["en"][s] == fusion.DEFAULT_WEIGHTS[s] for s in SIGNALS) \
                and ck == fusion.CHUNK_RRF_K and tk == fusion.TOOL_RRF_K:
            return i
    raise LookupError("today's fusion values are not in the grid")


def _describe(w: dict[str, dict[str, float]], ck: int, tk: int) -> str:
    en = w["en"]
    return (f"bm25 {en['bm25']:.1f} dense {en['dense']:.1f} multi "
            f"{en['dense_multilingual']:.1f} chunk k {ck} tool k {tk}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="cross-validate fusion weights and k")
    parser.add_argument("--datasets", default="builtin,climate-fever-dev")
    args = parser.parse_args()
    wanted = args.datasets.split(",")
    from assistant.service import Assistant

    assistant = Assistant(shipped_settings())
    assistant.ensure_index()
    cache_documents(assistant.embedder)
    if assistant.multilingual is not None:
        cache_documents(assistant.multilingual)
    datasets: list[Collected] = []
    if "builtin" in wanted:
        datasets.append(builtin(assistant.retriever))
    if "climate-fever-dev" in wanted and CLIMATE_FEVER.is_dir():
        own_corpus(CLIMATE_FEVER, assistant.embedder, assistant.multilingual, datasets.append)
    real = realdocs_dataset()
    if real is not None:
        datasets.append(real)
    today = {"en": fusion.fusion_weights("en"), "de": fusion.fusion_weights("de")}
    table(datasets, today, fusion.CHUNK_RRF_K, fusion.TOOL_RRF_K)
    if args.cv and len(datasets) > 1:
        cross_validate(datasets)


if __name__ == "__main__":
    main()
