from __future__ import annotations

import pytest

from assistant.query.conversation import Turn, is_follow_up, standalone_query

FIRST = Turn("How do we start a heat action plan?", "How do we start a heat action plan?")


@pytest.mark.parametrize("message", ["and for small towns?", "only free ones", "in English",
                                     "Und was kostet das?", "nur kostenlose"])
def test_follow_ups_carry_the_topic(message: str) -> None:
    assert is_follow_up(message)
    assert standalone_query(message, [FIRST]) == f"{FIRST.query} {message}"


def test_a_new_question_starts_afresh() -> None:
    message = "Welche Daten gibt es zur Bodenfeuchte in unserem Landkreis für die Planung?"
    assert standalone_query(message, [FIRST]) == message
    assert standalone_query("and for small towns?", []) == "and for small towns?"


def test_a_new_hazard_replaces_the_old_one() -> None:
    query = standalone_query("and for drought?", [FIRST])
    assert "drought" in query and "heat" not in query and "action plan" in query


def test_a_hazard_inside_a_german_compound_replaces_the_old_one() -> None:
    first = Turn("Welche Förderprogramme gibt es gegen Hitze?",
                 "Welche Förderprogramme gibt es gegen Hitze?")
    query = standalone_query("und für Starkregenvorsorge?", [first])
    assert "Hitze" not in query and "Förderprogramme" in query and "Starkregenvorsorge" in query
