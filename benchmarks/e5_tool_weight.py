"""The weight of the e5 tool signal (`dense_e5`), chosen by cross-validation over the built-in
benchmark's questions, from one retrieval (benchmarks/generalise.py --collected FILE).

    python benchmarks/e5_tool_weight.py FILE [--folds 5]

Folds: the questions in id order dealt round-robin, so each holds both languages and every
question type. For each fold the weight best on the other folds (tools nDCG@10) is judged on
it; the held-out nDCG@10 pools the folds' questions. The other datasets are shown at each
weight: CLIMATE-FEVER and the real reports rank passages, which the tool signal never touches;
the follow-ups show the gap.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
from dataclasses import replace
from pathlib import Path

from generalise import BEFORE, SIGNALS, Collected, Setting, _extra, ndcg, run_of, shipped

GRID = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def weighted(weight: float) -> Setting:
    base = shipped()
    return replace(base, weights={lang: {**w, "dense_e5": weight}
                                  for lang, w in base.weights.items()})


def held_out(data: Collected, folds: int) -> tuple[list[float], float]:
    """The weight each fold chose, and the pooled held-out runs' nDCG@10."""
    runs = {w: run_of(data, SIGNALS, weighted(w)) for w in GRID}
    ordered = sorted(data.questions, key=lambda q: q.query_id)
    chosen, pooled = [], {}
    for fold in range(folds):
        train = replace(data, questions=[q for i, q in enumerate(ordered) if i % folds != fold])
        best = max(GRID, key=lambda w: (ndcg(train, runs[w]), -abs(w - 1.0)))
        chosen.append(best)
        pooled.update({q.query_id: runs[best][q.query_id]
                       for i, q in enumerate(ordered) if i % folds == fold})
    return chosen, ndcg(data, pooled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collected", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    import generalise

    import __main__

    __main__.Question = generalise.Question  # type: ignore[attr-defined]  # pickled as such
    __main__.Collected = generalise.Collected  # type: ignore[attr-defined]
    datasets: list[Collected] = pickle.loads(args.collected.read_bytes())
    print(f"{'run':28} " + "  ".join(d.name for d in datasets))
    for name, signals, setting in [("without e5 (USE-m tools 0.5)", BEFORE, shipped()),
                                   *((f"e5 tools {w}", SIGNALS, weighted(w)) for w in GRID)]:
        cells = []
        for data in datasets:
            run = run_of(data, signals, setting)
            cell = f"{ndcg(data, run):.3f}"
            if data.name == "builtin":
                cell += f" (en {ndcg(data, run, 'en'):.3f} de {ndcg(data, run, 'de'):.3f})"
            cells.append(cell + (f" {_extra(data, run)}" if _extra(data, run) else ""))
        print(f"{name:28} " + "  ".join(cells), flush=True)
    builtin = next(d for d in datasets if d.name == "builtin")
    chosen, pooled = held_out(builtin, args.folds)
    print(f"\ncross-validation ({args.folds} folds of the built-in questions): weights chosen "
          f"{chosen}, median {statistics.median(chosen)}; held-out tools nDCG@10 {pooled:.3f}")


if __name__ == "__main__":
    main()
