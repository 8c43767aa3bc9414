"""Ingest real files into a real store: idempotent, incremental; one bad file never aborts."""

from __future__ import annotations

from pathlib import Path

from assistant.service import Assistant

from .conftest import copy_tools

TOOLS = ["halle-trinkbrunnen-entscheidungsmatrix", "bkg-hinweiskarte-starkregengefahren",
         "dwd-hitzewarnsystem", "ufz-duerremonitor", "climate-adapt", "efas"]


def test_ingest_twice_changes_nothing(settings, embedder, pdf_factory, tmp_path: Path) -> None:
    copy_tools(tmp_path / "docs", TOOLS)
    pdf_factory("guide.pdf", ["Page one on shade.", "Page two on EFAS warnings."])
    assistant = Assistant(settings, embedder=embedder)
    first = assistant.ingest([tmp_path / "docs"])
    assert first.count("indexed") == len(TOOLS) + 1 and not first.failed
    chunks = assistant.store.count()
    second = assistant.ingest([tmp_path / "docs"])
    assert second.count("unchanged") == len(TOOLS) + 1
    assert assistant.store.count() == chunks


def test_changed_and_removed_files(settings, embedder, pdf_factory, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    path = pdf_factory("guide.pdf", ["Old text about sirens.", "More old text."])
    pdf_factory("other.pdf", ["Other text about dykes."])
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([folder])
    pdf_factory("guide.pdf", ["New text about fountains."])
    report = assistant.ingest([folder])
    assert [r.status for r in report.results if r.path == str(path)] == ["updated"]
    texts = " ".join(c.text for c in assistant.store.chunks())
    assert "fountains" in texts and "sirens" not in texts
    (folder / "other.pdf").unlink()
    report = assistant.ingest([folder], remove_missing=True)
    assert report.count("removed") == 1
    assert {c.doc_id for c in assistant.store.chunks()} == {"guide"}


def test_bad_files_are_reported_and_good_ones_indexed(settings, embedder, pdf_factory,
                                                      tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    pdf_factory("good.pdf", ["Good text about heat."])
    pdf_factory("locked.pdf", ["secret"], encrypt="pw")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (folder / "empty.md").write_text("", "utf-8")
    (folder / "bad.yaml").write_text("id: [oops", "utf-8")
    copy_tools(folder, ["efas"])
    dup = (folder / "efas-copy.yaml")
    dup.write_text((folder / "efas.yaml").read_text("utf-8"), "utf-8")
    report = Assistant(settings, embedder=embedder).ingest([folder])
    failed = {Path(r.path).name: r.detail for r in report.failed}
    assert set(failed) == {"locked.pdf", "broken.pdf", "empty.md", "bad.yaml", "efas.yaml"} or \
        set(failed) == {"locked.pdf", "broken.pdf", "empty.md", "bad.yaml", "efas-copy.yaml"}
    assert "encrypted" in failed["locked.pdf"]
    assert any("duplicate tool id 'efas'" in d for d in failed.values())
    assert report.count("indexed") == 2  # good.pdf and one efas file
    assert "1 updated" not in report.summary() and "5 failed" in report.summary()


def test_passages_learn_of_tools_added_later(settings, embedder, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "floods.md").write_text("# Floods\nThe European Flood Awareness System (EFAS) "
                                    "warns early.\n", "utf-8")
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([docs])
    assert [c.tool_ids for c in assistant.store.chunks()] == [()]
    assistant.ingest([copy_tools(tmp_path / "tools", ["efas"])])
    mentions = {c.doc_id: c.tool_ids for c in assistant.store.chunks()}
    assert mentions == {"floods": ("efas",), "efas": ("efas",)}
    assistant.remove("efas")
    assert [c.tool_ids for c in assistant.store.chunks()] == [()]
