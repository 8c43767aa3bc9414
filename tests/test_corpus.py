"""Every file of the shipped corpus parses, and the benchmark refers only to things that exist."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ingest.core.records import HAZARDS, PHASES
from ingest.parse.dispatch import parse_document, parse_tools

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CATALOGUE = CORPUS.parent.parent / "shared" / "toolbox" / "tools.jsonl"
TOOL_FILES = sorted((CORPUS / "tools").glob("*.yaml"))
PDFS = sorted((CORPUS / "documents").glob("*.pdf"))
SOURCES = sorted((CORPUS / "sources").glob("*.md"))


def test_catalogue_has_all_tools() -> None:
    assert len(TOOL_FILES) >= 106


@pytest.mark.parametrize("path", TOOL_FILES, ids=lambda p: p.stem)
def test_tool_file_parses_and_is_named_by_its_id(path: Path) -> None:
    (tool,) = parse_tools(path)
    assert tool.id == path.stem
    assert tool.source_note


@pytest.mark.skipif(not CATALOGUE.exists(), reason="shared catalogue not beside this checkout")
def test_tool_files_keep_every_catalogue_fact() -> None:
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        stored = yaml.safe_load((CORPUS / "tools" / f"{record['id']}.yaml").read_text("utf-8"))
        for key, value in record.items():
            if key in ("url", "source_note"):
                continue  # corrected to publishers (issue 20); test_tool_data checks the provenance
            assert stored[key] == value, f"{record['id']}: {key} differs from the catalogue"


def test_documents_are_many_real_pdfs_in_two_languages() -> None:
    assert len(PDFS) >= 16
    languages = [parse_document(p).language for p in PDFS]
    assert languages.count("de") >= 5


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem)
def test_document_pdf_parses_with_pages_and_tags(path: Path) -> None:
    document = parse_document(path)
    assert 3 <= len(document.pages) <= 12
    assert all(page.text.strip() for page in document.pages)
    assert document.hazards and set(document.hazards) <= set(HAZARDS)
    assert document.phases and set(document.phases) <= set(PHASES)
    assert any(page.headings for page in document.pages), "no bookmarks: headings are lost"


def test_every_source_has_its_pdf() -> None:
    assert {p.stem for p in SOURCES} == {p.stem for p in PDFS}


def _qrels(name: str) -> list[dict[str, str]]:
    with (CORPUS / "benchmark" / "qrels" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _queries() -> dict[str, dict]:
    lines = (CORPUS / "benchmark" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    return {q["_id"]: q for q in map(json.loads, lines) if q}


def test_benchmark_queries_are_many_and_bilingual() -> None:
    queries = _queries()
    assert len(queries) >= 150
    german = sum(q["lang"] == "de" for q in queries.values())
    assert german / len(queries) >= 0.40
    assert all(q["text"].strip() for q in queries.values())


def test_tool_qrels_name_existing_queries_and_tools() -> None:
    queries, tools = _queries(), {p.stem for p in TOOL_FILES}
    rows = _qrels("tools.tsv")
    answerable = {q for q, record in queries.items() if record.get("answerable", True)}
    assert {r["query-id"] for r in rows} == answerable, "every answerable query needs a judgment"
    assert {r["corpus-id"] for r in rows} <= tools
    assert {r["score"] for r in rows} <= {"1", "2"}


def test_passage_qrels_name_existing_pages() -> None:
    queries = _queries()
    pages = {p.stem: len(parse_document(p).pages) for p in PDFS}
    rows = _qrels("passages.tsv")
    assert len({r["query-id"] for r in rows}) >= 80
    for row in rows:
        assert row["query-id"] in queries
        doc_id, _, page = row["corpus-id"].partition("#")
        assert doc_id in pages and 1 <= int(page) <= pages[doc_id], row


def test_committed_pdfs_are_what_their_sources_build() -> None:
    """A source edited without `make documents` (or a PDF edited by hand) fails here."""
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, str(root / "corpus" / "build_documents.py"), "--check"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("up to date") == len(list((root / "corpus" / "sources").glob("*.md")))
