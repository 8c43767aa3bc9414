"""The answer as HTML: tool cards with why, links and marked passages, in the asker's language."""

from __future__ import annotations

import re

from assistant.answer.compose import Answer
from assistant.answer.evidence import highlight, query_stems
from assistant.answer.labels import TEXTS, chip_label
from assistant.query.filters import Filters
from assistant.retrieval.tool_ranking import RankedTool
from assistant.web.present import passages_html, tools_html

from .helpers import PASSAGE
from .helpers import sample_answer as answer
from .helpers import shipped_tool as tool


def test_highlight_escapes_first_then_marks_stems_and_translations() -> None:
    stems = query_stems("Hitzewarnungen für Pflegeheime")
    marked = highlight("Die <b>Pflegeheime</b> & heat warnings & Hitzewarnungen", stems)
    assert "<b>" not in marked and "&lt;b&gt;<mark>Pflegeheime</mark>&lt;/b&gt;" in marked
    assert "<mark>Hitzewarnungen</mark>" in marked
    assert "<mark>heat</mark> <mark>warnings</mark>" in marked  # the glossary's translation
    assert "<mark>amp</mark>" not in highlight("a & b", query_stems("amp"))
    # Entity names are not words; the same letters as a word of the text are.
    assert highlight("it's x27 &#x27; amp", query_stems("x27 amp")) == (
        "it&#x27;s <mark>x27</mark> &amp;#<mark>x27</mark>; <mark>amp</mark>")
    assert highlight("Regen-Plan plan_b planet", query_stems("plan")) == (
        "Regen-<mark>Plan</mark> <mark>plan</mark>_b planet")


def test_tool_card_shows_why_link_and_cited_page_in_german() -> None:
    card = tools_html(answer(chips=("hazards:heat",)),
                      doc_url=lambda doc_id: f"/documents/{doc_id}.pdf")
    assert "Empfohlene Werkzeuge" in card and "Warum:" in card and "Belegstellen" in card
    assert "Gefahren: Hitze" in card  # the chip's hazard, matched by the tool, in German
    assert '<a href="https://www.hitzewarnungen.de/" target="_blank"' in card
    assert 'href="/documents/hitze-leitfaden.pdf#page=2"' in card
    assert "Hitze-Leitfaden, S. 2" in card
    assert "<script>" not in card and "&lt;script&gt;" in card
    assert "<mark>Hitzewarnungen</mark>" in card and "<mark>Pflegeheime</mark>" in card


def test_searched_for_and_english_labels() -> None:
    html = tools_html(answer("en", search_query="heat warnings care homes"))
    assert "Recommended tools" in html and "Searched for: heat warnings care homes" in html
    assert "Why:" in html
    assert "Gesucht nach" in tools_html(answer("de", search_query="Hitze Pflegeheime"))
    assert "Searched for" not in tools_html(answer("en"))


def test_sources_are_numbered_and_link_only_to_served_pdfs() -> None:
    sources = passages_html(answer("de"), doc_url=lambda doc_id: None)
    assert sources.startswith("<h3>Quellen</h3>") and "[1] Hitze-Leitfaden, S. 2" in sources
    assert "<a" not in sources
    linked = passages_html(answer("en"), doc_url=lambda d: f"/documents/{d}.pdf")
    assert re.search(r'<a class="page-link" href="/documents/hitze-leitfaden.pdf#page=2"', linked)


def test_empty_answer_and_text_tables() -> None:
    empty = Answer(query="q", text="", tools=(), passages=(), language="de")
    assert "Keine Werkzeuge gefunden." in tools_html(empty)
    assert "Keine Textstellen gefunden." in passages_html(empty)
    assert set(TEXTS["de"]) == set(TEXTS["en"])
    assert chip_label("costs:free", "de", inferred=True) == "Kosten: kostenlos (aus Ihrer Frage)"
    assert chip_label("hazards:heavy-rain", "en") == "Hazard: heavy rain"


def test_filters_chosen_in_the_ui_count_as_asked() -> None:
    html = tools_html(answer("en"), Filters(phases=("implementation",)))
    assert "phases: implementation" in html


def test_cards_and_export_show_peer_experiences() -> None:
    from assistant.web.export import to_markdown
    from ingest.core.records import Experience

    city = Experience(city="Mannheim", what="<b>heat action plan</b>", source="https://x.test")
    with_experience = tool("dwd-hitzewarnsystem").model_copy(update={"experiences": [city]})
    ranked = RankedTool(with_experience, 1.0, (), (PASSAGE,))
    shown = Answer(query="Hitze", text="", tools=(ranked,), passages=(), language="de")
    assert "Mannheim" in tools_html(shown) and "<b>heat" not in tools_html(shown)
    assert "Mannheim" in to_markdown(shown)
