"""The answer as HTML: tool cards with why, links and marked passages, in the asker's language."""

from __future__ import annotations

import re

from assistant.answer.compose import Answer
from assistant.answer.evidence import highlight, passage_html, query_stems
from assistant.answer.labels import TEXTS, chip_label
from assistant.query.filters import Filters
from assistant.retrieval.tool_ranking import RankedTool
from assistant.web.present import passages_html, tools_html

from .helpers import PASSAGE
from .helpers import passage_hit as hit
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


TABLE = hit("| Phase | Werkzeug |\n| Planung | <b>Hitzekarte</b> |", page=3)
TAIL = hit("infiltration and evaporation.", page=4)
SAME_PAGE = hit("Hitzewarnungen erreichen auch Kitas, damit sie Kinder schützen.", page=2)


def test_table_passages_render_as_tables_with_escaped_cells() -> None:
    shown = Answer(query="Hitzekarte", text="", tools=(), passages=(TABLE,), language="de")
    sources = passages_html(shown)
    assert '<table class="passage-table"><tr><th>Phase</th><th>Werkzeug</th></tr>' in sources
    assert "<td>&lt;b&gt;<mark>Hitzekarte</mark>&lt;/b&gt;</td>" in sources and "| " not in sources


def test_a_cut_table_keeps_the_rows_naming_the_tool_then_the_questions_words() -> None:
    table = ("| Phase | Werkzeug |\n| Sensibilisierung | hitzeservice.de |\n"
             "| Planung | Hitzeaktionsplan Mannheim |\n| Umsetzung | Trinkbrunnen-Karte |")
    stems = query_stems("Trinkbrunnen")
    shown = passage_html(table, stems, max_rows=1, about=("Hitzeaktionsplan Mannheim",))
    assert "Mannheim" in shown and "hitzeservice" not in shown and "Trinkbrunnen" not in shown
    by_words = passage_html(table, stems, max_rows=1)
    assert "Trinkbrunnen" in by_words and "Mannheim" not in by_words
    two = passage_html(table, stems, max_rows=2, about=("Hitzeaktionsplan Mannheim",))
    assert two.index("Mannheim") < two.index("Trinkbrunnen")  # the table's own order
    assert passage_html(table, stems).count("<tr>") == 4  # uncut: every row


def test_sources_one_entry_per_page_and_no_cut_sentences() -> None:
    shown = Answer(query="Hitzewarnungen", text="", tools=(), passages=(PASSAGE, SAME_PAGE, TAIL),
                   language="de")
    sources = passages_html(shown)
    assert sources.count("Hitze-Leitfaden, S. 2") == 1 and "[1] [2] Hitze-Leitfaden" in sources
    assert "Kitas" in sources  # the second passage of the page, under the same entry
    assert "infiltration" not in sources  # a chunk's tail holds no whole sentence
    tail_first = passages_html(Answer(query="Hitze", text="", tools=(), language="de",
                                      passages=(hit("und Verdunstung.", page=2), SAME_PAGE)))
    assert "[1] [2] Hitze-Leitfaden, S. 2" in tail_first  # the page keeps its heading
    from assistant.answer.evidence import whole_sentences
    assert whole_sentences("so it stays. Green roofs store rain. They release it slowly through"
                           ) == "Green roofs store rain."


def test_three_cards_open_each_with_its_best_passage_the_rest_behind_more() -> None:
    ids = ["dwd-hitzewarnsystem", "efas", "ufz-duerremonitor", "mannheim-hitzeaktionsplan"]
    ranked = tuple(RankedTool(tool(i), 1.0, (), (PASSAGE, SAME_PAGE)) for i in ids)
    html = tools_html(Answer(query="Hitze", text="", tools=ranked, passages=(), language="en"))
    opened, _, hidden = html.partition('<details class="more-tools"><summary>1 more tools')
    assert opened.count('class="tool-card"') == 3 and hidden.count('class="tool-card"') == 1
    first = opened.split('class="tool-card"')[1]
    best, _, more = first.partition('<details class="more"><summary>more</summary>')
    assert "Pflegeheime" in best and "Kitas" not in best and "Kitas" in more


def test_the_answer_never_says_no_passage_fits_above_passages() -> None:
    from assistant.answer.compose import TEXTS as ANSWER_TEXTS
    from assistant.answer.compose import compose

    unrelated = hit("Trinkbrunnen stehen in der Innenstadt an vielen Plätzen der Stadt.")
    ranked = [RankedTool(tool("dwd-hitzewarnsystem"), 1.0, (), (unrelated,))]
    said = compose("Sturmwarnung Orkan", ranked, [unrelated], "de")
    assert ANSWER_TEXTS["de"]["no_passage"] not in said.text and said.passages
    assert ANSWER_TEXTS["de"]["see_passages"] in said.text
    cut = hit("Gründächer speichern Regen und geben ihn langsam ab durch")
    assert "durch" not in compose("Gründächer Regen", [], [cut, unrelated], "de").text


def test_funding_programmes_are_never_labelled_free_and_unknown_costs_say_so() -> None:
    from assistant.web.present import cost_label

    funding = tool("dwd-hitzewarnsystem").model_copy(update={"kind": "funding-programme",
                                                             "cost": "free"})
    unpriced = tool("dwd-hitzewarnsystem").model_copy(update={"cost": None})
    assert cost_label(funding, "en") == "" and cost_label(funding, "de") == ""
    assert cost_label(unpriced, "de") == "Kosten unbekannt"
    card = tools_html(Answer(query="Förderung", text="", language="de", passages=(),
                             tools=(RankedTool(funding, 1.0, (), ()),)))
    assert "kostenlos" not in card and "Förderprogramm" in card


def test_english_reasons_list_english_words_only() -> None:
    ranked = RankedTool(tool("mannheim-hitzeaktionsplan"), 1.0, (), ())
    html = tools_html(Answer(query="How do cities plan for heat waves with a heat action plan?",
                             text="", tools=(ranked,), passages=(), language="en"))
    reasons = html.split('class="reasons">')[1].split("</div>")[0]
    assert "heat" in reasons and "action" in reasons
    said = set(re.findall(r"\w+", reasons))
    assert not {"hitzeaktionsplan", "hitzeaktionspläne", "cities", "tools"} & said
