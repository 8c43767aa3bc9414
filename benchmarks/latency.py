"""Query latency of `ask` on the shipped corpus against the floor, measured in the same run.

Floor = embedding the query + one Chroma k-NN (the least any dense answer costs); with the
tool encoder (TOOLBOX_TOOL_ENCODER, default e5) also floor+e5: the same with e5's query
embedding beside it on a second thread, as `ask` runs it. Each round
asks every benchmark question once (no query is repeated, so no cache helps); figures are the
medians over rounds of each round's p50/p95.

    python benchmarks/latency.py [--rounds 5] [--tool-encoder none]
"""

from __future__ import annotations

import argparse

from _common import ask_against_floor, benchmark_queries, shipped_settings

from assistant.service import Assistant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tool-encoder", default=None,
                        help="TOOLBOX_TOOL_ENCODER for this run (`none`: as before e5)")
    args = parser.parse_args()
    overrides = {} if args.tool_encoder is None else {"tool_encoder": args.tool_encoder}
    assistant = Assistant(shipped_settings(**overrides))
    assistant.ensure_index()
    questions = [q["text"] for q in benchmark_queries()]
    store = assistant.store
    figures = ask_against_floor(assistant, questions, args.rounds)
    print(f"shipped corpus: {store.count()} chunks, {len(questions)} questions x "
          f"{args.rounds} rounds (medians of per-round percentiles)")
    print(f"ask    p50 {figures['ask_p50']:7.1f} ms   p95 {figures['ask_p95']:7.1f} ms")
    print(f"floor  p50 {figures['floor_p50']:7.1f} ms   p95 {figures['floor_p95']:7.1f} ms")
    print(f"ratio ask/floor  p50 {figures['ask_p50'] / figures['floor_p50']:.2f}   "
          f"p95 {figures['ask_p95'] / figures['floor_p95']:.2f}")
    if "floor_e5_p50" in figures:
        print(f"floor+e5  p50 {figures['floor_e5_p50']:7.1f} ms   "
              f"p95 {figures['floor_e5_p95']:7.1f} ms")
        print(f"ratio ask/(floor+e5)  p50 {figures['ask_p50'] / figures['floor_e5_p50']:.2f}   "
              f"p95 {figures['ask_p95'] / figures['floor_e5_p95']:.2f}")


if __name__ == "__main__":
    main()
