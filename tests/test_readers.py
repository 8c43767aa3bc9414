"""Each reader on real files: HTML main text, Word sections and tables, PDF tables, tool files."""

from __future__ import annotations

import codecs
import json
import re
import time
from pathlib import Path

import pytest

from ingest.chunk.mentions import MentionFinder
from ingest.chunk.split import ChunkingParams, chunk_document
from ingest.core.errors import FileProblem
from ingest.parse.dispatch import parse_document, parse_tools
from ingest.parse.tables import find_tables, with_tables

from .conftest import CORPUS
from .helpers import write_docx

DATA = Path(__file__).parent / "data"
PARAMS = ChunkingParams(1000, 150)
TOOL = {"id": "demo-tool", "name": "Demo tool", "provider": "City", "url": "https://example.org",
        "kind": "guide", "hazards": ["heat"], "phases": ["planning"], "scale": ["city"],
        "languages": ["de", "en"], "cost": "free", "description": "A guide.",
        "example_use": "Plan shade.", "source_note": "Own words."}


def _chunks(path: Path, size: int = 1000):
    return chunk_document(parse_document(path), ChunkingParams(size, 150), MentionFinder([]))


@pytest.mark.parametrize("name", ["div-soup.html", "semantic.html"])
def test_html_keeps_the_article_and_drops_navigation(name: str) -> None:
    document = parse_document(DATA / name)
    text = "\n".join(p.text for p in document.pages)
    assert "Trinkbrunnen" in text or "Hitzeaktionsplan" in text
    for chrome in ("Startseite", "Abfallkalender", "Impressum", "Cookies", "Stellenangebote",
                   "tracking"):
        assert chrome not in text, chrome
    assert document.language == "de"


def test_html_headings_become_sections_and_tables_stay_whole() -> None:
    document = parse_document(DATA / "semantic.html")
    assert document.hazards == ("heat",) and document.phases == ("planning",)
    chunks = _chunks(DATA / "semantic.html")
    table = next(c for c in chunks if c.text.startswith("| Warnstufe"))
    assert table.section == "Warnstufen und Reaktionen"
    assert "| Stufe 2 | Extreme Wärmebelastung |" in table.text
    assert {c.section for c in chunks} >= {"Kühle Orte", "Hitzeaktionsplan der Stadt Musterstadt"}


def test_docx_headings_tables_page_breaks_and_keywords(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "vorsorge.docx",
                      keywords="hazards: heavy-rain; supersedes: vorsorge-2019")
    document = parse_document(path)
    assert document.title == "Starkregen-Vorsorge" and document.supersedes == "vorsorge-2019"
    assert document.hazards == ("heavy-rain",) and len(document.pages) == 2
    chunks = _chunks(path)
    assert chunks[0].section == "Einleitung" and chunks[0].page_start == 1
    table = next(c for c in chunks if c.text.startswith("| Ort | Maßnahme |"))
    assert table.page_start == 2 and table.section == "Maßnahmen"
    assert "| Tiefgarage | Schwelle an der Einfahrt |" in table.text


def test_pdf_table_is_one_chunk_with_its_header_row() -> None:
    chunks = _chunks(CORPUS / "documents" / "heat-action-plans.pdf", size=2000)
    table = next(c for c in chunks if c.text.startswith("| Question | Where to look |"))
    assert table.page_start == 3
    assert "| What must a plan contain? | Handlungsempfehlungen für die Erstellung von " \
           "Hitzeaktionsplänen (2017); WHO Europe guidance on heat-health action plans " \
           "| planning |" in table.text
    assert table.text.count("\n") == 7  # the header row and seven rows


def test_long_table_is_cut_between_rows_each_part_under_the_header() -> None:
    chunks = _chunks(CORPUS / "documents" / "heat-action-plans.pdf", size=600)
    parts = [c for c in chunks if c.text.startswith("| Question | Where to look |")]
    assert len(parts) >= 2
    rows = [line for p in parts for line in p.text.splitlines()[1:]]
    assert len(rows) == 7 and rows[-1].startswith("| Does our plan cover risk groups")


def test_two_columns_of_prose_are_not_a_table() -> None:
    layout = "\n".join(f"Left column line {i} with words   Right column line {i} with more"
                       for i in range(6))
    plain = "\n".join([*(f"Left column line {i} with words" for i in range(6)),
                       *(f"Right column line {i} with more" for i in range(6))])
    assert find_tables(layout)  # columns look alike in the layout text ...
    assert with_tables(plain, layout) == plain  # ... but the reading order is not a table's


def test_pdf_pages_are_read_lazily(pdf_factory) -> None:
    path = pdf_factory("long.pdf", [f"Page {n} text about shade." for n in range(1, 41)])
    document = parse_document(path)
    assert not isinstance(document.pages, (list, tuple)) and len(document.pages) == 40
    assert document.pages[39].text.startswith("Page 40")


