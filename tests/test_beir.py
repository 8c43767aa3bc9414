"""BEIR files: good ones load; each kind of bad one is refused naming its file and line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assistant.evaluation.beir import (
    DatasetProblem,
    check_qrels_ids,
    extract_zip,
    load_dataset,
    read_corpus,
)

from .beir_files import CORPUS, QUERIES, write_dataset


def test_good_dataset_loads_queries_with_judgments_only(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds", queries=[*QUERIES, {"_id": "q9", "text": "unjudged"}],
                           corpus=CORPUS)
    dataset = load_dataset(folder)
    assert list(dataset.queries) == ["q1", "q2", "q3", "q4"]
    assert dataset.qrels["q1"] == {"d-heat": 2}
    assert dataset.queries["q2"]["lang"] == "de"
    assert dataset.corpus_path == folder / "corpus.jsonl"
    assert [line.doc_id for line in read_corpus(folder / "corpus.jsonl")][:2] == ["d-heat",
                                                                                 "d-rain"]


def test_trec_qrels_and_headerless_tsv_are_accepted(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds", header=False)
    assert load_dataset(folder).qrels["q4"] == {"d-fund": 1}
    trec = tmp_path / "qrels.trec"
    trec.write_text("q1 0 d-heat 2\nq1 0 d-rain 0\n", encoding="utf-8")
    assert load_dataset(folder, trec).qrels == {"q1": {"d-heat": 2, "d-rain": 0}}


def _problem(folder: Path, qrels: Path | None = None) -> str:
    with pytest.raises(DatasetProblem) as info:
        dataset = load_dataset(folder, qrels)
        if dataset.corpus_path:
            lines = list(read_corpus(dataset.corpus_path))
            check_qrels_ids(dataset, {line.doc_id for line in lines}, "corpus.jsonl")
    return str(info.value)


def test_malformed_json_line_names_file_and_line(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds")
    with (folder / "queries.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"_id": "q5", "text": "broken\n')
    assert _problem(folder) == f"{folder / 'queries.jsonl'}:5: not valid JSON " \
                               "(Unterminated string starting at)"


def test_query_without_text_or_id(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds", queries=[QUERIES[0], {"_id": "q2", "title": "x"}])
    assert _problem(folder).startswith(f"{folder / 'queries.jsonl'}:2: missing 'text'")
    folder = write_dataset(tmp_path / "ds2", queries=[{"text": "no id"}])
    assert _problem(folder).startswith(f"{folder / 'queries.jsonl'}:1: missing '_id'")


def test_empty_query_and_empty_file(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds", queries=[*QUERIES[:2], {"_id": "q3", "text": "  "}])
    assert _problem(folder) == f"{folder / 'queries.jsonl'}:3: empty query text (query 'q3')"
    (folder / "queries.jsonl").write_text("\n", encoding="utf-8")
    assert _problem(folder) == f"{folder / 'queries.jsonl'}: no queries"


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds")
    raw = (folder / "queries.jsonl").read_bytes() + '{"_id": "q5", "text": "Hitze für Ältere"}\n' \
        .encode("latin-1")
    (folder / "queries.jsonl").write_bytes(raw)
    assert _problem(folder).startswith(f"{folder / 'queries.jsonl'}:5: not UTF-8")


def test_qrels_missing_columns_and_bad_score(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds")
    qrels = folder / "qrels" / "test.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\nq1\td-heat\t2\nq2\td-rain\n", encoding="utf-8")
    assert _problem(folder) == (f"{qrels}:3: expected query-id, corpus-id and an integer score, "
                                "tab-separated")
    qrels.write_text("query-id\tcorpus-id\tscore\nq1\td-heat\thigh\n", encoding="utf-8")
    assert _problem(folder).startswith(f"{qrels}:2: expected")


def test_qrels_unknown_query_and_corpus_ids(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds", qrels=[("q1", "d-heat", 1), ("q7", "d-rain", 1)])
    assert _problem(folder) == (f"{folder / 'qrels' / 'test.tsv'}:3: unknown query id 'q7' "
                                "(not in queries.jsonl)")
    folder = write_dataset(tmp_path / "ds2", qrels=[("q1", "d-heat", 1), ("q2", "d-nope", 1)],
                           corpus=CORPUS)
    assert _problem(folder) == (f"{folder / 'qrels' / 'test.tsv'}:3: unknown corpus id "
                                "'d-nope' (not in corpus.jsonl; 1 unknown ids in all)")


def test_corpus_line_without_id_or_text_and_duplicates(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds", corpus=[CORPUS[0], {"_id": "x", "title": "t"}])
    assert _problem(folder).startswith(f"{folder / 'corpus.jsonl'}:2: missing 'text'")
    folder = write_dataset(tmp_path / "ds2", corpus=[CORPUS[0], {"text": "no id"}])
    assert _problem(folder).startswith(f"{folder / 'corpus.jsonl'}:2: missing '_id'")
    folder = write_dataset(tmp_path / "ds3", corpus=[CORPUS[0], CORPUS[0]])
    assert _problem(folder) == f"{folder / 'corpus.jsonl'}:2: document id 'd-heat' appears twice"


def test_missing_files_are_named(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds")
    (folder / "qrels" / "test.tsv").unlink()
    assert _problem(folder) == f"{folder / 'qrels' / 'test.tsv'}: missing"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_extracts_to_the_folder_with_queries(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "ds", corpus=CORPUS)
    members = {f"scifact/{p.relative_to(folder).as_posix()}": p.read_bytes()
               for p in folder.rglob("*") if p.is_file()}
    root = extract_zip(_zip(tmp_path / "ds.zip", members), tmp_path / "out", 10_000_000)
    assert root == tmp_path / "out" / "scifact"
    assert len(load_dataset(root).queries) == 4


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "a/../../evil", "C:/evil"])
def test_zip_with_unsafe_path_is_refused(tmp_path: Path, name: str) -> None:
    archive = _zip(tmp_path / "bad.zip", {"queries.jsonl": b"{}", name: b"x"})
    with pytest.raises(DatasetProblem, match="unsafe path"):
        extract_zip(archive, tmp_path / "out", 10_000_000)
    assert not (tmp_path / "evil.txt").exists()


def test_zip_bomb_is_stopped_by_unpacked_size(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("queries.jsonl", b" " * 5_000_000)
    assert archive.stat().st_size < 100_000
    with pytest.raises(DatasetProblem, match="unpacks to more than 1 MB"):
        extract_zip(archive, tmp_path / "out", 1_000_000)


def test_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_text("hello", encoding="utf-8")
    with pytest.raises(DatasetProblem, match="x.zip: not a zip file"):
        extract_zip(tmp_path / "x.zip", tmp_path / "out", 1_000_000)
