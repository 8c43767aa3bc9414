"""How much each retrieval signal counts in the reciprocal rank fusion, per question language.

One table for both fusions: chunks (bm25, dense, dense_multilingual) in retrieve.py and tools
(the same signals over the tools' own descriptions, plus `passages`: the best passage naming a
tool) in rank.py. A weight multiplies a signal's 1 / (RRF_K + rank).
"""

from __future__ import annotations

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


def fusion_weights(language: str) -> dict[str, float]:
    """The weights for questions in `language` (English's for a language without its own)."""
    return WEIGHTS.get(language, DEFAULT_WEIGHTS)
