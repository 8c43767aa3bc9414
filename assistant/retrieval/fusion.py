"""Weighted reciprocal rank fusion, and how much each signal counts in it per question language.

One fusion and one table for both uses: chunks (bm25, dense, dense_multilingual) in
retrieve.py and tools (the same signals over the tools' own descriptions, plus `passages`: the
best passage naming a tool) in rank.py. A weight multiplies a signal's 1 / (k + rank); each use
has its own k.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Literal, TypeVar

__all__ = ["Item", "Mode", "SIGNALS", "CHUNK_RRF_K", "TOOL_RRF_K", "DEFAULT_WEIGHTS", "WEIGHTS",
           "fusion_weights", "fuse"]

Item = TypeVar("Item", bound=Hashable)

Mode = Literal["hybrid", "bm25", "dense"]
# The signals each mode fuses: lexical, the English model, the multilingual encoder.
SIGNALS: dict[str, frozenset[str]] = {
    "hybrid": frozenset({"bm25", "dense", "dense_multilingual"}),
    "bm25": frozenset({"bm25"}),
    "dense": frozenset({"dense", "dense_multilingual"}),
}

# k and the weights were chosen by leave-one-dataset-out over a grid (bm25, dense and
# multilingual weights in 0.5/1/1.5, chunk k 10/30/60, tool k 10/20; benchmarks/generalise.py
# --cv) on the built-in benchmark (tools nDCG@10) and CLIMATE-FEVER dev (its corpus): chosen on
# CLIMATE-FEVER, the built-in held out scored 0.791 against 0.787 with the values before
# (chunk k 60, tool k 20, all weights 1); chosen on the built-in, CLIMATE-FEVER held out scored
# 0.429 against 0.419. Both folds chose tool k 10 and the multilingual encoder at half weight
# (USE-m v3 is the weakest signal on both: dense-only 0.678 built-in, 0.289 CLIMATE-FEVER);
# chunk k 10 is best on both together (0.791 and 0.444) and costs the built-in nothing.
# A small k makes a first rank count far more than a tenth (1/11 against 1/20), which suits
# rankings where the signals disagree beyond their first few.
CHUNK_RRF_K = 10
TOOL_RRF_K = 10

# passages: a guide passage naming a tool (assistant/retrieval/tool_ranking.py).
DEFAULT_WEIGHTS: dict[str, float] = {"bm25": 1.0, "dense": 1.0, "dense_multilingual": 0.5,
                                     "passages": 1.0}
WEIGHTS: dict[str, dict[str, float]] = {
    "en": DEFAULT_WEIGHTS,
    # A German question's passages are found less precisely (its lexical text carries several
    # glossary synonyms per term; passage nDCG@10 0.56 against 0.63 for English questions), so
    # a passage naming a tool is weaker evidence for it. On the built-in benchmark both halves
    # of the German questions (split by id) gain alike (tools nDCG@10 0.719 -> 0.730 and
    # 0.773 -> 0.784), English questions lose with it; other weights (multilingual 1.5 or 2,
    # lexical 0.75, English dense 0.75) gained nothing or lost (measured with k 20 and the
    # multilingual encoder at full weight; at half weight German questions gained nothing from
    # full weight again: 0.761 against 0.762).
    "de": {**DEFAULT_WEIGHTS, "passages": 0.5},
}


def fusion_weights(language: str) -> dict[str, float]:
    """The weights for questions in `language` (English's for a language without its own)."""
    return WEIGHTS.get(language, DEFAULT_WEIGHTS)


def fuse(rankings: Mapping[str, Sequence[Item]], weights: Mapping[str, float], k: int
         ) -> tuple[dict[Item, float], dict[Item, dict[str, int]]]:
    """Each item's fused score (the sum over signals of weight / (k + rank)) and its rank in
    each signal that found it (ranks from 1); robust to the signals' incomparable scales."""
    scores: dict[Item, float] = {}
    ranks: dict[Item, dict[str, int]] = {}
    for signal, ranking in rankings.items():
        weight = weights.get(signal, 1.0)
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            ranks.setdefault(item, {})[signal] = rank
    return scores, ranks
