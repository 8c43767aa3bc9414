"""Which BM25 library: bm25s vs SQLite FTS5 vs tantivy, on the same chunks and the same analyzer.

For each: index build time for the shipped corpus, query latency (p50/p95 over the benchmark
questions), and BM25-only tool nDCG@10 on the built-in benchmark. tantivy is measured when it
is installed (`pip install tantivy`); it is not a dependency of the project.

    python benchmarks/lexical_choice.py
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from _common import CORPUS, benchmark_queries, percentile, shipped_settings

from assistant.evaluation.evaluate import load_dataset, metrics
from assistant.query.filters import Filters
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.tool_ranking import rank_tools
from assistant.service import Assistant
from ingest.chunk.split import embedding_text
from ingest.core.language import analyze
from ingest.core.records import Hit

Search = Callable[[str, int], list[int]]


def build_bm25s(texts: list[list[str]], chunks) -> Search:
    index = LexicalIndex(chunks)
    return lambda q, k: [i for i, _ in index.search(q, k)]


def build_fts5(texts: list[list[str]], chunks) -> Search:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61')")
    db.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)",
                   [(i, " ".join(terms)) for i, terms in enumerate(texts)])

    def search(query: str, k: int) -> list[int]:
        terms = sorted({t for t in analyze(query) if t.replace("-", "").isalnum()})
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?",
                          (match, k)).fetchall()
        return [r[0] for r in rows]
    return search


def build_tantivy(texts: list[list[str]], chunks) -> Search:
    import tantivy

    schema_builder = tantivy.SchemaBuilder()
    schema_builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
    schema_builder.add_integer_field("pos", stored=True, indexed=False)
    schema = schema_builder.build()
    index = tantivy.Index(schema)
    writer = index.writer()
    for i, terms in enumerate(texts):
        writer.add_document(tantivy.Document(body=" ".join(terms), pos=i))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def search(query: str, k: int) -> list[int]:
        terms = [t for t in analyze(query) if t.isalnum()]
        if not terms:
            return []
        parsed = index.parse_query(" ".join(terms), ["body"])
        return [searcher.doc(address)["pos"][0] for _, address in searcher.search(parsed, k).hits]
    return search


def main() -> None:
    assistant = Assistant(shipped_settings())
    assistant.ensure_index()
    snapshot = assistant.retriever.snapshot
    chunks = snapshot.chunks
    texts = [analyze(embedding_text(c)) for c in chunks]
    dataset = load_dataset(CORPUS / "benchmark", CORPUS / "benchmark" / "qrels" / "tools.tsv")
    questions = [q["text"] for q in benchmark_queries()]
    builders = {"bm25s": build_bm25s, "sqlite-fts5": build_fts5, "tantivy": build_tantivy}
    print(f"{len(chunks)} chunks, {len(questions)} questions")
    print(f"{'library':12} {'build s':>8} {'p50 ms':>8} {'p95 ms':>8} {'tool nDCG@10':>13}")
    for name, build in builders.items():
        try:
            started = time.perf_counter()
            search = build(texts, chunks)
            build_s = time.perf_counter() - started
        except ImportError:
            print(f"{name:12} not installed")
            continue
        latency, run = [], {}
        for query_id, query in dataset.queries.items():
            started = time.perf_counter()
            positions = search(query["text"], 100)
            latency.append((time.perf_counter() - started) * 1000)
            hits = [Hit(chunks[p], 1.0 / (60 + r)) for r, p in enumerate(positions, start=1)]
            ranked = rank_tools(query["text"], hits, snapshot.tools, Filters(), 100)
            run[query_id] = {t.tool.id: t.score for t in ranked} or {"__none__": 0.0}
        ndcg = metrics(dataset.qrels, run)["ndcg@10"]
        print(f"{name:12} {build_s:8.2f} {percentile(latency, 50):8.2f} "
              f"{percentile(latency, 95):8.2f} {ndcg:13.3f}")


if __name__ == "__main__":
    main()
