"""Shared by the benchmark scripts: an index of the shipped corpus, cached between runs."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.core.settings import Settings, configure_offline  # noqa: E402

configure_offline()

CACHE = ROOT / "benchmarks" / ".cache"
CORPUS = ROOT / "corpus"


def shipped_settings(name: str = "shipped", **overrides: object) -> Settings:
    return Settings.from_env(environ={}, data_dir=CACHE / name, corpus_dir=CORPUS,
                             collection="bench", **overrides)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def query_milliseconds(encoder: Any, questions: list[str]) -> tuple[float, float]:
    """p50 and p95 of embedding each question afresh (the encoder's query cache cleared each
    time), after five warm-up questions."""
    times = []
    for warming, text in [(True, q) for q in questions[:5]] + [(False, q) for q in questions]:
        encoder.clear_cache()
        started = time.perf_counter()
        encoder.embed_query(text)
        if not warming:
            times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), percentile(times, 95)


def passages_per_second(encoder: Any, passages: list[str]) -> float:
    encoder.embed_documents(passages[:2])  # warm-up: the first batch also starts the pool
    started = time.perf_counter()
    encoder.embed_documents(passages)
    return len(passages) / (time.perf_counter() - started)


def benchmark_queries(folder: Path = CORPUS / "benchmark") -> list[dict]:
    import json

    path = folder / "queries.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def ask_against_floor(assistant: Any, questions: list[str], rounds: int) -> dict[str, float]:
    """Medians over rounds of ask's and the floor's p50/p95 (ms), measured question by question
    in one process. Floor: the query embedding plus one Chroma k-NN; with a tool encoder
    (TOOLBOX_TOOL_ENCODER) also `floor_e5`: the same with the tool encoder's query embedding
    beside it on a second thread, as `ask` runs it (the least an answer with its tool scores
    costs). Every embedder's query cache is cleared before each call, or later rounds would ask
    with cached vectors."""
    from concurrent.futures import ThreadPoolExecutor

    from assistant.retrieval.hybrid import CANDIDATES

    embedder, store = assistant.embedder, assistant.store
    tool_encoder = getattr(assistant, "tool_encoder", None)
    caches = [embedder, *(e for e in (assistant.multilingual, tool_encoder) if e is not None)]
    side = ThreadPoolExecutor(1)
    for question in questions[:10]:  # warm-up: first-call allocations, lazy imports
        assistant.ask(question)
    per_round: list[dict[str, float]] = []
    for _ in range(rounds):
        times: dict[str, list[float]] = {"ask": [], "floor": [], "floor_e5": []}
        for question in questions:
            for cache in caches:
                cache.clear_cache()
            begin = time.perf_counter()
            store.nearest(embedder.embed_query(question), CANDIDATES)
            times["floor"].append((time.perf_counter() - begin) * 1000)
            if tool_encoder is not None:
                for cache in caches:
                    cache.clear_cache()
                begin = time.perf_counter()
                beside = side.submit(tool_encoder.embed_query, question)
                store.nearest(embedder.embed_query(question), CANDIDATES)
                beside.result()
                times["floor_e5"].append((time.perf_counter() - begin) * 1000)
            for cache in caches:
                cache.clear_cache()
            begin = time.perf_counter()
            assistant.ask(question)
            times["ask"].append((time.perf_counter() - begin) * 1000)
        per_round.append({f"{name}_p{q}": percentile(values, q)
                          for name, values in times.items() if values for q in (50, 95)})
    side.shutdown()
    return {key: median([r[key] for r in per_round]) for key in per_round[0]}
