"""Ingest throughput on the shipped corpus against the floor (embedding the same chunks alone).

Each round ingests the corpus into a fresh store, then embeds the very chunks it wrote with
nothing else (the floor), then ingests again unchanged. Figures are medians over rounds.

    python benchmarks/ingest.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import time

from _common import CACHE, CORPUS, median, shipped_settings

from assistant.service import Assistant
from ingest.chunk import embedding_text
from ingest.embed import Embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    embedder = Embedder()
    embedder.embed_documents(["warm-up"] * 8)
    ingest_s, floor_s, again_s, chunk_counts = [], [], [], []
    for round_number in range(args.rounds):
        settings = shipped_settings(f"ingest-{round_number}")
        shutil.rmtree(settings.data_dir, ignore_errors=True)
        assistant = Assistant(settings, embedder=embedder)
        started = time.perf_counter()
        report = assistant.ingest([CORPUS])
        ingest_s.append(time.perf_counter() - started)
        assert not report.failed, report.failed
        texts = [embedding_text(c) for c in assistant.store.chunks()]
        chunk_counts.append(len(texts))
        started = time.perf_counter()
        embedder.embed_documents(texts)
        floor_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        assistant.ingest([CORPUS])
        again_s.append(time.perf_counter() - started)
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    chunks = chunk_counts[0]
    ingest, floor, again = median(ingest_s), median(floor_s), median(again_s)
    print(f"shipped corpus: {chunks} chunks, {args.rounds} rounds (medians); cache {CACHE}")
    print(f"ingest      {ingest:6.2f} s   {chunks / ingest:7.1f} chunks/s")
    print(f"floor       {floor:6.2f} s   {chunks / floor:7.1f} chunks/s  (embedding only)")
    print(f"throughput ratio ingest/floor {floor / ingest:.2f}")
    print(f"re-ingest unchanged {again:6.2f} s = {100 * again / ingest:.1f} % of first ingest")


if __name__ == "__main__":
    main()
