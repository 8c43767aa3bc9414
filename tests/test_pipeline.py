"""Ingest real files into a real store: idempotent, incremental; one bad file never aborts."""

from __future__ import annotations

from dataclasses import replace
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


def test_a_document_read_by_an_older_reader_is_read_again(settings, embedder, pdf_factory,
                                                          tmp_path: Path) -> None:
    """An unchanged file whose chunks an older reader made (a lower READING_VERSION, or none
    for records from before the number existed) is read again; tools are not touched."""
    from ingest.parse.dispatch import READING_VERSION

    copy_tools(tmp_path / "docs", TOOLS[:2])
    pdf_factory("guide.pdf", ["Page one on shade.", "Page two on EFAS warnings."])
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([tmp_path / "docs"])
    store = assistant.store
    assert {r.reading for r in store.manifest().values() if r.kind == "document"} == {
        READING_VERSION}
    store.put_records([replace(r, reading=0) for r in store.manifest().values()
                       if r.kind == "document"])  # as an older reader left it
    report = assistant.ingest([tmp_path / "docs"])
    assert {(Path(r.path).name, r.status) for r in report.results} == {
        ("guide.pdf", "updated"), *((f"{t}.yaml", "unchanged") for t in TOOLS[:2])}
    assert {r.reading for r in store.manifest().values() if r.kind == "document"} == {
        READING_VERSION}
    assert assistant.ingest([tmp_path / "docs"]).count("unchanged") == 3


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


def _kb(root: Path) -> Path:
    folder = copy_tools(root / "x" / "corpus", ["efas", "dwd-hitzewarnsystem"])
    (folder / "guide.md").write_text("# Heat guide\nShade and water help in hot summers.\n",
                                     "utf-8")
    (root / "elsewhere").mkdir()
    return folder


def test_the_same_file_is_the_same_source_from_any_directory(settings, embedder, tmp_path: Path,
                                                             monkeypatch) -> None:
    folder = _kb(tmp_path)
    assistant = Assistant(settings, embedder=embedder)
    monkeypatch.chdir(tmp_path / "x")
    assert assistant.ingest([Path("corpus")]).count("indexed") == 3
    for given in (folder, Path("../x/corpus"), Path("../x/corpus/./../corpus")):
        if given == Path("../x/corpus"):
            monkeypatch.chdir(tmp_path / "elsewhere")
        report = assistant.ingest([given])
        assert report.count("unchanged") == 3 and len(report.results) == 3, report.results
    paths = {s.path for s in (*assistant.status().documents, *assistant.status().tools)}
    assert paths == {str(folder / "guide.md"), str(folder / "efas.yaml"),
                     str(folder / "dwd-hitzewarnsystem.yaml")}
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert [r.detail for r in assistant.remove("../x/corpus/guide.md")] == ["document guide"]
    (folder / "efas.yaml").unlink()
    report = assistant.ingest([Path("../x/corpus")], remove_missing=True)
    assert [(Path(r.path).name, r.status) for r in report.results] == [
        ("efas.yaml", "removed"), ("dwd-hitzewarnsystem.yaml", "unchanged"),
        ("guide.md", "indexed")]


def test_an_index_with_relative_paths_migrates(embedder, tmp_path: Path, monkeypatch) -> None:
    """Indexes built before stored the path as given, relative to the ingest's directory."""
    from ingest.core.settings import Settings

    folder = _kb(tmp_path)
    settings = Settings.from_env(environ={}, data_dir=tmp_path / "x" / "data",
                                 collection="relative")
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([folder])
    store = assistant.store
    store.put_records([replace(r, path=str(Path(r.path).relative_to(tmp_path / "x")))
                       for r in store.manifest().values()])  # as the old code wrote them
    assert {r.path for r in store.manifest().values()} == {
        "corpus/guide.md", "corpus/efas.yaml", "corpus/dwd-hitzewarnsystem.yaml"}
    monkeypatch.chdir(tmp_path / "elsewhere")  # not where the old ingest ran
    report = assistant.ingest([folder])
    assert report.count("unchanged") == 3 and not report.failed
    assert {r.path for r in store.manifest().values()} == {
        str(folder / "guide.md"), str(folder / "efas.yaml"),
        str(folder / "dwd-hitzewarnsystem.yaml")}


def test_an_id_owned_by_another_file_is_refused_unless_replace(settings, embedder,
                                                               tmp_path: Path) -> None:
    folder = _kb(tmp_path)
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([folder])
    chunks = assistant.store.count()
    other = tmp_path / "other"
    other.mkdir()
    (other / "my-efas.yaml").write_text((folder / "efas.yaml").read_text("utf-8").replace(
        "name: European Flood Awareness System (EFAS)", "name: Hijacked"), "utf-8")
    (other / "guide.md").write_text("# Other\nOne line.\n", "utf-8")
    report = assistant.ingest([other])
    failed = {Path(r.path).name: r.detail for r in report.failed}
    assert failed == {
        "my-efas.yaml": f"duplicate tool id 'efas' (already defined in {folder / 'efas.yaml'}); "
                        "refused: use `ingest --replace` if it moved there on purpose",
        "guide.md": f"duplicate document id 'guide' (already used by {folder / 'guide.md'}); "
                    "refused: rename one of the files, or use `ingest --replace` if it moved "
                    "there on purpose"}
    assert assistant.store.count() == chunks
    titles = {s.id: s.title for s in (*assistant.status().documents, *assistant.status().tools)}
    assert titles["efas"] == "European Flood Awareness System (EFAS)"
    assert titles["guide"] == "Heat guide"
    (folder / "efas.yaml").unlink()  # an owner that is gone still owns its id
    (failed_tool,) = [r for r in assistant.ingest([other]).failed if r.path.endswith(".yaml")]
    assert "efas.yaml, which no longer exists); refused" in failed_tool.detail
    moved = assistant.ingest([other], replace=True)
    assert not moved.failed and moved.count("updated") == 2
    status = {s.id: s for s in (*assistant.status().documents, *assistant.status().tools)}
    assert status["efas"].title == "Hijacked" and status["efas"].path == str(other / "my-efas.yaml")
    assert status["guide"].path == str(other / "guide.md")


def test_a_file_renamed_in_its_folder_moves_with_remove_missing(settings, embedder,
                                                                tmp_path: Path) -> None:
    folder = _kb(tmp_path)
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([folder])
    (folder / "efas.yaml").rename(folder / "efas-renamed.yaml")
    assert [Path(r.path).name for r in assistant.ingest([folder]).failed] == ["efas-renamed.yaml"]
    report = assistant.ingest([folder], remove_missing=True)
    assert not report.failed
    assert {(Path(r.path).name, r.status) for r in report.results if r.status != "unchanged"} == {
        ("efas.yaml", "removed"), ("efas-renamed.yaml", "indexed")}
