"""Ingest throughput on the shipped corpus against the floor (embedding the same chunks alone),
re-ingest of the unchanged corpus, and a 300-page PDF (time and peak RSS of a real CLI run).

Each round ingests the corpus into a fresh store, then embeds the very chunks it wrote with
nothing else (the floor: by the English and the multilingual encoder, as ingest does), then
ingests again unchanged. Figures are medians over rounds.

    python benchmarks/ingest.py [--rounds 3] [--pages 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from _common import CACHE, CORPUS, ROOT, median, shipped_settings

from assistant.service import Assistant
from ingest.chunk.mentions import MentionFinder
from ingest.chunk.split import ChunkingParams, chunk_document, embedding_text
from ingest.core.settings import Settings
from ingest.embed.sentence_transformer import Embedder
from ingest.parse.dispatch import parse_document
from tests.test_long_pdf import write_long_pdf  # the same document the test ingests

THROUGHPUT_BAR = 0.8  # ingest at least 0.8x as fast as embedding alone
REINGEST_BAR = 0.05  # re-ingest of an unchanged corpus within 5 % of the first ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=300)
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
        if assistant.multilingual is not None and assistant.store.has_multilingual:
            assistant.multilingual.embed_documents(texts)
        floor_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        assistant.ingest([CORPUS])
        again_s.append(time.perf_counter() - started)
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    chunks = chunk_counts[0]
    ingest, floor, again = median(ingest_s), median(floor_s), median(again_s)
    ratio, share = floor / ingest, again / ingest
    print(f"shipped corpus: {chunks} chunks, {args.rounds} rounds (medians); cache {CACHE}")
    print(f"ingest      {ingest:6.2f} s   {chunks / ingest:7.1f} chunks/s")
    print(f"floor       {floor:6.2f} s   {chunks / floor:7.1f} chunks/s  (embedding only, "
          "by every encoder the index keeps)")
    print(f"throughput ratio ingest/floor {ratio:.2f}  (bar >= {THROUGHPUT_BAR}: "
          f"{_verdict(ratio >= THROUGHPUT_BAR)})")
    print(f"re-ingest unchanged {again:6.2f} s = {100 * share:.1f} % of first ingest  "
          f"(bar <= {100 * REINGEST_BAR:.0f} %: {_verdict(share <= REINGEST_BAR)})")
    long_pdf(args.pages, embedder)


def long_pdf(pages: int, embedder: Embedder) -> None:
    """A real `toolbox-assistant ingest` of one long PDF in a subprocess: wall time and its
    peak RSS, next to the same process on a one-page PDF (model and libraries alone)."""
    folder = CACHE / "long-pdf"
    shutil.rmtree(folder, ignore_errors=True)
    big = write_long_pdf(folder / f"report-{pages}-pages.pdf", pages)
    small = write_long_pdf(folder / "one-page.pdf", 1)
    runs = {name: _cli_ingest(path, folder / f"data-{name}") for name, path in
            (("small", small), ("big", big))}
    settings = Settings.from_env(environ={}, data_dir=folder / "data-big", collection="long")
    texts = [embedding_text(c) for c in Assistant(settings, embedder=embedder).store.chunks()]
    started = time.perf_counter()
    embedder.embed_documents(texts)
    floor = time.perf_counter() - started
    (seconds, rss), (start, base) = runs["big"], runs["small"]
    tracemalloc.start()
    chunks = chunk_document(parse_document(big), ChunkingParams(1000, 150), MentionFinder([]))
    python_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    text = sum(len(c.text) for c in chunks)
    print(f"{pages}-page PDF: {len(texts)} chunks; CLI run {seconds:.1f} s, of which about "
          f"{start:.1f} s is a one-page run (start-up); embedding floor {floor:.1f} s")
    print(f"peak RSS {rss:.0f} MB ({pages} pages) vs {base:.0f} MB (one page); reading and "
          f"chunking all {pages} pages peaks at {python_peak / 1e6:.1f} MB of Python memory for "
          f"{text / 1e6:.2f} MB of chunk text (pages are read one at a time), so the rest is "
          "the embedder's batch working memory")
    shutil.rmtree(folder, ignore_errors=True)


# Started from a small Python, not from this process: Linux carries a parent's peak RSS over
# to the child it forks, and this process holds the model already.
_MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(code, time.perf_counter() - started, peak)
"""


def _cli_ingest(path: Path, data: Path) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of `python -m assistant ingest PATH`."""
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(data), "TOOLBOX_COLLECTION": "long",
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "assistant",
                          "ingest", str(path)], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "0", f"ingest of {path} failed"
    return float(out[1]), int(out[2]) / 1024  # ru_maxrss is in KiB on Linux


def _verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


if __name__ == "__main__":
    main()
