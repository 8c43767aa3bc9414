"""Shared by the benchmark scripts: an index of the shipped corpus, cached between runs."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.settings import Settings, configure_offline  # noqa: E402

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


def benchmark_queries() -> list[dict]:
    import json

    path = CORPUS / "benchmark" / "queries.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
