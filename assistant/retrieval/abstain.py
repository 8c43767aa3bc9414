"""Whether anything in the knowledge base fits a question: the evidence and the decision.

Retrieval always returns a best tool, even for "asdf qwerty", and the fused score cannot tell a
good best from a poor one (reciprocal-rank fusion only knows ranks). The decision reads absolute
evidence instead: how close the question's embedding by the English model comes to the nearest
chunk, a tool description or a guide passage. Chosen by benchmarks/abstention.py among the
best tool's and best chunk's similarity by each encoder and the lexical coverage of the
question's words, with the threshold (TOOLBOX_FIT_THRESHOLD) fitted on one half of the built-in
benchmark's answerable and unanswerable questions and judged on the other half.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.core.language import content_words

if TYPE_CHECKING:  # the retriever pulls in torch and chromadb
    from assistant.query.analysis import Analysis
    from assistant.retrieval.hybrid import Retriever
    from ingest.core.records import Retrieval

__all__ = ["Evidence", "english_text", "evidence"]


@dataclass(frozen=True)
class Evidence:
    """Cosine similarity of the question to its nearest chunk (any kind) by the English model."""

    similarity: float

    def fits(self, threshold: float) -> bool:
        return self.similarity >= threshold


def english_text(query: str, analysis: Analysis, multilingual_model: bool) -> str:
    """What the English model embeds for the query, as assistant/retrieval/hybrid.py does (a German
    question: its content words and glossary translation), so the vector is the cached one."""
    expansion = analysis.expansion
    if (expansion is not None and expansion.language != "en" and expansion.translations
            and not multilingual_model):
        return f"{content_words(query)} {' '.join(expansion.translations)}"
    return query


def evidence(retriever: Retriever, query: str, analysis: Analysis,
             retrieval: Retrieval | None = None) -> Evidence:
    """The evidence for a standalone query. Filters are not applied: whether the toolbox speaks
    to a question does not depend on them (an empty filtered result is told apart anyway).

    Args:
        retrieval: the query's retrieval, when made: an unfiltered one already holds the
            similarity (one Chroma query less per question, ~2 ms of ~35 at load 2).
    """
    if retrieval is not None and retrieval.nearest_similarity is not None:
        return Evidence(retrieval.nearest_similarity)
    embedder = retriever.embedder
    vector = embedder.embed_query(english_text(query, analysis, embedder.multilingual))
    nearest = retriever.store.nearest(vector, 1)
    return Evidence(nearest[0][1] if nearest else 0.0)
