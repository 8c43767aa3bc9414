from __future__ import annotations

from assistant.query.expand import Glossary, default_glossary, expand


def test_german_compound_is_translated_by_its_parts() -> None:
    glossary = Glossary([("Starkregen", ["heavy rain"]), ("Gefahrenkarte", ["hazard map"]),
                         ("Karte", ["map"])])
    assert glossary.translate("Starkregengefahrenkarten", "de") == ["heavy rain", "hazard map"]
    assert glossary.translate("eine Starkregengefahrenkarten-Vorlage", "de") == [
        "heavy rain", "hazard map"]
    assert glossary.translate("Vorlage", "de") == []


def test_compound_with_an_unknown_part_keeps_its_known_head() -> None:
    # the old code translated a compound only when the glossary knew every part: nothing here
    glossary = Glossary([("Grundwasser", ["groundwater"]), ("Bau", ["construction"])])
    assert glossary.translate("Grundwasseranreicherung", "de") == ["groundwater"]
    assert glossary.translate("Grundwasserxy", "de") == []  # too little left to be a part
    assert glossary.translate("Bauanreicherung", "de") == []  # a head under five letters


def test_compound_split_by_the_vocabulary_translates_the_known_parts() -> None:
    # Management is a word of the compound vocabulary, not of the glossary
    expansion = expand("Welche Rolle spielt integriertes Wasserressourcenmanagement?")
    assert expansion.language == "de"
    assert {"water", "resources"} <= set(expansion.translations)


def test_phrases_and_both_directions() -> None:
    glossary = Glossary([("vulnerable Gruppen", ["vulnerable groups"]), ("Hitze", ["heat"])])
    assert glossary.translate("Schutz vulnerabler Gruppen bei Hitze", "de") == [
        "vulnerable groups", "heat"]
    assert glossary.translate("protecting vulnerable groups from heat", "en") == [
        "vulnerable Gruppen", "Hitze"]


def test_shipped_glossary_carries_german_questions_to_english() -> None:
    assert len(default_glossary()._de) > 500
    expansion = expand("Wo finde ich eine Starkregengefahrenkarte für unsere Gemeinde?")
    assert expansion.language == "de"
    assert any("heavy rain" in t for t in expansion.translations)
    assert "Gemeinde" not in expansion.lexical_text("x")
