"""Inferred chips show only conditions the question states (issue 21): precision of the shown
chips against the written-down expected filters of the 300 benchmark questions."""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.answer.evidence import stated_chips
from assistant.query.analysis import analyse
from assistant.query.intent import Intent

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import benchmark_queries  # noqa: E402
from chip_precision import expected_chips, score  # noqa: E402


def test_shown_chips_are_stated_conditions() -> None:
    result = score(benchmark_queries(), expected_chips())
    assert result.precision >= 0.95, result.false_positives
    assert result.recall >= 0.97, result.missed  # 0.930 before the word families


def test_every_question_has_expected_filters() -> None:
    assert {q["_id"] for q in benchmark_queries()} == set(expected_chips())


def test_the_measure_fails_on_chips_for_every_hazard_the_words_touch() -> None:
    # every hazard the facets raise, shown as before this fix: the measurement must catch it
    def every_hazard(question: str) -> tuple[str, ...]:
        facets = analyse(question).intent.facets
        return stated_chips(Intent(facets=facets).chips())

    assert score(benchmark_queries(), expected_chips(), every_hazard).precision < 0.95


def test_a_removed_hazard_chip_stays_removed() -> None:
    intent = analyse("Förderprogramme für Starkregenvorsorge").intent
    assert stated_chips(intent.chips()) == ("hazards:heavy-rain",)
    assert stated_chips(intent.without("hazards:heavy-rain").chips()) == ()


def test_hazard_word_families_beyond_the_benchmark() -> None:
    from assistant.query.hazard_words import hazards_in

    # forms the benchmark does not hold: the families, not its strings, are covered
    said = {"Wird es in den Innenstädten noch heißer?": "heat",
            "Which neighbourhoods get hotter in August?": "heat",
            "Nach den Gewittern standen die Unterführungen voll": "heavy-rain",
            "a thunderstorm flooded the underpass": "heavy-rain",
            "Warnung vor Sturmböen für den Weihnachtsmarkt": "storm",
            "do gusts above 100 km/h close the bridge?": "storm",
            "grass fires along the railway": "wildfire",
            "tidal gauges for the coast near our harbour": "coastal-flooding",
            "Nach dem Deichbruch stand das halbe Dorf unter Wasser": "river-flooding"}
    for question, hazard in said.items():
        assert hazard in hazards_in(question), question
    assert "heavy-rain" not in hazards_in("Wie organisieren wir die Rattenbekämpfung in der "
                                         "Kanalisation?")
    assert hazards_in("Wer pflegt das Unterholz im Stadtwald?") == []
