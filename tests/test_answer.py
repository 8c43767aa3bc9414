"""Citations: every [n] points at a shown passage that contains the cited sentence."""

from __future__ import annotations

from assistant.answer.compose import compose, verify
from ingest.core.records import Chunk, Hit


def _hit(text: str, page: int = 1) -> Hit:
    chunk = Chunk(chunk_id=f"d#p{page}#c0", kind="passage", source_id="doc:d", doc_id="d",
                  title="D", text=text, page_start=page, page_end=page)
    return Hit(chunk=chunk, score=1.0)


def test_verify_keeps_true_citations_and_drops_false_ones() -> None:
    passages = (_hit("Shade trees cool streets in summer. Other text."),
                _hit("Fountains need a water connection.", 2))
    text = ("Shade trees cool streets in summer. [1] Fountains need a water connection. [1] "
            "Made-up claim. [2] Out of range. [3]")
    assert verify(text, passages) == "Shade trees cool streets in summer. [1]"


def test_compose_quotes_best_sentence_with_citation() -> None:
    hits = [_hit("Intro words here for nothing at all. Heat action plans start with a mandate "
                 "from the council. Then more.")]
    answer = compose("How does a heat action plan start?", [], hits, "en")
    assert "Heat action plans start with a mandate from the council. [1]" in answer.text
    assert answer.passages == tuple(hits)


def test_compose_without_anything_says_so() -> None:
    assert "no tool or passage" in compose("xyz", [], [], "en").text
    assert "kein Werkzeug" in compose("xyz", [], [], "de").text
