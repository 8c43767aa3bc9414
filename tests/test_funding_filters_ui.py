"""The funding facet beyond the Ask tab's accordion: as removable chips, in the Browse tab, in
the Markdown export; and a minimum rate in the app's cards (programmes stating none last)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.compose import Answer
from assistant.query.filters import Filters
from assistant.query.funding_filter import FundingFilter
from assistant.retrieval.tool_ranking import RankedTool
from assistant.web.export import to_markdown
from ingest.core.records import HAZARDS, Tool
from ingest.parse.dispatch import parse_tools

from .app_server import load_app

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PROGRAMMES = {t.id: t for path in sorted((CORPUS / "tools").glob("*.yaml"))
              for t in parse_tools(path) if t.kind == "funding-programme"}
NO_FILTERS: list[Any] = [[], [], [], [], [], []]
APP = load_app("toolbox_app_funding_ui")
CONTROLS = APP.ANSWER_OUTPUTS  # the Ask tab's outputs before the filter controls


@pytest.fixture(scope="module")
def blocks(shipped_assistant: Any) -> Any:
    return APP.build_app(shipped_assistant)


def _shown(cards: str) -> list[str]:
    return re.findall(r'data-tool="([^"]+)"', cards)


def test_funding_filters_show_as_chips_that_remove_and_come_back(blocks: Any) -> None:
    values = [*NO_FILTERS, ["municipality"], ["Hessen"], [], [], "80"]
    out = blocks.respond("Förderung für Trinkbrunnen und Schatten", [], {}, None, *values)
    history, turns, chips, state = out[0], out[4], out[6], out[7]
    assert {"applicants:municipality", "lands:Hessen", "min_rate:80"} <= set(chips["value"])
    labels = {chip: shown for shown, chip in chips["choices"]}
    assert labels["lands:Hessen"] == "Bundesland: Hessen"
    assert labels["applicants:municipality"] == "Antragsberechtigt: Kommunen"
    assert labels["min_rate:80"] == "Mindest-Förderquote: ≥ 80 %"

    kept = [c for c in chips["value"] if c != "lands:Hessen"]
    out = blocks.change_chips(kept, history, turns, state, *values)
    controls, chips, state = out[CONTROLS:], out[6], out[7]
    assert controls[7] == [] and controls[6] == ["municipality"]  # the Land control cleared
    assert controls[10] == "80"
    assert "lands:Hessen" not in chips["value"]
    assert "lands:Hessen" in [chip for _, chip in chips["choices"]]  # listed, can go back
    broader = FundingFilter.of(applicants=["municipality"], min_rate=80)
    assert all(broader.accepts(PROGRAMMES[t]) for t in _shown(out[1]))

    out = blocks.change_chips([*chips["value"], "lands:Hessen"], out[0], out[4], state,
                              *controls)
    assert out[CONTROLS + 7] == ["Hessen"] and "lands:Hessen" in out[6]["value"]


def test_a_minimum_rate_in_the_app_lists_programmes_stating_none_last_and_says_so(
        blocks: Any) -> None:
    values = [*NO_FILTERS, ["municipality"], ["Hessen"], [], ["under-50k"], "80"]
    out = blocks.respond("Welche Förderung gibt es für Klimaanpassung?", [], {}, None, *values)
    shown = _shown(out[1])
    assert "hessen-klimarichtlinie" not in shown  # the Land's own pays 75 % at most
    stated = [PROGRAMMES[t].funding.max_rate_percent is not None for t in shown]
    assert True in stated and False in stated, shown
    assert stated == sorted(stated, reverse=True)  # known to meet 80 % first
    unstated = [t for t, known in zip(shown, stated, strict=True) if not known]
    for tool_id in unstated:  # each card says so: no rate, or one in words but no percentage
        card = out[1].split(f'data-tool="{tool_id}"')[1].split('data-tool="')[0]
        assert ("Förderquote:</b> nicht angegeben, bitte Link prüfen" in card
                or "(keine Quote in Prozent angegeben, bitte Link prüfen)" in card), tool_id


def _funding_browse(blocks: Any, *funding: Any) -> tuple[Any, ...]:
    return blocks.browse["view_all"]("", None, None, *funding)


def test_browse_narrows_matrix_and_lists_to_the_programmes_the_facet_accepts(
        blocks: Any, shipped_assistant: Any) -> None:
    funding = (["municipality"], ["Hessen"], [], [], "")
    asked = FundingFilter.of(applicants=["municipality"], lands=["Hessen"])
    tools = shipped_assistant.retriever.snapshot.tools.values()
    expected = sorted(t.id for t in tools if asked.accepts(t))
    assert "hessen-klimarichtlinie" in expected and "klimopass-bw" not in expected
    _, status, listing = _funding_browse(blocks, *funding)
    assert re.search(rf"\b{len(expected)}\b", status), status
    assert sorted(_shown(listing)) == expected  # the facet alone lists its programmes
    assert "Antragsberechtigt" in listing or "Who may apply" in listing  # the funding facts
    everything = _funding_browse(blocks, [], [], [], [], "")[1]
    assert everything != status

    class Select:
        index = [HAZARDS.index("heat"), 0]  # the heat row, all phases

    cell = blocks.browse["pick"]("", Select(), *funding)
    in_cell = _shown(cell)
    assert in_cell and set(in_cell) <= set(expected)
    assert all("heat" in PROGRAMMES[t].hazards for t in in_cell)


def _answer(tool: Tool) -> Answer:
    return Answer(query="Förderung für Schulhöfe?", text="x", tools=(RankedTool(tool, 1.0, ()),),
                  passages=(), language="de")


def test_the_export_names_the_funding_filters_and_each_programmes_facts() -> None:
    filters = Filters.of(hazards=["heat"],
                         funding=FundingFilter.of(lands=["Rheinland-Pfalz"], min_rate=80))
    markdown = to_markdown(_answer(PROGRAMMES["rlp-kipki"]), filters)
    assert ("Filter: Gefahr: Hitze; Bundesland: Rheinland-Pfalz; Mindest-Förderquote: ≥ 80 %"
            in markdown)
    assert "   - Förderquote: 100 % (allocation per municipality)" in markdown
    assert "   - Antragsberechtigt: Kommunen" in markdown
    assert "   - Stand unbekannt, bitte Link prüfen" in markdown
    assert "Quelle: https://kipki.rlp.de/" in markdown
    unstated = to_markdown(_answer(PROGRAMMES["thueringen-klima-invest"]), filters)
    assert "   - Förderquote: nicht angegeben, bitte Link prüfen" in unstated
    assert "Filter:" not in to_markdown(_answer(PROGRAMMES["thueringen-klima-invest"]))
