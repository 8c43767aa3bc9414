"""Query latency of `ask` on the shipped corpus against the floor, measured in the same run.

Floor = embedding the query + one Chroma k-NN (the least any dense answer costs); with the
tool encoder (TOOLBOX_TOOL_ENCODER, default e5) also floor+e5: the same with e5's query
embedding beside it on a second thread, as `ask` runs it. Each round
asks every benchmark question once (no query is repeated, so no cache helps); figures are the
medians over rounds of each round's p50/p95. `--e5-questions both` alternates rounds of e5's
int8 question pass (the app's, ingest/embed/e5_torch.py) and its float32 one in one process.

    python benchmarks/latency.py [--rounds 5] [--tool-encoder none] [--e5-questions both]
"""

from __future__ import annotations

import argparse

from _common import ask_against_floor, benchmark_queries, median, shipped_settings

from assistant.service import Assistant


def report(figures: dict[str, float]) -> None:
    print(f"ask    p50 {figures['ask_p50']:7.1f} ms   p95 {figures['ask_p95']:7.1f} ms")
    print(f"floor  p50 {figures['floor_p50']:7.1f} ms   p95 {figures['floor_p95']:7.1f} ms")
    print(f"ratio ask/floor  p50 {figures['ask_p50'] / figures['floor_p50']:.2f}   "
          f"p95 {figures['ask_p95'] / figures['floor_p95']:.2f}")
    if "floor_e5_p50" in figures:
        print(f"floor+e5  p50 {figures['floor_e5_p50']:7.1f} ms   "
              f"p95 {figures['floor_e5_p95']:7.1f} ms")
        print(f"ratio ask/(floor+e5)  p50 {figures['ask_p50'] / figures['floor_e5_p50']:.2f}   "
              f"p95 {figures['ask_p95'] / figures['floor_e5_p95']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tool-encoder", default=None,
                        help="TOOLBOX_TOOL_ENCODER for this run (`none`: as before e5)")
    parser.add_argument("--e5-questions", choices=("int8", "float32", "both"), default="int8",
                        help="e5's question pass: the app's int8 one, float32 (as before), or "
                             "both in alternate rounds")
    args = parser.parse_args()
    overrides = {} if args.tool_encoder is None else {"tool_encoder": args.tool_encoder}
    assistant = Assistant(shipped_settings(**overrides))
    assistant.ensure_index()
    questions = [q["text"] for q in benchmark_queries()]
    store = assistant.store
    precisions = ["int8", "float32"] if args.e5_questions == "both" else [args.e5_questions]
    model = assistant.tool_encoder.warm() if assistant.tool_encoder is not None else None
    passes = {} if model is None else {"int8": model.pooled_questions, "float32": model.pooled}
    rounds: dict[str, list[dict[str, float]]] = {p: [] for p in precisions}
    for _ in range(args.rounds):
        for precision in precisions:
            if model is not None:
                model.pooled_questions = passes[precision]
            rounds[precision].append(ask_against_floor(assistant, questions, 1))
    print(f"shipped corpus: {store.count()} chunks, {len(questions)} questions x "
          f"{args.rounds} rounds (medians of per-round percentiles)")
    for precision, figures in rounds.items():
        if model is not None:
            print(f"-- e5 questions {precision}")
        report({key: median([r[key] for r in figures]) for key in figures[0]})


if __name__ == "__main__":
    main()
