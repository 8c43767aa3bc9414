"""German compound splitting in BM25 (ingest/core/compounds.py), its modes side by side in one run.

    python benchmarks/compound_splitting.py [--modes off,all,keep-glossary]
        [--benchmarks generalise,realdocs] [--keep DIR]

For each mode the analyzer is switched (compounds.SPLITTING; the lexical cache's fingerprint
includes it, so every mode builds its own BM25 index) and the figures of benchmarks/generalise.py
(built-in tools nDCG@10 by language, CLIMATE-FEVER dev) and benchmarks/realdocs.py (the three
real reports; `--keep` reuses their ingested index between modes and runs) are printed, and
`build`: the time to build the BM25 index of the corpus + reports' chunks and to score the
built-in benchmark's questions with it (medians of 3 rounds).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import generalise
import realdocs
from _common import CORPUS, benchmark_queries

from assistant.query.expand import expand
from assistant.retrieval.lexical import LexicalIndex
from assistant.service import Assistant
from ingest.core import compounds
from ingest.core.settings import Settings


def build_and_score(keep: Path, rounds: int = 3) -> None:
    """Median seconds to build the BM25 index of the kept index's chunks, and per question."""
    assistant = Assistant(Settings.from_env(environ={}, data_dir=keep, corpus_dir=CORPUS,
                                            collection="bench"))
    if assistant.store.count() == 0:
        realdocs.main()  # the kept index is made by the realdocs benchmark
    chunks = assistant.retriever.snapshot.chunks
    questions = [(q["text"], expand(q["text"])) for q in benchmark_queries()]
    builds, asks = [], []
    for _ in range(rounds):
        compounds.reset()
        started = time.perf_counter()
        index = LexicalIndex(chunks)
        builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        for text, expansion in questions:
            index.scores(text, expansion.language, expansion.translations)
        asks.append((time.perf_counter() - started) / len(questions))
    print(f"bm25 build of {len(chunks)} chunks: {statistics.median(builds):.2f} s; scoring "
          f"{len(questions)} questions: {1000 * statistics.median(asks):.2f} ms each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="off,all,keep-glossary")
    parser.add_argument("--benchmarks", default="generalise,realdocs")
    parser.add_argument("--keep", type=Path, help="realdocs index folder to build once and reuse")
    args = parser.parse_args()
    keep = args.keep or Path(tempfile.mkdtemp(prefix="compound-realdocs-"))
    for mode in args.modes.split(","):
        compounds.SPLITTING = mode
        compounds.reset()
        for name in args.benchmarks.split(","):
            print(f"\n=== splitting={mode}: {name} ===", flush=True)
            if name == "generalise":
                sys.argv = ["generalise.py"]
                generalise.main()
            elif name == "realdocs":
                sys.argv = ["realdocs.py", "--keep", str(keep)]
                realdocs.main()
            elif name == "build":
                build_and_score(keep)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
