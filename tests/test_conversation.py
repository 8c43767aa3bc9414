from __future__ import annotations

import pytest

from assistant.query.conversation import Turn, is_follow_up, search_text, standalone_query

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


HEAVY_RAIN = Turn("Welche Werkzeuge helfen uns, ein Starkregenkonzept zu erstellen? und nur "
                  "kostenlose?", "Welche Werkzeuge helfen uns, ein Starkregenkonzept zu "
                  "erstellen? und nur kostenlose?")


@pytest.mark.parametrize("message", ["drought", "Dürre", "asdf qwerty", "heatwave",
                                     "In welchen Städten gibt es Hitzeaktionspläne?"])
def test_a_fragment_with_a_new_topic_is_searched_alone(message: str) -> None:
    # issue 21: 'drought' after a heavy-rain conversation was appended to it
    assert not is_follow_up(message, HEAVY_RAIN.query)
    assert standalone_query(message, [HEAVY_RAIN]) == message


@pytest.mark.parametrize("message", ["kostenlos?", "auf Quartiersebene?", "Starkregen?",
                                     "Wie finden wir die Standorte?", "an der Küste"])
def test_fragments_that_narrow_or_ask_on_stay_follow_ups(message: str) -> None:
    assert is_follow_up(message, HEAVY_RAIN.query)


def test_topic_shift_benchmark_is_searched_alone_in_nine_of_ten() -> None:
    from pathlib import Path

    from assistant.evaluation.followups import (
        SHIFT_BAR,
        SHIFTS_FILE_NAME,
        load_topic_shifts,
        searched_alone,
    )

    cases = load_topic_shifts(Path(__file__).parent.parent / "corpus" / "benchmark"
                              / SHIFTS_FILE_NAME)
    assert len(cases) >= 20 and {lang for _, lang, _ in cases} == {"de", "en"}
    share = sum(searched_alone(turns) for _, _, turns in cases) / len(cases)
    assert share >= SHIFT_BAR


def test_the_follow_ups_own_words_count_twice_in_the_search_not_in_what_is_shown() -> None:
    history = [Turn("Wir suchen Werkzeuge zur Klimaanpassung für unsere Gemeinde.",
                    "Wir suchen Werkzeuge zur Klimaanpassung für unsere Gemeinde.")]
    shown = standalone_query("an der Küste", history)
    assert shown == "Wir suchen Werkzeuge zur Klimaanpassung für unsere Gemeinde. an der Küste"
    assert search_text("an der Küste", history) == f"{shown} an der Küste"
    # a question of its own is searched as it is
    assert search_text("Wer warnt vor Sturmfluten in Hamburg?", history) == (
        "Wer warnt vor Sturmfluten in Hamburg?")
    assert search_text("Hitze", []) == "Hitze"
