"""BM25's analysis by language: each chunk in its own language, each question in its own plus
its translations (issue 19)."""

from __future__ import annotations

import numpy as np

from assistant.retrieval.lexical import LexicalIndex, chunk_terms
from assistant.retrieval.lexical_cache import chunks_digest
from ingest.core.language import index_terms, query_terms
from ingest.core.records import Chunk


def _passages(*texts: str, language: str = "") -> list[Chunk]:
    return [Chunk(chunk_id=f"c{i}", kind="passage", source_id=f"s{i}", doc_id=f"d{i}",
                  title="", text=t, page_start=1, page_end=1, language=language)
            for i, t in enumerate(texts)]


def _matching(index: LexicalIndex, query: str, language: str = "en",
              translations: tuple[str, ...] = ()) -> list[int]:
    return [int(i) for i in np.flatnonzero(index.scores(query, language, translations) > 0)]


def test_an_english_question_does_not_meet_words_that_only_share_a_german_stem() -> None:
    # German stems 'rates' to 'rat': with both stems for every word, a question about interest
    # rates found the passage about rats.
    index = LexicalIndex(_passages("Rats spread disease in the flooded cellars.",
                                   "The interest rates of the flood loans are low."))
    assert _matching(index, "rates") == [1]


def test_each_language_has_its_own_stopwords() -> None:
    # 'die' is a German article and an English verb: an English question keeps it.
    index = LexicalIndex(_passages("Street trees die in long droughts.",
                                   "Die Bäume der Stadt brauchen im Sommer Wasser."))
    assert _matching(index, "why do street trees die", "en") == [0]
    assert index_terms("Die Bäume der Stadt") == ["baum", "stadt"]


def test_a_german_question_meets_german_text_and_english_cognates() -> None:
    index = LexicalIndex(_passages("Regional instruments for adaptation planning.",
                                   "Regionale Klimaanpassung braucht Geld und Personal."))
    # German questions read every text's German view: German text and English cognates.
    assert _matching(index, "regionale Instrumente", "de") == [0, 1]
    # An English question reads the English stems only: 'regional' -> 'region'.
    assert _matching(index, "regional", "en") == [0]


def test_a_questions_translations_are_analysed_in_their_language() -> None:
    index = LexicalIndex(_passages("Hitzeaktionspläne schützen ältere Menschen.",
                                   "Cooling centres open in libraries."))
    assert _matching(index, "heat action plans", "en") == []
    assert _matching(index, "heat action plans", "en", ("Hitzeaktionspläne",)) == [0]
    assert query_terms("heat plans", "en", ("Hitzeaktionspläne",)) == [
        "heat", "plan", "hitzeaktionsplan"]


def test_a_chunk_without_function_words_takes_its_documents_language() -> None:
    german, = _passages("Starkregen Gefahrenkarte Hochwasser", language="de")
    text = "Starkregen Gefahrenkarte Hochwasser"
    assert chunk_terms(german) == index_terms(text, "de", cross=True)
    assert chunk_terms(german) != index_terms(text, "en", cross=True)


def test_the_cache_digest_covers_the_language_a_chunk_falls_back_to() -> None:
    english = _passages("Starkregen Gefahrenkarte", language="en")
    german = _passages("Starkregen Gefahrenkarte", language="de")
    assert chunks_digest(english) != chunks_digest(german)


def test_a_question_of_unknown_language_meets_both() -> None:
    index = LexicalIndex(_passages("Die Starkregen-Gefahrenkarte zeigt, wo sich Wasser sammelt.",
                                   "Heavy rain hazard maps show where water collects."))
    assert _matching(index, "Starkregen Gefahrenkarte") == [0]
    assert _matching(index, "hazard maps") == [1]
