"""Retrieval quality on the built-in benchmark: BM25, dense and hybrid, English and German apart.

    python benchmarks/quality.py [--target tools|passages|both]

The same evaluation as `toolbox-assistant evaluate builtin`, on a cached index of the corpus.
"""

from __future__ import annotations

import argparse

from _common import CORPUS, shipped_settings

from assistant.evaluation.evaluate import DEFAULT_RETRIEVERS
from assistant.evaluation.report import text_table
from assistant.service import Assistant

RETRIEVERS = (*DEFAULT_RETRIEVERS, "hybrid-no-expansion", "hybrid-no-intent", "hybrid-plain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("tools", "passages", "both"), default="both")
    args = parser.parse_args()
    assistant = Assistant(shipped_settings())
    assistant.ensure_index()
    targets = ("tools", "passages") if args.target == "both" else (args.target,)
    for target in targets:
        evaluation = assistant.evaluate(CORPUS / "benchmark", target, RETRIEVERS,
                                        qrels=CORPUS / "benchmark" / "qrels" / f"{target}.tsv")
        print()
        print(text_table(evaluation))
        hybrid = evaluation.results["hybrid"].metrics["ndcg@10"]
        others = {n: r.metrics["ndcg@10"] for n, r in evaluation.results.items()
                  if n in ("bm25", "dense")}  # the ablations (hybrid-no-...) are not the bar
        verdict = "meets" if all(hybrid > v for v in others.values()) else "MISSES"
        print(f"bar (hybrid beats bm25 and dense on nDCG@10): {verdict}")


if __name__ == "__main__":
    main()
