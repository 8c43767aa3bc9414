"""Precision of the chips a question implies: are they conditions the question states?

    python benchmarks/chip_precision.py

Each benchmark question (corpus/benchmark/queries.jsonl) goes through the real analysis
(assistant.query.analysis.analyse) and the app's choice of what to show
(assistant.answer.evidence.stated_chips). The shown chips are compared with the ones a careful
reader wrote down for it (corpus/benchmark/expected_filters.jsonl). Printed: precision and recall,
overall and per language, then each false positive and each missed chip.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import CORPUS, benchmark_queries

from assistant.answer.evidence import stated_chips
from assistant.query.analysis import analyse

__all__ = ["Score", "shown_chips", "expected_chips", "score"]

EXPECTED = CORPUS / "benchmark" / "expected_filters.jsonl"


@dataclass(frozen=True)
class Score:
    """Shown chips against expected ones, counted over questions (`field:value` per question)."""

    true_positives: int
    false_positives: list[tuple[str, str]]  # (question id, chip)
    missed: list[tuple[str, str]]

    @property
    def precision(self) -> float:
        shown = self.true_positives + len(self.false_positives)
        return self.true_positives / shown if shown else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + len(self.missed)
        return self.true_positives / wanted if wanted else 1.0


def shown_chips(question: str) -> tuple[str, ...]:
    """The inferred chips the app shows for a question."""
    return stated_chips(analyse(question).intent.chips())


def expected_chips(path: Path = EXPECTED) -> dict[str, frozenset[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {row["_id"]: frozenset(row["filters"]) for row in map(json.loads, lines) if row}


def score(questions: Sequence[dict], expected: dict[str, frozenset[str]],
          chips: Callable[[str], Sequence[str]] = shown_chips) -> Score:
    true_positives, false_positives, missed = 0, [], []
    for question in questions:
        shown, wanted = set(chips(question["text"])), expected[question["_id"]]
        true_positives += len(shown & wanted)
        false_positives += [(question["_id"], chip) for chip in sorted(shown - wanted)]
        missed += [(question["_id"], chip) for chip in sorted(wanted - shown)]
    return Score(true_positives, false_positives, missed)


def main() -> None:
    questions, expected = benchmark_queries(), expected_chips()
    texts = {q["_id"]: q["text"] for q in questions}
    for language in ("all", "en", "de"):
        subset = [q for q in questions if language in ("all", q["lang"])]
        result = score(subset, expected)
        print(f"{language:>3}: {len(subset):3d} questions, precision {result.precision:.3f} "
              f"({result.true_positives}/{result.true_positives + len(result.false_positives)}),"
              f" recall {result.recall:.3f}")
    result = score(questions, expected)
    for title, pairs in (("false positives", result.false_positives),
                         ("missed", result.missed)):
        print(f"\n{title} ({len(pairs)}):")
        for qid, chip in pairs:
            print(f"  {qid} {chip:28} {texts[qid]}")


if __name__ == "__main__":
    main()
