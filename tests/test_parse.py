"""Parsing real files: page numbers kept, tags read, bad files named with their problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.core.errors import FileProblem
from ingest.parse.dispatch import parse_document, parse_tools

from .conftest import CORPUS


def test_pdf_keeps_text_per_page_and_keywords(pdf_factory) -> None:
    path = pdf_factory("guide.pdf", ["First page about shade.", "Second page about fountains.",
                                     "Third page about sirens."],
                       title="A guide", keywords="hazards: heat, storm; phases: planning")
    document = parse_document(path)
    assert document.doc_id == "guide"
    assert document.title == "A guide"
    assert [p.number for p in document.pages] == [1, 2, 3]
    assert "fountains" in document.pages[1].text
    assert document.hazards == ("heat", "storm")
    assert document.phases == ("planning",)


def test_markdown_front_matter_and_page_breaks(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("---\nid: my-note\ntitle: Note\nlanguage: de\nhazards: [drought]\n---\n"
                    "# Eins\nText eins.\n<!-- pagebreak -->\n# Zwei\nText zwei.\n", "utf-8")
    document = parse_document(path)
    assert (document.doc_id, document.title, document.language) == ("my-note", "Note", "de")
    assert len(document.pages) == 2 and "Zwei" in document.pages[1].text
    assert document.hazards == ("drought",)


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("empty.pdf", b"", "empty file"),
    ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "not a readable PDF"),
    ("empty.md", b"  \n", "empty file"),
    ("latin1.txt", "Hitze in Köln".encode("latin-1"), "not UTF-8"),
    ("binary.txt", b"\x00\x01\x02binary", "binary content"),
])
def test_bad_documents_name_file_and_problem(tmp_path: Path, name: str, content: bytes,
                                             problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileProblem, match=problem) as caught:
        parse_document(path)
    assert str(path) in str(caught.value)


def test_encrypted_pdf_is_refused_with_advice(pdf_factory) -> None:
    path = pdf_factory("locked.pdf", ["secret text"], encrypt="pw")
    with pytest.raises(FileProblem, match="encrypted PDF"):
        parse_document(path)


def test_pdf_without_text_suggests_ocr(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50, style="F")  # a "scan": marks on the page, no text layer
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(FileProblem, match="OCR"):
        parse_document(path)


def test_shipped_tool_parses() -> None:
    (tool,) = parse_tools(CORPUS / "tools" / "klivo-portal.yaml")
    assert tool.name.startswith("Deutsches Klimavorsorgeportal")
    assert "heat" in tool.hazards


@pytest.mark.parametrize(("text", "problem"), [
    ("id: x-y\nname: [unclosed\n", "invalid YAML"),
    ("- just\n- a list\n", "one mapping"),
    ("id: bad-tool\nname: N\nprovider: P\nurl: null\nkind: guide\nhazards: [lava]\n"
     "phases: [planning]\nscale: [city]\nlanguages: [de]\ncost: free\ndescription: d\n"
     "example_use: e\nsource_note: s\n", "unknown hazards value 'lava'"),
    ("id: no-name\n", "field name"),
])
def test_bad_tool_files_name_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "tool.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(FileProblem, match=problem):
        parse_tools(path)
