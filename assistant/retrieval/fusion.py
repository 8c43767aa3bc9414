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
           "LANGUAGE_PRIOR", "STAND_INS", "Fusion", "FUSION", "fusion_weights", "fuse",
           "prefer_language"]

Item = TypeVar("Item", bound=Hashable)

Mode = Literal["hybrid", "bm25", "dense"]
Fusion = Literal["rrf", "convex"]
# The signals each mode fuses: lexical, the English model, the multilingual encoder.
# dense_e5: the tool encoder (ingest/embed/tool_encoder.py), which scores the tools alone, in
# place of the multilingual encoder's tool scores; passages keep the two others.
SIGNALS: dict[str, frozenset[str]] = {
    "hybrid": frozenset({"bm25", "dense", "dense_multilingual", "dense_e5"}),
    "bm25": frozenset({"bm25"}),
    "dense": frozenset({"dense", "dense_multilingual", "dense_e5"}),
}

# k and the weights were chosen by leave-one-dataset-out cross-validation over four sets
# (benchmarks/generalise.py --cv: 864 settings of the bm25, dense and multilingual weights in
# 0.5/1/1.5, chunk k 10/30/60, tool k 10/20, 1-3 passages per tool, rank or score fusion; a
# setting whose follow-up gap passes its bar of 0.05 is never chosen). Every fold chose rank
# fusion, chunk k 10, tool k 10 and the multilingual encoder at half weight, and two of three
# the lexical signal at 1.5. Held out: built-in tools nDCG@10 0.754, CLIMATE-FEVER dev 0.440,
# real reports 0.577 (shipped before: 0.752, 0.434, 0.537). The values below are the setting
# best on all sets together. A small k suits small runs: over a few hundred tools or the
# top 100 chunks, k 60 flattens the first ranks into near-ties (1/61 against 1/70 at rank 10).
CHUNK_RRF_K = 10
TOOL_RRF_K = 10

# passages: a guide passage naming a tool (assistant/retrieval/tool_ranking.py).
# The multilingual encoder is the weakest signal on English text (CLIMATE-FEVER dev nDCG@10
# 0.290 alone, against 0.354 for MiniLM and 0.377 for BM25), hence its half weight.
# dense_e5 (the tools by e5, in place of USE-m's tool scores): 1.0, by 5-fold cross-validation
# over the built-in questions (benchmarks/e5_tool_weight.py; grid 0.25-2): the folds chose
# 0.75-1.25 (1.25 three times), held out tools nDCG@10 0.795 against 0.788 without e5. On all
# questions 0.75, 1.0 and 1.25 are within 0.001 (0.800-0.801); the follow-ups' two-turn form
# falls as the weight rises (0.796, 0.794, 0.789; 0.807 without e5), so the middle of the
# folds' choices.
DEFAULT_WEIGHTS: dict[str, float] = {"bm25": 1.5, "dense": 1.0, "dense_multilingual": 0.5,
                                     "dense_e5": 1.0, "passages": 1.0}
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


# How the chunks' signals are combined. Score fusion (a convex combination of each signal's
# scores scaled to 0-1, Bruch et al. 2023) beat rank fusion at k 60 (CLIMATE-FEVER dev 0.419
# -> 0.434, real reports 0.507 -> 0.537), but rank fusion at k 10 beat both in every fold of
# the cross-validation above; "convex" stays available to benchmarks and evaluators.
FUSION: Fusion = "rrf"

# A chunk written in the question's language gains LANGUAGE_PRIOR first ranks' worth of fused
# score (weight / (k + 1)); chunks of unknown language, none. 0: no prior.
LANGUAGE_PRIOR = 0.0


# A signal that cannot read an item hands its weight to one that can. The English model
# (`dense`) embeds an English question as it stands, so a German chunk is out of its reach: it
# ranks such chunks low for their language, not their content, and a German page scored by two
# signals lost to English pages scored by three. On the items the caller names unreadable, the
# multilingual encoder counts with the English model's weight added to its own. Measured with
# benchmarks/generalise.py (one run; only the real reports hold German chunks an English
# question can want): real reports nDCG@10 0.605 -> 0.611, hit@5 0.882 -> 0.912 (r20, r22 up;
# r21, r28, r31 down a rank), built-in, CLIMATE-FEVER and follow-ups unchanged. Added weights
# of 0.75-1.5 gave 0.611-0.612 (hit@5 0.882-0.912), 2.0 fell to 0.587; given to chunks in
# the other language than the question's for German questions too: 0.575 (0.941).
STAND_INS: dict[str, str] = {"dense": "dense_multilingual"}


def fusion_weights(language: str) -> dict[str, float]:
    """The weights for questions in `language` (English's for a language without its own)."""
    return WEIGHTS.get(language, DEFAULT_WEIGHTS)


def fuse(rankings: Mapping[str, Sequence[Item]], weights: Mapping[str, float], k: int,
         signal_scores: Mapping[str, Mapping[Item, float]] | None = None,
         method: Fusion | None = None, unread: Callable[[Item], bool] | None = None
         ) -> tuple[dict[Item, float], dict[Item, dict[str, int]]]:
    """Each item's fused score and its rank in each signal that found it (ranks from 1).

    rrf: the sum over signals of weight / (k + rank), robust to the signals' incomparable
    scales. convex: the weighted sum of each signal's scores scaled to 0-1 by the signal's own
    range over what it found (a signal that did not find an item gives it 0), divided by
    (k + 1) so that one signal's best counts as its first rank does in rrf. Signals without
    scores are fused by rank whatever the method. `unread`: the items the signals in STAND_INS
    cannot read; on them each such signal's weight counts for its stand-in as well.
    """
    chosen = FUSION if method is None else method
    scores: dict[Item, float] = {}
    ranks: dict[Item, dict[str, int]] = {}
    for signal, ranking in rankings.items():
        base = weights.get(signal, 1.0)
        extra = sum(weights.get(blind, 1.0) for blind, stand_in in STAND_INS.items()
                    if stand_in == signal and blind in rankings)
        boosted = frozenset(i for i in ranking if unread(i)) \
            if extra and unread is not None else frozenset()
        found = (signal_scores or {}).get(signal)
        if chosen == "convex" and found:
            low, high = min(found.values()), max(found.values())
            span = high - low or 1.0
            for item in ranking:
                weight = base + extra if item in boosted else base
                scores[item] = scores.get(item, 0.0) + weight * (
                    found.get(item, low) - low) / span / (k + 1)
        else:
            for rank, item in enumerate(ranking, start=1):
                weight = base + extra if item in boosted else base
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
