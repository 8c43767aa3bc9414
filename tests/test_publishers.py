"""Publishers a question names ('Angebote des Umweltbundesamts') raise that publisher's tools."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("text", "publishers"), [
    ("Kostenlose Angebote des Umweltbundesamts für Kommunen", {"uba"}),
    ("Datenportale des Deutschen Wetterdienstes", {"dwd"}),
    ("guides from the German Environment Agency", {"uba"}),
    ("what does the European Environment Agency publish?", {"eea"}),
    ("Merkblätter der DWA", {"dwa"}),
    ("Anreise mit dem Zug", set()),
    ("uba tools", {"uba"}),
])
def test_publishers_named_in_a_question(text: str, publishers: set[str]) -> None:
    from assistant.query.publishers import publishers_in

    assert publishers_in(text) & {"uba", "dwd", "eea", "dwa", "zug"} == publishers


def test_a_named_publisher_raises_its_tools(shipped_assistant) -> None:
    from assistant.query.publishers import publishers_of

    answer = shipped_assistant.ask("free German federal guides on adaptation from the "
                                   "environment agency", top_k=5)
    from_uba = [r.tool.id for r in answer.tools if "uba" in publishers_of(r.tool.provider or "")]
    assert len(from_uba) >= 2, [r.tool.id for r in answer.tools]
