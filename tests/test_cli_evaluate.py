"""`toolbox-assistant evaluate` and `feedback export` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.evaluation.feedback import FeedbackStore
from assistant.service import Assistant

from .beir_files import CORPUS, write_dataset, write_jsonl
from .conftest import copy_tools

pytestmark = pytest.mark.integration


def test_own_corpus_end_to_end_leaves_the_index_alone(tmp_path: Path, settings, embedder,
                                                      cli_here) -> None:
    user = Assistant(settings, embedder=embedder)
    user.ingest([copy_tools(tmp_path / "kb", ["efas", "dwd-hitzewarnsystem"])])
    count, before = user.store.count(), _tree(settings.data_dir)
    folder = write_dataset(tmp_path / "ds", corpus=CORPUS)
    out = tmp_path / "out"
    result = cli_here(  # in this process: a fresh interpreter spent 20-30 s loading the models
        ["evaluate", str(folder), "--retrievers", "bm25,hybrid", "--json", str(out / "r.json"),
         "--report", str(out / "r.md"), "--plot", str(out / "r.png"), "--runs",
         str(out / "runs")], settings.data_dir, settings.collection)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "ds (corpus, 4 queries)"
    assert lines[1].split()[:3] == ["retriever", "nDCG@10", "R@5"]
    assert [line.split()[0].rstrip("*†‡") for line in lines[2:4]] == ["bm25", "hybrid"]
    data = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert set(data["results"]) == {"bm25", "hybrid"} and data["queries"] == 4
    assert data["results"]["hybrid"]["recall@10"] == 1.0
    assert data["index"]["documents"] == len(CORPUS)
    assert data["index"]["signals"]["hybrid"] == ["bm25", "dense", "dense_multilingual"]
    assert "## By lang" in (out / "r.md").read_text(encoding="utf-8")
    assert (out / "r.png").stat().st_size > 10_000
    first = (out / "runs" / "hybrid.trec").read_text(encoding="utf-8").splitlines()[0].split()
    assert first[:4] == ["q1", "Q0", "d-heat", "1"] and first[5] == "hybrid"
    assert user.store.count() == count
    assert _tree(settings.data_dir) == before, "the user's data dir changed"


def _tree(folder: Path) -> dict[str, int]:
    # Sizes, not times: Chroma may touch its files on open; what matters is nothing written.
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")
            if p.is_file()}


BAD_CASES = {
    "missing column": (lambda ds: (ds / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td-heat\n", encoding="utf-8"),
        "qrels/test.tsv:2: expected query-id, corpus-id and an integer score"),
    "unknown corpus id": (lambda ds: (ds / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td-heat\t1\nq2\td-gone\t1\n", encoding="utf-8"),
        "qrels/test.tsv:3: unknown corpus id 'd-gone'"),
    "empty query": (lambda ds: write_jsonl(ds / "queries.jsonl", [
        {"_id": "q1", "text": "heat"}, {"_id": "q2", "text": ""}]),
        "queries.jsonl:2: empty query text"),
    "wrong encoding": (lambda ds: (ds / "corpus.jsonl").write_bytes(
        '{"_id": "d-heat", "text": "Hitze"}\n{"_id": "d-x", "text": "Ältere"}\n'
        .encode("cp1252")), "corpus.jsonl:2: not UTF-8"),
    "malformed json": (lambda ds: (ds / "corpus.jsonl").write_text(
        '{"_id": "d-heat", "text": "heat"}\n{"_id": "d-rain", "text": \n', encoding="utf-8"),
        "corpus.jsonl:2: not valid JSON"),
    "corpus line without text": (lambda ds: write_jsonl(ds / "corpus.jsonl", [
        CORPUS[0], {"_id": "d-rain", "body": "x"}]), "corpus.jsonl:2: missing 'text'"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_dataset_is_one_message_and_exit_1(tmp_path: Path, capsys, monkeypatch,
                                               case: str) -> None:
    folder = write_dataset(tmp_path / "ds", corpus=CORPUS)
    damage, expected = BAD_CASES[case]
    damage(folder)
    data = tmp_path / "data"
    monkeypatch.setenv("TOOLBOX_DATA_DIR", str(data))
    assert main(["evaluate", str(folder), "--json", str(tmp_path / "r.json")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {folder}") and expected in err[0], err
    assert not data.exists() and not (tmp_path / "r.json").exists()


def test_bad_usage_exits_2(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TOOLBOX_DATA_DIR", str(tmp_path / "data"))
    assert main(["evaluate", str(tmp_path / "missing")]) == 2
    assert "no such dataset folder" in capsys.readouterr().err
    folder = write_dataset(tmp_path / "ds", corpus=CORPUS)
    assert main(["evaluate", str(folder), "--retrievers", "bm25,magic"]) == 2
    assert "unknown retriever 'magic'" in capsys.readouterr().err
    assert main(["evaluate", str(folder), "--qrels", str(tmp_path / "nope.tsv")]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", str(folder), "--target", "chunks"])
    assert exit_info.value.code == 2
    assert not (tmp_path / "data").exists()


def test_feedback_export_command(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TOOLBOX_DATA_DIR", str(tmp_path / "data"))
    assert main(["feedback", "export", str(tmp_path / "out")]) == 1
    assert "no feedback recorded yet" in capsys.readouterr().err
    FeedbackStore(tmp_path / "data").record("heat warning app", {}, ["dwd-hitzewarnsystem"],
                                            "dwd-hitzewarnsystem", 1)
    assert main(["feedback", "export", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.startswith("1 queries, 1 judgments written to")
    assert (tmp_path / "out" / "qrels" / "test.tsv").read_text().splitlines()[1].endswith(
        "\tdwd-hitzewarnsystem\t2")
