"""Profile `ask` (pyinstrument) over the benchmark questions, to see what is not the floor.

    python benchmarks/profile_ask.py [--corpus shipped|10k|100k] [--questions 60]
"""

from __future__ import annotations

import argparse

from _common import benchmark_queries, shipped_settings
from pyinstrument import Profiler
from scale_corpus import built, scale_settings

from assistant.service import Assistant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="shipped", choices=["shipped", "10k", "100k"])
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    if args.corpus == "shipped":
        settings = shipped_settings()
    else:
        size = int(args.corpus[:-1]) * 1000
        assert built(size), f"build it first: python benchmarks/scale_corpus.py {size}"
        settings = scale_settings(size)
    assistant = Assistant(settings)
    assistant.ensure_index()
    questions = [q["text"] for q in benchmark_queries()][:args.questions]
    for question in questions[:5]:
        assistant.ask(question)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for question in questions:
            assistant.embedder.clear_cache()
            assistant.ask(question)
    print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
