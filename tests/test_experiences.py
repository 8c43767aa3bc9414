"""Peer experiences: each names a city and a source the tool's provenance holds; shown escaped."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from assistant.web.present import experiences_html, experiences_markdown
from ingest.core.records import Experience, Tool
from ingest.parse.dispatch import parse_tools

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TOOLS = {t.id: t for p in sorted((CORPUS / "tools").glob("*.yaml")) for t in parse_tools(p)}


def test_the_documented_city_cases_carry_their_experiences() -> None:
    cities = {tool_id: {e.city for e in TOOLS[tool_id].experiences} for tool_id in (
        "mannheim-hitzeaktionsplan", "mannheim-starkregengefahrenkarte",
        "halle-klima-engagiert-plattform", "halle-trinkbrunnen-entscheidungsmatrix")}
    assert "Mannheim" in cities["mannheim-hitzeaktionsplan"]
    assert "Mannheim" in cities["mannheim-starkregengefahrenkarte"]
    assert cities["halle-klima-engagiert-plattform"] == {"Halle (Saale)"}
    assert cities["halle-trinkbrunnen-entscheidungsmatrix"] == {"Halle (Saale)"}
    assert sum(len(t.experiences) for t in TOOLS.values()) >= 12


def test_every_experience_cites_a_source_of_its_tool() -> None:
    # The experience's source must be one the tool's provenance (source_note) already names:
    # no fact enters the catalogue without a source an editor can check.
    for tool in TOOLS.values():
        for experience in tool.experiences:
            assert experience.source.startswith("https://"), (tool.id, experience.source)
            assert experience.source in tool.source_note, (tool.id, experience.city)


def test_reseeding_keeps_what_editors_added(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("seed_tools", CORPUS / "seed_tools.py")
    assert spec and spec.loader
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    existing = tmp_path / "x.yaml"
    existing.write_text(yaml.safe_dump({"id": "x", "name": "old", "aliases": ["X tool"],
                                        "experiences": [{"city": "Ulm", "what": "w",
                                                         "source": "s"}]}), "utf-8")
    merged = seed._with_editor_fields({"id": "x", "name": "new"}, existing)
    assert merged == {"id": "x", "name": "new", "aliases": ["X tool"],
                      "experiences": [{"city": "Ulm", "what": "w", "source": "s"}]}


def _tool(*experiences: Experience) -> Tool:
    base = TOOLS["halle-trinkbrunnen-entscheidungsmatrix"].model_dump()
    return Tool.model_validate({**base, "experiences": [e.model_dump() for e in experiences]})


def test_experiences_render_escaped_with_linked_source() -> None:
    tool = _tool(Experience(city="<script>alert(1)</script>", what="Built *a* matrix.",
                            source="https://example.org/a"),
                 Experience(city="Ulm", what="w", source="javascript:alert(1)"))
    rendered = experiences_html(tool, "de")
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "Erfahrungen anderer Kommunen" in rendered
    assert '<a href="https://example.org/a"' in rendered
    assert 'href="javascript' not in rendered
    markdown = experiences_markdown(tool, "en")
    assert "Experiences of other cities" in markdown and "<https://example.org/a>" in markdown
    assert "\\*a\\*" in markdown and "<script>" not in markdown


def test_a_tool_without_experiences_renders_nothing() -> None:
    assert experiences_html(_tool()) == "" and experiences_markdown(_tool()) == ""


def test_tool_cards_show_experiences() -> None:
    from assistant.answer.compose import Answer
    from assistant.retrieval.tool_ranking import RankedTool
    from assistant.web.present import tools_html

    tool = TOOLS["mannheim-hitzeaktionsplan"]
    answer = Answer("q", "t", (RankedTool(tool, 1.0, (), ()),), (), "en")
    assert "Experiences of other cities" in tools_html(answer)
    assert "council adopted it" in tools_html(answer)
