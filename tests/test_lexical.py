"""BM25's analysis by language: each chunk in its own language, each question in its own plus
its translations (issue 19)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.retrieval.lexical import LexicalIndex, chunk_terms
from assistant.retrieval.lexical_cache import CacheKey, chunks_digest, load_or_build
from ingest.core import compounds
from ingest.core.compounds import compound_parts, split_compound
from ingest.core.language import fold, index_terms, query_terms
from ingest.core.records import Chunk


@pytest.fixture(autouse=True)
def _splitting_as_shipped() -> Iterator[None]:
    yield
    compounds.reset()  # a test that switched SPLITTING leaves no splits computed under it


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


def test_a_translated_stem_counts_once_however_many_synonyms_share_it() -> None:
    # The glossary gives 'Kommunen' four synonyms with 'local' in them; counted four times,
    # that one question word outranked a passage meeting the question's three other words.
    index = LexicalIndex(_passages("The local council met on Monday.",
                                   "A heat action plan protects older people."))
    translations = ("heat action plan", "municipality", "local authority", "local government",
                    "local authorities", "local governments")
    terms = query_terms("Hitzeaktionsplan der Kommunen", "de", translations)
    assert terms.count("local") == 1
    scores = index.scores("Hitzeaktionsplan der Kommunen", "de", translations)
    assert scores[1] > scores[0]


def test_a_german_questions_own_words_count_once_in_the_german_view() -> None:
    # The German view holds every text's German stems, German and English texts alike: a
    # German question's plain stems besides it counted a German passage's matches twice.
    assert query_terms("Monitoring der Klimaanpassung", "de") == [
        f"de:{t}" for t in index_terms("Monitoring der Klimaanpassung", "de")]
    index = LexicalIndex(_passages("Monitoring for adaptation in the region matters",
                                   "Monitoring der Anpassung in der Region ist wichtig"))
    scores = index.scores("Monitoring", "de")
    assert scores[0] == pytest.approx(scores[1], rel=0.05)


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


# German compounds (ingest/core/compounds.py): real words of the shared reports (Rouault 2016,
# Wicke 2021) and of our corpus, split into the words German texts use beside them.
@pytest.mark.parametrize(("word", "parts"), [
    ("Kanalnetzüberlastung", ("kanalnetz", "überlastung")),
    ("Regenwasserbewirtschaftung", ("regenwasser", "bewirtschaftung")),
    ("Abwasserinfrastruktur", ("abwasser", "infrastruktur")),
    ("Starkregenereignisse", ("starkregen", "ereignisse")),
    ("Überflutungsgefährdung", ("überflutung", "gefährdung")),  # linking -s-
    ("Oberflächengewässer", ("oberfläche", "gewässer")),  # linking -n-
    ("Einwohnerzahl", ("einwohner", "zahl")),
    ("Abwasserpumpsystemen", ("abwasser", "pump", "systemen")),
    ("Stadtentwässerung", ("stadt", "entwässerung")),
    ("Wasserhaushaltsgesetz", ("wasserhaushalt", "gesetz")),
    ("Klimarisikoanalyse", ("klimarisiko", "analyse")),
    ("Hitzeaktionsplan", ("hitze", "aktionsplan")),
])
def test_real_compounds_split_into_their_words(word: str, parts: tuple[str, ...]) -> None:
    assert split_compound(fold(word)) == parts


def test_glossary_compounds_split_too() -> None:
    # 'Hochwasser' is split (hoch, wasser), by measurement: keeping the glossary's terms whole
    # gave built-in German BM25 nDCG@10 0.638 against 0.668 (benchmarks/compound_splitting.py)
    assert compound_parts(["hochwasser", "starkregen"]) == ["hoch", "wasser", "stark", "regen"]


def test_the_parts_of_parts_are_terms_too() -> None:
    # 'Plan gegen Hitze' meets 'Hitzeaktionsplan' through the parts of 'aktionsplan'
    assert compound_parts(["hitzeaktionsplan"]) == ["hitze", "aktionsplan", "aktion", "plan"]


@pytest.mark.parametrize("word", ["Verantwortung", "Beratung", "Kanalisation", "Bürgerinnen",
                                  "Mitarbeitende", "Information", "Gewässer", "Versickerung",
                                  "Gemeinschaft", "Niederschlag", "Überlastung"])
def test_words_that_are_not_compounds_stay_whole(word: str) -> None:
    assert split_compound(fold(word)) == ()


def test_a_german_question_meets_the_parts_of_a_reports_compounds() -> None:
    index = LexicalIndex(_passages(
        "Bei Starkregenereignissen droht eine Kanalnetzüberlastung.",
        "Die Regenwasserbewirtschaftung entlastet den Kanal.",
        "Ein Plan gegen Hitze schützt ältere Menschen.", language="de"))
    question = "Welche Maßnahmen schützen die Kanalisation vor Überlastung bei Starkregen?"
    ranked = [position for position, _ in index.search(question, 3, language="de")]
    assert ranked[0] == 0 and 2 not in ranked
    ranked = [p for p, _ in index.search("Bewirtschaftung von Regenwasser", 3, language="de")]
    assert ranked[0] == 1
    assert _matching(index, "Gibt es einen Hitzeaktionsplan?", "de") == [2]


def test_the_whole_compound_still_matches_above_its_parts() -> None:
    index = LexicalIndex(_passages("Die Kanalnetzüberlastung im Sommer.",
                                   "Die Überlastung im Sommer.", language="de"))
    scores = index.scores("Kanalnetzüberlastung", "de")
    assert scores[0] > scores[1] > 0


def test_english_text_and_questions_are_not_split() -> None:
    # CLIMATE-FEVER (English only) must score as before: no German parts on the English side
    assert index_terms("Rainwater management in the city", "en") == ["rainwat", "manag", "citi"]
    assert query_terms("overload of the sewer network", "en") == ["overload", "sewer", "network"]
    assert query_terms("heat plans", "en", ("Hitzeaktionspläne",)) == [
        "heat", "plan", "hitzeaktionsplan"]  # its German translations stay whole too


def test_english_questions_score_exactly_as_without_splitting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The parts live in an index of their own: a German chunk is no longer for English
    # questions than before, so they rank every chunk as they did.
    chunks = _passages("Die Kanalnetzüberlastung bei Starkregenereignissen.",
                       "Sewer overload during heavy rain events in the city.",
                       "Ein Hitzeaktionsplan für die Stadt.", language="de")
    questions = ("sewer overload heavy rain", "heat action plan city")
    split = [LexicalIndex(chunks).scores(q, "en", ("Kanalnetz",)) for q in questions]
    monkeypatch.setattr(compounds, "SPLITTING", "off")
    compounds.reset()
    whole = [LexicalIndex(chunks).scores(q, "en", ("Kanalnetz",)) for q in questions]
    for a, b in zip(split, whole, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_cache_built_without_splitting_is_rebuilt(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = _passages("Bei Starkregenereignissen droht eine Kanalnetzüberlastung.",
                       "Heavy rain in the city.", language="de")
    key = CacheKey("c", 1, 1)
    monkeypatch.setattr(compounds, "SPLITTING", "off")
    compounds.reset()
    old = load_or_build(chunks, key, tmp_path)
    assert _matching(old, "Überlastung", "de") == []
    monkeypatch.setattr(compounds, "SPLITTING", "all")
    compounds.reset()
    assert _matching(load_or_build(chunks, key, tmp_path), "Überlastung", "de") == [0]
    assert len([p for p in tmp_path.iterdir() if not p.name.startswith(".")]) == 1
