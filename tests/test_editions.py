"""Editions: a newer document supersedes an older one, which stays indexed but out of answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.query.filters import Filters
from assistant.service import Assistant

from .conftest import copy_tools

OLD = ("---\nid: hitzeschutz-2019\ntitle: Hitzeschutz Musterstadt 2019\n---\n"
       "# Hitzeschutz\nDer Hitzeschutz-Fahrplan der Musterstadt von 2019 nennt drei kühle Räume "
       "und einen Trinkbrunnen am Markt.\n")
NEW = ("---\nid: hitzeschutz-2024\ntitle: Hitzeschutz Musterstadt 2024\n"
       "supersedes: hitzeschutz-2019\n---\n"
       "# Hitzeschutz\nDer Hitzeschutz-Fahrplan der Musterstadt von 2024 nennt zwölf kühle Räume "
       "und acht Trinkbrunnen in allen Stadtteilen.\n")
QUESTION = "Hitzeschutz-Fahrplan der Musterstadt kühle Räume Trinkbrunnen"


def _docs(assistant: Assistant, filters: Filters = Filters()) -> set[str]:
    return {h.chunk.doc_id for h in assistant.retriever.search(QUESTION, filters)
            if h.chunk.kind == "passage"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = copy_tools(tmp_path / "kb", ["dwd-hitzewarnsystem"])
    (folder / "old.md").write_text(OLD, "utf-8")
    return folder


def test_superseded_edition_is_left_out_unless_asked_for(folder, settings, embedder) -> None:
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([folder])
    assert _docs(assistant) == {"hitzeschutz-2019"}
    (folder / "new.md").write_text(NEW, "utf-8")
    report = assistant.ingest([folder], replace=True)  # the editor's word: see the test below
    assert [r.detail for r in report.results if r.status == "indexed"] == [
        "supersedes hitzeschutz-2019"]
    assert _docs(assistant) == {"hitzeschutz-2024"}
    assert _docs(assistant, Filters(include_superseded=True)) == {"hitzeschutz-2019",
                                                                 "hitzeschutz-2024"}
    for hit in assistant.retriever.search(QUESTION, Filters(hazards=("heat",)), mode="dense"):
        assert hit.chunk.doc_id != "hitzeschutz-2019"  # the Chroma where clause too
    status = {d.id: d for d in assistant.status().documents}
    assert status["hitzeschutz-2019"].superseded_by == "hitzeschutz-2024"
    answer = assistant.ask(QUESTION)
    assert {p.chunk.doc_id for p in answer.passages} == {"hitzeschutz-2024"}

    assistant.remove("hitzeschutz-2024")  # the newer edition goes: the older one is back
    assert _docs(assistant) == {"hitzeschutz-2019"}
    assert not assistant.status().documents[0].superseded_by


def test_flag_and_pdf_keywords_declare_editions(folder, settings, embedder, pdf_factory) -> None:
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([folder])
    new = pdf_factory("plan-2024.pdf", ["Der Hitzeschutz-Fahrplan der Musterstadt 2024."])
    assistant.ingest([new], supersedes={new: "hitzeschutz-2019"})
    assert _docs(assistant) == {"plan-2024"}
    newer = pdf_factory("plan-2025.pdf", ["Der Hitzeschutz-Fahrplan der Musterstadt 2025."],
                        keywords="hazards: heat; supersedes: plan-2024")
    assistant.ingest([newer], replace=True)
    superseded = {d.id: d.superseded_by for d in assistant.status().documents}
    assert superseded == {"hitzeschutz-2019": "plan-2024", "plan-2024": "plan-2025",
                          "plan-2025": ""}
    assert _docs(assistant) == {"plan-2025"}


def test_an_unchanged_file_can_be_declared_an_edition_later(folder, settings, embedder) -> None:
    (folder / "other.md").write_text("# Plan\nDer Hitzeschutz-Fahrplan der Musterstadt neu.\n",
                                     "utf-8")
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([folder])
    report = assistant.ingest([folder / "other.md"],
                              supersedes={folder / "other.md": "hitzeschutz-2019"})
    assert report.count("unchanged") == 1
    assert _docs(assistant) == {"other"}


def test_a_file_cannot_supersede_an_indexed_document_on_its_own_say(folder, settings, embedder,
                                                                   tmp_path: Path) -> None:
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([folder])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "new.md").write_text(NEW, "utf-8")
    report = assistant.ingest([elsewhere])
    (failed,) = report.failed
    assert failed.path == str(elsewhere / "new.md")
    assert f"supersedes 'hitzeschutz-2019' ({folder / 'old.md'}), an indexed document; refused" \
        in failed.detail and "--supersedes hitzeschutz-2019" in failed.detail
    assert _docs(assistant) == {"hitzeschutz-2019"}
    named = assistant.ingest([elsewhere / "new.md"],
                             supersedes={elsewhere / "new.md": "hitzeschutz-2019"})
    assert named.count("indexed") == 1 and _docs(assistant) == {"hitzeschutz-2024"}
    again = assistant.ingest([elsewhere])  # the claim it was indexed with stays its own
    assert again.count("unchanged") == 1 and not again.failed


def test_editions_indexed_together_need_no_flag(folder, settings, embedder) -> None:
    (folder / "new.md").write_text(NEW, "utf-8")
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ingest([folder])
    assert not report.failed and _docs(assistant) == {"hitzeschutz-2024"}