def test_json_jsonl_and_csv_hold_many_tools(tmp_path: Path) -> None:
    second = {**TOOL, "id": "second-tool", "name": "Second tool"}
    (tmp_path / "t.json").write_text(json.dumps({"tools": [TOOL, second]}), "utf-8")
    (tmp_path / "t.jsonl").write_text(f"{json.dumps(TOOL)}\n\n{json.dumps(second)}\n", "utf-8")
    header = "id,name,provider,url,kind,hazards,phases,scale,languages,cost,description," \
             "example_use,source_note"
    (tmp_path / "t.csv").write_text(
        f"{header}\ndemo-tool,Demo tool,City,https://example.org,guide,heat;drought,planning,"
        "city,de;en,,\"A guide, with a comma.\",Plan shade.,Own words.\n", "utf-8")
    assert [t.id for t in parse_tools(tmp_path / "t.json")] == ["demo-tool", "second-tool"]
    assert [t.id for t in parse_tools(tmp_path / "t.jsonl")] == ["demo-tool", "second-tool"]
    (tool,) = parse_tools(tmp_path / "t.csv")
    assert tool.hazards == ["heat", "drought"] and tool.cost is None
    assert tool.description == "A guide, with a comma."


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("t.jsonl", json.dumps(TOOL) + "\n{broken\n", r"line 2: invalid JSON"),
    ("t.jsonl", json.dumps(TOOL) + "\n" + json.dumps({**TOOL, "hazards": ["lava"]}),
     r"line 2: tool 'demo-tool': field hazards: unknown hazards value 'lava'"),
    ("t.json", json.dumps([TOOL, TOOL]), r"record 2: duplicate tool id 'demo-tool'"),
    ("t.json", "[1, 2", "invalid JSON"),
    ("t.csv", "name,kind\nX,guide\n", "CSV needs a header row"),
    ("t.csv", "id,name\ndemo-tool,Demo\n", r"line 2: tool 'demo-tool': field provider"),
])
def test_bad_tool_records_name_the_line_or_record(tmp_path: Path, name: str, content: str,
                                                  problem: str) -> None:
    path = tmp_path / name
    path.write_text(content, "utf-8")
    with pytest.raises(FileProblem, match=problem) as caught:
        parse_tools(path)
    assert str(caught.value).startswith(str(path))


# Decoding, binary content, nav-only pages and the chunk limit (#22).

def test_utf16_text_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        path = tmp_path / f"{codec}.md"
        path.write_bytes(bom + "# Hitze\n\nDürre und Starkregen.".encode(codec))
        document = parse_document(path)
        assert document.title == "Hitze"
        assert "Dürre und Starkregen." in document.pages[0].text


@pytest.mark.parametrize(("data", "problem"), [
    ("Dürre ohne BOM".encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
    ("Dürre".encode("latin-1"), "not UTF-8 text (byte 1); save it as UTF-8"),
    ("Dürre".encode("utf-32"), "UTF-32 text is not read; save it as UTF-8"),
    (b"a" * 9000 + b"\x00b",
     "binary content in a text file (wrong extension?); a NUL at byte 9000"),
])
def test_other_encodings_and_nul_anywhere_are_refused_naming_the_file(
        tmp_path: Path, data: bytes, problem: str) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(data)
    with pytest.raises(FileProblem, match=re.escape(problem)) as caught:
        parse_document(path)
    assert caught.value.path == str(path)


def test_a_nul_after_byte_8192_of_a_csv_tool_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tools.csv"
    path.write_bytes(b"id,name\n" + b"x" * 9000 + b"\x00,Tool\n")
    with pytest.raises(FileProblem, match="binary content"):
        parse_tools(path)


def test_an_html_page_with_only_navigation_has_no_main_text(tmp_path: Path) -> None:
    path = tmp_path / "home.html"
    path.write_text("<html><head><title>Home</title></head><body><header><a href='/'>Home</a>"
                    "</header><nav><ul><li><a href='/'>Home</a></li><li><a href='/tools'>Tools"
                    "</a></li></ul></nav><footer>Impressum</footer></body></html>")
    with pytest.raises(FileProblem, match="no main text"):
        parse_document(path)


def test_a_file_past_the_chunk_limit_fails_fast_naming_the_file_and_the_limit(
        tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    path.write_text("word " * 4_000_000)  # 20 MB on one line: 23,537 chunks before the limit
    started = time.perf_counter()
    with pytest.raises(FileProblem, match="more than 2000 chunks .*TOOLBOX_MAX_CHUNKS_PER_FILE"
                       ) as caught:
        chunk_document(parse_document(path), PARAMS, MentionFinder([]))
    assert caught.value.path == str(path)
    assert time.perf_counter() - started < 10
