"""Query latency of `ask` on the shipped corpus against the floor, measured in the same run.

Floor = embedding the query + one Chroma k-NN (the least any dense answer costs). Each round
asks every benchmark question once (no query is repeated, so no cache helps); figures are the
medians over rounds of each round's p50/p95.

    python benchmarks/latency.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import time

from _common import benchmark_queries, median, percentile, shipped_settings

from assistant.retrieve import CANDIDATES
from assistant.service import Assistant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    assistant = Assistant(shipped_settings())
    assistant.ensure_index()
    questions = [q["text"] for q in benchmark_queries()]
    embedder, store = assistant.embedder, assistant.store
    # Every embedder has its own cache; all are cleared, or later rounds ask with cached vectors.
    caches = [embedder, *([assistant.multilingual] if assistant.multilingual else [])]
    for question in questions[:10]:  # warm-up: first-call allocations, lazy imports
        assistant.ask(question)
    rounds: list[dict[str, float]] = []
    for _ in range(args.rounds):
        ask_ms: list[float] = []
        floor_ms: list[float] = []
        for question in questions:
            for cache in caches:
                cache.clear_cache()
            started = time.perf_counter()
            store.nearest(embedder.embed_query(question), CANDIDATES)
            floor_ms.append((time.perf_counter() - started) * 1000)
            for cache in caches:
                cache.clear_cache()
            started = time.perf_counter()
            assistant.ask(question)
            ask_ms.append((time.perf_counter() - started) * 1000)
        rounds.append({"ask_p50": percentile(ask_ms, 50), "ask_p95": percentile(ask_ms, 95),
                       "floor_p50": percentile(floor_ms, 50),
                       "floor_p95": percentile(floor_ms, 95)})
    figures = {key: median([r[key] for r in rounds]) for key in rounds[0]}
    print(f"shipped corpus: {store.count()} chunks, {len(questions)} questions x "
          f"{args.rounds} rounds (medians of per-round percentiles)")
    print(f"ask    p50 {figures['ask_p50']:7.1f} ms   p95 {figures['ask_p95']:7.1f} ms")
    print(f"floor  p50 {figures['floor_p50']:7.1f} ms   p95 {figures['floor_p95']:7.1f} ms")
    print(f"ratio ask/floor  p50 {figures['ask_p50'] / figures['floor_p50']:.2f}   "
          f"p95 {figures['ask_p95'] / figures['floor_p95']:.2f}")


if __name__ == "__main__":
    main()
