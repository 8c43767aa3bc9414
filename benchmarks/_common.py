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


def benchmark_queries(folder: Path = CORPUS / "benchmark") -> list[dict]:
    import json

    path = folder / "queries.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def ask_against_floor(assistant: Any, questions: list[str], rounds: int) -> dict[str, float]:
    """Medians over rounds of ask's and the floor's p50/p95 (ms), measured question by question
    in one process. Floor: the query embedding plus one Chroma k-NN. Every embedder's query cache
    is cleared before each call, or later rounds would ask with cached vectors."""
    from assistant.retrieval.hybrid import CANDIDATES

    embedder, store = assistant.embedder, assistant.store
    caches = [embedder, *([assistant.multilingual] if assistant.multilingual else [])]
    for question in questions[:10]:  # warm-up: first-call allocations, lazy imports
        assistant.ask(question)
    per_round: list[dict[str, float]] = []
    for _ in range(rounds):
        ask_ms: list[float] = []
        floor_ms: list[float] = []
        for question in questions:
            for cache in caches:
                cache.clear_cache()
            begin = time.perf_counter()
            store.nearest(embedder.embed_query(question), CANDIDATES)
            floor_ms.append((time.perf_counter() - begin) * 1000)
            for cache in caches:
                cache.clear_cache()
            begin = time.perf_counter()
            assistant.ask(question)
            ask_ms.append((time.perf_counter() - begin) * 1000)
        per_round.append({"ask_p50": percentile(ask_ms, 50), "ask_p95": percentile(ask_ms, 95),
                          "floor_p50": percentile(floor_ms, 50),
                          "floor_p95": percentile(floor_ms, 95)})
    return {key: median([r[key] for r in per_round]) for key in per_round[0]}
