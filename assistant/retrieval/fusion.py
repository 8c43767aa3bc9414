"""Weighted reciprocal rank fusion, and how much each signal counts in it per question language.

One fusion and one table for both uses: chunks (bm25, dense, dense_multilingual) in
retrieve.py and tools (the same signals over the tools' own descriptions, plus `passages`: the
best passage naming a tool) in rank.py. A weight multiplies a signal's 1 / (k + rank); each use
has its own k.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Literal, TypeVar

__all__ = ["Item", "Mode", "SIGNALS", "CHUNK_RRF_K", "TOOL_RRF_K", "DEFAULT_WEIGHTS", "WEIGHTS",
           "LANGUAGE_PRIOR", "Fusion", "FUSION", "fusion_weights", "fuse", "prefer_language"]

Item = TypeVar("Item", bound=Hashable)

Mode = Literal["hybrid", "bm25", "dense"]
Fusion = Literal["rrf", "convex"]
# The signals each mode fuses: lexical, the English model, the multilingual encoder.
SIGNALS: dict[str, frozenset[str]] = {
    "hybrid": frozenset({"bm25", "dense", "dense_multilingual"}),
    "bm25": frozenset({"bm25"}),
    "dense": frozenset({"dense", "dense_multilingual"}),
}

# k for chunks: the customary 60, set for runs of about 1,000 documents. k for tools: over the
# few hundred tools of a toolbox 60 flattens the top ranks (1/61 for a first rank, 1/70 for a
# tenth); 20 gave tools nDCG@10 / R@10 0.794 / 0.799 against 0.774 / 0.782 at 60.
# Leave-one-dataset-out over a grid (benchmarks/generalise.py --cv: bm25, dense and
# multilingual weights in 0.5/1/1.5, chunk k 10/30/60, tool k 10/20) chose chunk k 10, tool k
# 10 and the multilingual encoder at half weight: built-in tools 0.791 -> 0.797, CLIMATE-FEVER
# dev 0.419 -> 0.444. Not adopted: on the follow-up benchmark (benchmarks/followups.py) it
# widened the gap between follow-ups and one-turn questions from 0.038 to 0.061, past the bar
# of 0.05, and every grid point with tool k 10 or the multilingual weight at 0.5 did the same
# (0.061-0.077). A change counts only when it holds on every benchmark.
CHUNK_RRF_K = 60
TOOL_RRF_K = 20

# passages: a guide passage naming a tool (assistant/retrieval/tool_ranking.py).
DEFAULT_WEIGHTS: dict[str, float] = {"bm25": 1.0, "dense": 1.0, "dense_multilingual": 1.0,
                                     "passages": 1.0}
WEIGHTS: dict[str, dict[str, float]] = {
    "en": DEFAULT_WEIGHTS,
    # A German question's passages are found less precisely (its lexical text carries several
    # glossary synonyms per term; passage nDCG@10 0.56 against 0.63 for English questions), so
    # a passage naming a tool is weaker evidence for it. On the built-in benchmark both halves
    # of the German questions (split by id) gain alike (tools nDCG@10 0.719 -> 0.730 and
    # 0.773 -> 0.784), English questions lose with it; other weights (multilingual 1.5 or 2,
    # lexical 0.75, English dense 0.75) gained nothing or lost.
    "de": {**DEFAULT_WEIGHTS, "passages": 0.5},
}


# How the chunks' signals are combined: by a convex combination of their scores, each scaled to
# 0-1 over what the signal found (Bruch et al. 2023 found it beats RRF and needs little
# tuning). A near-tie in one signal then counts as a near-tie, not as a whole rank step.
# Side by side (benchmarks/generalise.py --fusions rrf,convex, one run, merged code), RRF ->
# convex: built-in tools nDCG@10 0.752 -> 0.752, CLIMATE-FEVER dev 0.419 -> 0.434, real reports
# 0.507 -> 0.537 (hit@5 0.765 -> 0.824), follow-up gap unchanged. Tools keep rank fusion: their
# passage evidence counts at the passage's rank, and score fusion there widened the follow-up
# gap to 0.063.
FUSION: Fusion = "convex"

# A chunk written in the question's language gains LANGUAGE_PRIOR first ranks' worth of fused
# score (weight / (k + 1)); chunks of unknown language, none. 0: no prior.
LANGUAGE_PRIOR = 0.0


def fusion_weights(language: str) -> dict[str, float]:
    """The weights for questions in `language` (English's for a language without its own)."""
    return WEIGHTS.get(language, DEFAULT_WEIGHTS)


def fuse(rankings: Mapping[str, Sequence[Item]], weights: Mapping[str, float], k: int,
         signal_scores: Mapping[str, Mapping[Item, float]] | None = None,
         method: Fusion | None = None
         ) -> tuple[dict[Item, float], dict[Item, dict[str, int]]]:
    """Each item's fused score and its rank in each signal that found it (ranks from 1).

    rrf: the sum over signals of weight / (k + rank), robust to the signals' incomparable
    scales. convex: the weighted sum of each signal's scores scaled to 0-1 by the signal's own
    range over what it found (a signal that did not find an item gives it 0), divided by
    (k + 1) so that one signal's best counts as its first rank does in rrf. Signals without
    scores are fused by rank whatever the method.
    """
    chosen = FUSION if method is None else method
    scores: dict[Item, float] = {}
    ranks: dict[Item, dict[str, int]] = {}
    for signal, ranking in rankings.items():
        weight = weights.get(signal, 1.0)
        found = (signal_scores or {}).get(signal)
        if chosen == "convex" and found:
            low, high = min(found.values()), max(found.values())
            span = high - low or 1.0
            for item in ranking:
                scores[item] = scores.get(item, 0.0) + weight * (
                    found.get(item, low) - low) / span / (k + 1)
        else:
            for rank, item in enumerate(ranking, start=1):
                scores[item] = scores.get(item, 0.0) + weight / (k + rank)
        for rank, item in enumerate(ranking, start=1):
            ranks.setdefault(item, {})[signal] = rank
    return scores, ranks


def prefer_language(scores: dict[Item, float], language_of: Callable[[Item], str],
                    language: str, k: int, prior: float | None = None) -> dict[Item, float]:
    """The fused scores with the document-language prior added: a page in the reader's
    language answers them better than an equally ranked one they must translate."""
    bonus = (LANGUAGE_PRIOR if prior is None else prior) / (k + 1)
    if not bonus:
        return scores
    return {item: score + bonus * (language_of(item) == language)
            for item, score in scores.items()}
