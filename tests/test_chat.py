"""Filter chips: removing one clears a filter or drops what the question implied; put back."""

from __future__ import annotations

from assistant.query.conversation import Turn
from assistant.query.filters import Filters
from assistant.web.chips import QUESTION, UI, ChipState, change, choices, for_message, shown


def test_remove_and_put_back_chips_of_both_origins() -> None:
    filters = Filters(hazards=("heat",))
    state = shown(filters, ("costs:free", "hazards:heat", "phases:planning"), ChipState())
    assert state.active == ("hazards:heat", "costs:free")  # a phase leaned to is no filter
    labels = dict((chip, label) for label, chip in choices(state, "de"))
    assert labels["costs:free"] == "Kosten: kostenlos (aus Ihrer Frage)"

    filters2, state2 = change(state, ["hazards:heat"], filters)
    assert filters2 == filters and state2.removed == (("costs:free", QUESTION),)
    assert state2.removed_from_question == ("costs:free",)

    ui_only = shown(filters, ("costs:free",), ChipState())
    filters3, state3 = change(ui_only, ["costs:free"], filters)
    assert filters3 == Filters() and state3.removed == (("hazards:heat", UI),)
    filters4, state4 = change(shown(filters3, ("costs:free",), state3),
                              ["costs:free", "hazards:heat"], filters3)
    assert filters4 == Filters(hazards=("heat",)) and state4.removed == ()


def test_removed_chips_survive_follow_ups_not_new_topics() -> None:
    state = ChipState(("hazards:heat",), ("hazards:heat",), (("costs:free", QUESTION),))
    history = [Turn("free heat warning tools", "free heat warning tools")]
    assert for_message(state, "and for small towns?", history).removed == state.removed
    assert for_message(state, "Which tools help against river floods along the Elbe in our "
                              "district and neighbouring counties?", history).removed == ()


def test_a_new_topic_forgets_the_chips_the_user_removed() -> None:
    from assistant.query.conversation import Turn
    from assistant.web.chips import ChipState, for_message

    state = ChipState(("costs:free",), ("costs:free",), (("costs:free", "question"),))
    earlier = [Turn("Starkregen Konzept kostenlos", "Starkregen Konzept kostenlos")]
    assert for_message(state, "drought", earlier).removed == ()
    assert for_message(state, "und für Kitas?", earlier).removed == state.removed


def test_only_stated_chips_show_and_phases_or_kinds_only_when_filtered() -> None:
    # issue 21: "Phase: participation (from your question)" for heat and older residents
    leaned = ("hazards:heat", "phases:participation", "kinds:map-service", "scales:city")
    assert shown(Filters(), leaned, ChipState()).active == ("hazards:heat",)
    chosen = shown(Filters(kinds=("map-service",)), leaned, ChipState())
    assert chosen.active == ("kinds:map-service", "hazards:heat")
    assert dict((c, label) for label, c in choices(chosen, "de"))["kinds:map-service"] == (
        "Art: Kartendienst")  # a filter applied: no "(aus Ihrer Frage)"
