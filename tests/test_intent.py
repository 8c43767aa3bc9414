from __future__ import annotations

from assistant.query.expand import expand
from assistant.query.intent import infer


def test_stated_conditions_become_filters() -> None:
    intent = infer("free tools in English for drought monitoring")
    assert intent.filters.costs == ("free",) and intent.filters.languages == ("en",)
    assert "drought" in intent.facets.hazards
    german = infer("Gibt es kostenlose Karten auf Deutsch zu Hitze?")
    assert german.filters.costs == ("free",) and german.filters.languages == ("de",)
    assert "heat" in german.facets.hazards and "map-service" in german.facets.kinds


def test_a_tool_one_pays_for_is_a_condition_too() -> None:
    for question in ("kostenpflichtige Fachpublikationen zu Starkregen",
                     "commercial software for flood modelling", "Leitfäden gegen Gebühr"):
        assert infer(question).filters.costs == ("paid", "mixed"), question
    # paying for something is not asking for tools that cost money
    assert infer("how other cities paid for their green roofs").filters.costs == ()


def test_compound_words_reveal_the_hazard() -> None:
    assert "heat" in infer("Wo gibt es Hitzewarnungen?").facets.hazards
    question = "Starkregenvorsorge für Hausbesitzer"
    assert "heavy-rain" in infer(question, expand(question).translations).facets.hazards


def test_chips_can_be_removed() -> None:
    intent = infer("free heat maps")
    assert "costs:free" in intent.chips()
    lighter = intent.without("costs:free")
    assert "costs:free" not in lighter.chips() and lighter.filters.costs == ()
    assert infer("How do we start?").chips() == []
