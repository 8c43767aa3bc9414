"""Tool ranking (assistant/retrieval/tool_ranking.py) on real tool records and given rankings."""

from __future__ import annotations

from assistant.query.filters import Filters
from assistant.retrieval.tool_ranking import rank_tools
from ingest.core.records import Retrieval
from ingest.parse.dispatch import parse_tools

from .conftest import CORPUS

# Four tools of other publishers, then one of the Umweltbundesamt (provider "... (UBA)")
OTHERS = ("gerics-stadtbaukasten", "climate-adapt", "covenant-of-mayors", "mission-rast")
UBA = "uba-klimalotse"


def _tools(*ids: str):
    return {i: parse_tools(CORPUS / "tools" / f"{i}.yaml")[0] for i in ids}


def test_a_publisher_the_question_names_outweighs_a_few_ranks() -> None:
    tools = _tools(*OTHERS, UBA)
    order = [*OTHERS, UBA]  # fifth in every signal
    retrieval = Retrieval([], {s: order for s in ("bm25", "dense", "dense_multilingual")},
                          "de", tools)
    named = rank_tools("Kostenlose Angebote des Umweltbundesamts", retrieval, tools,
                       Filters(), 5)
    assert named[0].tool.id == UBA, [r.tool.id for r in named]
    # without the publisher named, the order of the signals stands
    plain = rank_tools("Kostenlose Angebote für Kommunen", retrieval, tools, Filters(), 5)
    assert [r.tool.id for r in plain] == order


def test_a_hazard_the_question_names_outweighs_a_few_ranks_a_phase_does_not() -> None:
    heat = "hitzeservice-hap-info"  # a heat tool, fifth in every signal
    others = ("bkg-hinweiskarte-starkregengefahren", "efas", "pegelonline",
              "bsh-wasserstandsvorhersage")
    tools = _tools(*others, heat)
    assert "heat" in tools[heat].hazards
    assert not any("heat" in tools[t].hazards for t in others)
    order = [*others, heat]
    retrieval = Retrieval([], {s: order for s in ("bm25", "dense", "dense_multilingual")},
                          "en", tools)
    ranked = rank_tools("what helps", retrieval, tools, Filters(), 5,
                        facets=Filters.of(hazards=["heat"]))
    assert ranked[0].tool.id == heat, [r.tool.id for r in ranked]
    # a phase is read from common words ('plan', 'risk'): it lifts a quarter as much
    phase = next(p for p in tools[heat].phases if not any(p in tools[t].phases for t in others))
    ranked = rank_tools("what helps", retrieval, tools, Filters(), 5,
                        facets=Filters.of(phases=[phase]))
    assert [r.tool.id for r in ranked].index(heat) > 0
