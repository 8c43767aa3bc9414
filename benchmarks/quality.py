"""Retrieval quality on the built-in benchmark: BM25, dense and hybrid, English and German apart.

    python benchmarks/quality.py [--target tools|passages|both] [--benchmark DIR]

The same evaluation as `toolbox-assistant evaluate builtin`, on a cached index of the corpus.
Questions without judgments (`"answerable": false`: nothing in the toolbox fits) are left out
of nDCG; benchmarks/abstention.py uses them. `--benchmark` evaluates another copy of the
benchmark folder (e.g. an older version, to compare figures).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import CORPUS, benchmark_queries, shipped_settings

from assistant.evaluation.evaluate import DEFAULT_RETRIEVERS
from assistant.evaluation.report import text_table
from assistant.service import Assistant

RETRIEVERS = (*DEFAULT_RETRIEVERS, "hybrid-no-expansion", "hybrid-no-intent", "hybrid-plain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("tools", "passages", "both"), default="both")
    parser.add_argument("--benchmark", type=Path, default=CORPUS / "benchmark",
                        help="a benchmark folder: queries.jsonl, qrels/tools.tsv, passages.tsv")
    args = parser.parse_args()
    assistant = Assistant(shipped_settings())
    assistant.ensure_index()
    targets = ("tools", "passages") if args.target == "both" else (args.target,)
    for target in targets:
        evaluation = assistant.evaluate(args.benchmark, target, RETRIEVERS,
                                        qrels=args.benchmark / "qrels" / f"{target}.tsv")
        unjudged = len(benchmark_queries(args.benchmark)) - len(evaluation.queries)
        print()
        print(f"{args.benchmark}: {len(evaluation.queries)} judged questions for {target}; "
              f"{unjudged} without judgments left out of nDCG")
        print(text_table(evaluation))
        hybrid = evaluation.results["hybrid"].metrics["ndcg@10"]
        others = {n: r.metrics["ndcg@10"] for n, r in evaluation.results.items()
                  if n in ("bm25", "dense")}  # the ablations (hybrid-no-...) are not the bar
        verdict = "meets" if all(hybrid > v for v in others.values()) else "MISSES"
        print(f"bar (hybrid beats bm25 and dense on nDCG@10): {verdict}")


if __name__ == "__main__":
    main()
