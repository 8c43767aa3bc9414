"""Published reports read as the reader sees them: words mended, running lines cut, printed page
numbers kept, contents/reference pages left out, title/publisher/year found (issue #18).

The reports are read at test time from the shared folder beside the checkout (CI) or the
workplace's; never copied into the project.
"""

from __future__ import annotations

import pytest

from ingest.chunk.mentions import MentionFinder
from ingest.chunk.split import ChunkingParams, chunk_document
from ingest.core.records import Document
from ingest.parse.pdf import read_pdf
from ingest.parse.pdf_front import publisher_of

from .helpers import REALDOCS, needs_realdocs

pytestmark = needs_realdocs

_READ: dict[str, Document] = {}


def report(name: str) -> Document:
    if name not in _READ:
        assert REALDOCS is not None
        _READ[name] = read_pdf(REALDOCS / name)
    return _READ[name]


def page_text(name: str, number: int) -> str:
    return " ".join(report(name).pages[number - 1].text.split())


def test_line_end_hyphens_are_mended_from_the_documents_own_words() -> None:
    summary = page_text("Rouault-2016-1219.pdf", 3)  # "Ver-/bundforschungsprojektes" etc.
    assert "Verbundforschungsprojektes KURAS" in summary
    assert "Herausforderungen, wie Klimawandelfolgen" in summary
    assert "Konzepte für urbane Regenwasserbewirtschaftung und Abwassersysteme" in summary
    assert "Betreiber und Kommunen" in page_text("Rouault-2016-1219.pdf", 4)
    assert "Gebäudezertifizierungen" in page_text("Wicke-2021-1323.pdf", 1)


def test_real_and_suspended_hyphens_stay() -> None:
    assert "der KURAS-Methode gewählten" in page_text("Rouault-2016-1219.pdf", 20)  # KURAS-/M
    assert "WF-Bahnen" in page_text("Wicke-2021-1323.pdf", 3)
    assert "Sach- und Personenschäden" in page_text("Rouault-2016-1219.pdf", 5)
    assert "Grund- und Oberflächenwasser" in page_text("Wicke-2021-1323.pdf", 2)


def test_running_heads_and_page_numbers_leave_the_text_and_the_label_stays() -> None:
    doc = report("Rouault-2016-1219.pdf")
    head = "Zukunftsorientierte Anpassungsmaßnahmen für urbane Abwasserinfrastrukturen"
    assert all(head not in page.text for page in doc.pages[1:])
    assert [page.label for page in doc.pages[:6]] == ["1", "2", "3", "4", "5", "6"]
    staub = report("Staub-2012-425.pdf")
    assert "© PREPARED" not in staub.pages[30].text
    assert "Catalogue of European adaptive initiatives" not in staub.pages[30].text
    assert staub.pages[30].label == "31"


def test_a_section_that_numbers_its_own_pages_shows_its_printed_number() -> None:
    wicke = report("Wicke-2021-1323.pdf")
    # the second fact sheet starts at file page 13 and numbers its pages 1, 2, 3, ...
    assert [page.label for page in wicke.pages[12:15]] == ["1", "2", "3"]
    chunks = chunk_document(wicke, ChunkingParams(800, 100), MentionFinder({}))
    on_14 = [c for c in chunks if c.page_start == 14]
    assert on_14 and {c.page_label for c in on_14} == {"2"}


def test_contents_imprint_and_reference_pages_give_no_passages() -> None:
    staub = report("Staub-2012-425.pdf")
    roles = {page.number: page.role for page in staub.pages}
    assert roles[5] == roles[6] == "contents"
    assert roles[3] == "imprint"
    assert all(roles[n] == "references" for n in range(86, 99))
    assert roles[31] == ""
    chunks = chunk_document(staub, ChunkingParams(800, 100), MentionFinder({}))
    pages = {c.page_start for c in chunks}
    assert not pages & {3, 5, 6, *range(84, 99)}
    assert 31 in pages
    assert report("Rouault-2016-1219.pdf").pages[1].role == "contents"  # dot leaders


def test_title_publisher_and_year_come_from_the_report() -> None:
    kuras = report("Rouault-2016-1219.pdf")  # its /Title says "Untitled"
    assert kuras.title == ("Zukunftsorientierte Anpassungsmaßnahmen für urbane "
                           "Abwasserinfrastrukturen")
    assert kuras.year == "2016"  # the file was re-exported in 2020
    # its imprint lists five partner institutions under the project's name, no "Herausgeber"
    assert kuras.publisher == "KURAS"
    wicke = report("Wicke-2021-1323.pdf")  # no /Title at all
    assert wicke.title.startswith("Guter Umgang mit Regenwasser")
    assert (wicke.publisher, wicke.year) == ("Umweltbundesamt", "2021")
    staub = report("Staub-2012-425.pdf")  # /Title is a job name "20120920_Catalogue ..."
    assert staub.title.startswith("D1.1.1 Catalogue of European adaptive initiatives")
    assert (staub.publisher, staub.year) == ("PREPARED", "2012")
    chunk = chunk_document(wicke, ChunkingParams(800, 100), MentionFinder({}))[0]
    assert (chunk.publisher, chunk.year) == ("Umweltbundesamt", "2021")


