"""Running heads, feet and page numbers and two-column pages, on PDFs this test makes (#18)."""

from __future__ import annotations

from pathlib import Path

from ingest.chunk.mentions import MentionFinder
from ingest.chunk.split import ChunkingParams, chunk_document
from ingest.parse.hyphenation import repair, vocabulary_of
from ingest.parse.pdf import read_pdf

HEAD = "Klimaanpassungskonzept Musterstadt 2030"
LEFT = ("Die Stadt plant Versickerungsmulden in allen neuen Wohngebieten. Jede Mulde nimmt das "
        "Regenwasser der angrenzenden Dachflächen auf und gibt es langsam an den Boden ab. ") * 4
RIGHT = ("Der Hitzeaktionsplan nennt kühle Orte für ältere Menschen. Die Bibliotheken öffnen an "
         "heißen Tagen länger und bieten Trinkwasser an. ") * 4


def write_report(path: Path, pages: int = 6, first_number: int = 11) -> Path:
    """Pages with a running head under a rule, a foot with the printed page number (the file's
    page 1 prints 11), and the body in two columns of prose."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title("Klimaanpassungskonzept der Musterstadt")
    pdf.set_author("Stadtverwaltung Musterstadt")
    pdf.set_font("Helvetica", size=10)
    pdf.set_auto_page_break(False)
    for index in range(pages):
        pdf.add_page()
        pdf.set_xy(20, 12)
        pdf.cell(170, 6, HEAD)
        pdf.line(20, 19, 190, 19)
        pdf.rect(20, 24, 170, 1)
        pdf.rect(20, 274, 170, 1)
        pdf.set_xy(20, 30)
        pdf.multi_cell(80, 5, f"Abschnitt {index + 1}. {LEFT[index * 7:]}")
        pdf.set_xy(110, 30)
        pdf.multi_cell(80, 5, f"Kapitel {index + 1}. {RIGHT[index * 5:]}")
        pdf.set_xy(20, 280)
        pdf.cell(170, 6, str(first_number + index), align="C")
    pdf.output(str(path))
    return path


def test_running_head_and_page_numbers_leave_the_passages_and_the_label_is_kept(
        tmp_path: Path) -> None:
    doc = read_pdf(write_report(tmp_path / "konzept.pdf"))
    assert [page.label for page in doc.pages] == ["11", "12", "13", "14", "15", "16"]
    chunks = chunk_document(doc, ChunkingParams(800, 100), MentionFinder({}))
    assert chunks and not any(HEAD in c.text or c.text.rstrip().endswith(" 13") for c in chunks)
    assert {(c.page_start, c.page_label) for c in chunks if c.page_start == 3} == {(3, "13")}


def test_two_columns_are_read_one_after_the_other(tmp_path: Path) -> None:
    text = " ".join(read_pdf(write_report(tmp_path / "konzept.pdf")).pages[1].text.split())
    assert not text.startswith("|")
    left = text.index("Abschnitt 2.")
    right = text.index("Kapitel 2.")
    assert left < right
    assert "langsam an den Boden ab." in text[left:right]  # the whole left column first
    assert "Bibliotheken" not in text[left:right]


def test_hyphenation_is_decided_by_the_words_the_document_prints() -> None:
    vocabulary = vocabulary_of(["Die Kommunen planen blau-grün-grau. Dimension und Fällen, "
                                "Ökosystemleistungen"], glossary=frozenset())
    cases = {
        "Betreiber und Kommu-\nnen": "Betreiber und Kommunen",
        "Hochwasser-\nRisikomanagement": "Hochwasser-Risikomanagement",
        "die Strategie blau-\ngrün-grau": "die Strategie blau-grün-grau",
        "nach DWA-\nM 119": "nach DWA-M 119",
        "Sach- und Personenschäden": "Sach- und Personenschäden",
        "die Dime n-\nsion": "die Dimension",  # a kerning gap before the line-end hyphen
        "die Ök o-\nsystemleistungen": "die Ökosystemleistungen",
        "in vielen F ällen": "in vielen Fällen",
        "in den Fällen": "in den Fällen",  # two words of their own stay two
    }
    assert {text: repair(text, vocabulary) for text in cases} == cases


def test_headings_told_by_their_print_become_the_sections_of_the_chunks(tmp_path: Path) -> None:
    """A report without bookmarks: its headings are larger bold print, or bold and numbered."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_xy(20, 20)
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(170, 8, "Starkregenvorsorge im Quartier")
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(20, 32)
    pdf.multi_cell(170, 5, LEFT)
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.set_xy(20, 90)
    pdf.cell(170, 5, "2.1 Hitzeschutz für ältere Menschen")
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(20, 98)
    pdf.multi_cell(170, 5, RIGHT)
    doc = read_pdf(Path(pdf.output(str(tmp_path / "quartier.pdf")) or tmp_path / "quartier.pdf"))
    chunks = chunk_document(doc, ChunkingParams(400, 50), MentionFinder({}))
    sections = {c.section for c in chunks if "Versickerungsmulden" in c.text}
    assert sections == {"Starkregenvorsorge im Quartier"}
    assert {c.section for c in chunks if "Bibliotheken" in c.text} == {
        "2.1 Hitzeschutz für ältere Menschen"}
    assert not any("Hitzeschutz für" in c.text for c in chunks)  # the heading is not body text
