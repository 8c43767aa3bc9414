"""BM25's proximity bonus: a passage whose question words stand near each other ranks above one
where the same words stand far apart (assistant/retrieval/proximity.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from assistant.retrieval import proximity
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.lexical_cache import CacheKey, load_or_build
from ingest.core.records import Chunk

FILLER = "Volunteers counted birds, bats and beetles in every park, garden and cemetery."


def _passages(*texts: str, kind: Literal["tool", "passage"] = "passage") -> list[Chunk]:
    return [Chunk(chunk_id=f"c{i}", kind=kind, source_id=f"s{i}", doc_id=f"d{i}", title="",
                  text=t, page_start=1, page_end=1) for i, t in enumerate(texts)]


def _far_and_near() -> list[Chunk]:
    # The same words and length; only where 'sea' and 'level' stand differs. The far one
    # comes first, so equal scores (plain BM25) leave it on top.
    return _passages(f"The sea walls were repaired. {FILLER} {FILLER} The level of the lake rose.",
                     f"The sea level rose by the walls. {FILLER} {FILLER} The lake was repaired.")


def test_question_words_near_each_other_rank_above_the_same_words_far_apart() -> None:
    index = LexicalIndex(_far_and_near())
    scores = index.scores("sea level", "en")
    assert scores[1] > scores[0] > 0
    assert [i for i, _ in index.search("sea level", 2, language="en")] == [1, 0]


def test_a_german_question_gains_in_german_text_and_a_question_of_unknown_language_too() -> None:
    filler = "Freiwillige zählten Vögel, Fledermäuse und Käfer in jedem Park und Garten."
    index = LexicalIndex(_passages(
        f"Die Kanäle der Stadt wurden gereinigt. {filler} {filler} Die Überlastung kam später.",
        f"Die Überlastung der Kanäle kam später. {filler} {filler} Die Stadt wurde gereinigt."))
    for language in ("de", None):
        scores = index.scores("Überlastung der Kanäle", language)
        assert scores[1] > scores[0] > 0


def test_one_question_word_gets_no_bonus() -> None:
    index = LexicalIndex(_far_and_near())
    scores = index.scores("level", "en")
    assert scores[0] == pytest.approx(scores[1])


def test_tool_descriptions_gain_too() -> None:
    chunks = _far_and_near()
    tools = _passages(*(c.text for c in chunks), kind="tool")
    index = LexicalIndex([*chunks, *tools])
    scores = index.scores("sea level", "en")
    assert scores[3] > scores[2]


def _near_pairs(positions: list[int], terms: list[int]) -> int:
    """How many distinct term pairs of one chunk (term ids at positions) occur within
    proximity.WINDOW of each other, read back from the bonus raise_near gives a score of 1."""
    sequences = proximity.Sequences.of([[-1] * (max(positions) + 1)])
    for where, t in zip(positions, terms, strict=True):
        sequences.terms[where] = t
    scores = np.ones(1, dtype=np.float64)
    wanted = sorted(set(terms))
    proximity.raise_near(scores, sequences, wanted, np.array([0]))
    pairs = len(wanted) * (len(wanted) - 1) // 2
    return round((scores[0] - 1.0) / proximity.WEIGHT * pairs) if pairs else 0


def test_the_window_counts_stems_not_words() -> None:
    # stopwords are not in a chunk's stems, so 'the' and 'of' do not push words apart
    assert _near_pairs([0, proximity.WINDOW], [1, 2]) == 1
    assert _near_pairs([0, proximity.WINDOW + 1], [1, 2]) == 0
    assert _near_pairs([0, 1, 2], [1, 1, 2]) == 1  # a word beside itself is no pair


def test_a_cached_index_scores_proximity_exactly_like_a_fresh_one(tmp_path: Path) -> None:
    chunks = _far_and_near()
    load_or_build(chunks, CacheKey("toolbox", 1, 1), tmp_path)
    cached = load_or_build(chunks, CacheKey("toolbox", 1, 1), tmp_path)
    assert isinstance(cached._sequences.terms, np.memmap)  # type: ignore[union-attr]
    np.testing.assert_array_equal(cached.scores("sea level", "en"),
                                  LexicalIndex(chunks).scores("sea level", "en"))