def test_two_column_prose_is_read_column_after_column_not_as_a_table() -> None:
    # pypdf's layout text put this page's columns side by side and the table finder made
    # a two-cell "table" of them; the plain text reads the left column, then the right
    text = report("Rouault-2016-1219.pdf").pages[13].text
    assert not any(line.startswith("| Untersuchungen zum Wirkungsfeld") for line in
                   text.splitlines())
    flat = " ".join(text.split())
    assert "Die Grundlage von Untersuchungen zum Verhalten des Kanalnetzes" in flat
    assert "Tabelle 5" in flat  # the page's real table is still there


def test_a_real_table_is_found_and_justified_prose_is_not_one() -> None:
    # pypdf's layout text missed the KURAS guide's precipitation table (page 21) and made
    # tables of the KWB catalogue's justified paragraphs and bullet lists (14 pages); the text
    # set out from PDFium's positions finds the one and leaves the others prose
    rouault = report("Rouault-2016-1219.pdf").pages[20].text.splitlines()
    assert "| Jahresniederschlag [mm] | 582 | 612 |" in rouault
    assert "| Niederschlag Sommerhalbjahr (Mai – Oktober) [mm] | 328 | 342 |" in rouault
    for number in (20, 33, 67):
        text = report("Staub-2012-425.pdf").pages[number - 1].text
        assert not any(line.startswith("|") for line in text.splitlines()), number
    assert ("Water Sensitive Urban Design (WSUD) programme is being implemented, including "
            "wetlands, rain gardens, storage tanks") in page_text("Staub-2012-425.pdf", 33)


def test_a_passage_shows_the_printed_page_and_links_the_file_page() -> None:
    from assistant.answer.compose import compose
    from assistant.web.present import passages_html
    from ingest.core.records import Hit
    from ingest.index.storemeta import chunk_from, chunk_metadata

    wicke = report("Wicke-2021-1323.pdf")
    chunk = next(c for c in chunk_document(wicke, ChunkingParams(800, 100), MentionFinder({}))
                 if c.page_start == 14)
    stored = chunk_from(chunk.chunk_id, chunk.text, chunk_metadata(chunk))
    assert (stored.page_label, stored.publisher, stored.year) == ("2", "Umweltbundesamt", "2021")
    shown = passages_html(compose("Fassade", [], [Hit(stored, 1.0)], "en"),
                          lambda doc_id: f"/documents/{doc_id}.pdf")
    assert "(Umweltbundesamt, 2021), p. 2</a>" in shown
    assert 'href="/documents/wicke-2021-1323.pdf#page=14"' in shown


@pytest.mark.parametrize(("imprint", "publisher"), [
    ("Impressum\n\nHerausgeber: Stadt Musterstadt\nRathausplatz 1\n", "Stadt Musterstadt"),
    ("Impressum\nHerausgeber Autorenschaft\nUmweltamt Musterstadt\nAm Markt 2\n",
     "Umweltamt Musterstadt"),  # a two-column imprint's labels on one line
    ("Publisher\nRiver Basin Agency\n12 Quay Street\n", "River Basin Agency"),
    ("Project title\nHEATWISE - Cooler cities\n\nProject partners\nCity of A,\nUniversity "
     "of B\n", "HEATWISE"),
    ("Partners\nCity of A,\nUniversity of B\n\nContact\nx@example.org\n",
     "City of A; University of B"),  # no project named: all partners, not the first
])
def test_the_publisher_is_what_the_imprint_names(imprint: str, publisher: str) -> None:
    assert publisher_of(["Title page\n", imprint]) == publisher


def test_each_passage_carries_the_section_heading_the_report_prints() -> None:
    # none of the reports has bookmarks: the headings are told by their larger or bold print
    def sections(name: str, page: int) -> set[str]:
        return {c.section for c in chunk_document(report(name), ChunkingParams(1000, 150),
                                                  MentionFinder({})) if c.page_start == page}

    assert "6.1.5 Development of early-warning systems" in sections("Staub-2012-425.pdf", 76)
    assert "7 Handlungsempfehlungen und Fazit" in sections("Rouault-2016-1219.pdf", 20)
    assert sections("Wicke-2021-1323.pdf", 3) == {"2.1 Biozide",
                                                  "2.2 Schutzmittel gegen Durchwurzelung"}
