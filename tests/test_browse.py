"""The Browse matrix: hazards x phases with counts, cells, and search in either language."""

from __future__ import annotations

from assistant.web.browse import at, cell, matching, matrix
from assistant.web.present import matrix_headers, matrix_rows, tool_list_html
from ingest.core.records import HAZARDS, PHASES
from ingest.parse.dispatch import parse_tools

from .conftest import CORPUS

TOOLS = [t for path in sorted((CORPUS / "tools").glob("*.yaml")) for t in parse_tools(path)]


def test_counts_match_cells_and_every_tool_is_counted() -> None:
    grid = matrix(TOOLS)
    assert grid.total == len(TOOLS) > 100
    heat, planning = HAZARDS.index("heat"), PHASES.index("planning")
    listed = cell(TOOLS, "heat", "planning")
    assert grid.counts[heat][planning] == len(listed) > 0
    assert all("heat" in t.hazards and "planning" in t.phases for t in listed)
    assert sum(map(sum, grid.counts)) == sum(len(t.hazards) * len(t.phases) for t in TOOLS)
    rows = matrix_rows(grid)
    assert rows[heat][0] == "heat / Hitze" and rows[heat][1 + planning] == len(listed)
    assert matrix_headers(grid)[1:] == [p.replace("-", " ") for p in PHASES]


def test_search_narrows_in_both_languages() -> None:
    english = {t.id for t in matching(TOOLS, "heat warning")}
    german = {t.id for t in matching(TOOLS, "Hitzewarnung")}
    assert "dwd-hitzewarnsystem" in english and "dwd-hitzewarnsystem" in german
    assert len(english) < len(TOOLS)
    assert matrix(TOOLS, "heat warning").total == len(english)
    assert matching(TOOLS, "zzzqqq") == []
    assert cell(TOOLS, "heat", "awareness", "heat warning") == [
        t for t in matching(TOOLS, "heat warning") if "heat" in t.hazards
        and "awareness" in t.phases]


def test_table_positions_and_tool_list() -> None:
    assert at(0, 0) == ("heat", None) and at(1, 1) == ("heavy-rain", "awareness")
    assert len(cell(TOOLS, "heat", None)) == sum("heat" in t.hazards for t in TOOLS)
    html = tool_list_html(TOOLS[:2], "heavy-rain", "risk-analysis")
    assert html.startswith("<h3>heavy rain × risk analysis</h3>")
    assert html.count('class="tool-card"') == 2
    assert "No tools in this cell." in tool_list_html([], "heat")


def test_single_german_words_and_tool_name_compounds_are_found() -> None:
    heat = {t.id for t in matching(TOOLS, "Hitze")}
    assert len(heat) > 10 and "dwd-hitzewarnsystem" in heat  # 'Hitze' alone reads as English
    assert "bkg-hinweiskarte-starkregengefahren" in {t.id for t in matching(TOOLS,
                                                                            "Starkregen Karte")}
