"""Retrieval quality on the built-in benchmark: BM25, dense and hybrid, English and German apart.

    python benchmarks/quality.py [--target tools|passages|both]
"""

from __future__ import annotations

import argparse

from _common import CORPUS, shipped_settings

from assistant.evaluate import (
    RETRIEVERS,
    breakdown,
    evaluate,
    load_dataset,
    passage_run,
    tool_run,
)
from assistant.service import Assistant

SHOWN = ("ndcg@10", "recall@10", "mrr@10")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("tools", "passages", "both"), default="both")
    args = parser.parse_args()
    assistant = Assistant(shipped_settings())
    assistant.ensure_index()
    targets = ("tools", "passages") if args.target == "both" else (args.target,)
    for target in targets:
        dataset = load_dataset(CORPUS / "benchmark", CORPUS / "benchmark" / "qrels" /
                               f"{target}.tsv")
        make = tool_run if target == "tools" else passage_run
        runners = {m: make(assistant, m) for m in RETRIEVERS}
        runners["hybrid-plain"] = make(assistant, "hybrid", intent=False, expansion=False)
        results = evaluate(dataset, runners)
        by_lang = breakdown(dataset, results, "lang")
        print(f"\n{target}: {len(dataset.queries)} queries")
        print(f"{'retriever':10} {'all':>26} {'en':>26} {'de':>26}")
        print(f"{'':10} " + " ".join(f"{' '.join(f'{m[:6]:>8}' for m in SHOWN):>26}"
                                     for _ in range(3)))
        for name, result in results.items():
            cells = [result.metrics] + [by_lang[lang][name] for lang in ("en", "de")]
            print(f"{name:10} " + " ".join(
                f"{' '.join(f'{c[m]:8.3f}' for m in SHOWN):>26}" for c in cells))


if __name__ == "__main__":
    main()
