"""How the chunks' signals are fused (assistant/retrieval/fusion.py)."""

from __future__ import annotations

from assistant.retrieval.fusion import CHUNK_RRF_K, fuse

WEIGHTS = {"bm25": 1.0, "dense": 1.0}


def test_a_near_tie_in_one_signal_counts_as_a_near_tie_not_a_rank_step() -> None:
    # A leads lexically by a hair; B leads the dense signal by far. By ranks alone they tie.
    rankings = {"bm25": ["a", "b", "c"], "dense": ["b", "a", "c"]}
    scores = {"bm25": {"a": 10.0, "b": 9.99, "c": 0.0}, "dense": {"b": 0.9, "a": 0.5, "c": 0.1}}
    fused, ranks = fuse(rankings, WEIGHTS, CHUNK_RRF_K, scores, method="convex")
    assert fused["b"] > fused["a"] > fused["c"]
    assert ranks["a"] == {"bm25": 1, "dense": 2}
    by_rank, _ = fuse(rankings, WEIGHTS, CHUNK_RRF_K, scores, method="rrf")
    assert by_rank["a"] == by_rank["b"]


def test_a_signal_without_scores_is_fused_by_rank() -> None:
    rankings = {"bm25": ["a", "b"], "dense": ["b", "a"]}
    fused, _ = fuse(rankings, WEIGHTS, CHUNK_RRF_K, {"bm25": {"a": 2.0, "b": 1.0}},
                    method="convex")
    # bm25 scaled: a 1, b 0 (in units of one first rank); dense by rank: b first, a second
    first = 1 / (CHUNK_RRF_K + 1)
    assert abs(fused["a"] - (first + 1 / (CHUNK_RRF_K + 2))) < 1e-12
    assert abs(fused["b"] - (0.0 + first)) < 1e-12


def test_the_multilingual_encoder_stands_in_where_the_english_model_cannot_read() -> None:
    # An English question: the English model's first is English; the German page is first for
    # the multilingual encoder and second lexically. Before, the English page won (two signals
    # at full weight against one at half); with the stand-in the German page counts the
    # multilingual rank at 0.5 + 1.0.
    weights = {"bm25": 1.5, "dense": 1.0, "dense_multilingual": 0.5}
    rankings = {"bm25": ["en", "de"], "dense": ["en"], "dense_multilingual": ["de", "en"]}
    german = {"de"}.__contains__
    plain, _ = fuse(rankings, weights, CHUNK_RRF_K)
    assert plain["en"] > plain["de"]
    fused, ranks = fuse(rankings, weights, CHUNK_RRF_K, unread=german)
    assert fused["de"] == 1.5 / (CHUNK_RRF_K + 2) + 1.5 / (CHUNK_RRF_K + 1)
    assert fused["en"] == plain["en"]  # what the English model reads keeps its weights
    assert ranks["de"] == {"bm25": 2, "dense_multilingual": 1}
    # without the English model's ranking there is no weight to hand on
    alone, _ = fuse({"dense_multilingual": ["de"]}, weights, CHUNK_RRF_K, unread=german)
    assert alone["de"] == 0.5 / (CHUNK_RRF_K + 1)
