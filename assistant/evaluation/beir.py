"""BEIR-format datasets on disk: queries, qrels and an optional corpus, checked line by line.

    DATASET_DIR/queries.jsonl        {"_id", "text", any extra fields such as "lang"} per line
    DATASET_DIR/qrels/test.tsv       query-id <TAB> corpus-id <TAB> score, with a header line
    DATASET_DIR/corpus.jsonl         {"_id", "title", "text"} per line (optional)

A qrels file may also be in TREC form (`query-id 0 corpus-id score`, whitespace-separated).
Every problem is a DatasetProblem naming the file and line; nothing is written anywhere while
reading, so a bad dataset leaves the data dir as it was.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ingest.core.errors import DatasetProblem

__all__ = ["json_lines", "Qrels", "Dataset", "CorpusLine", "load_dataset", "read_corpus",
           "check_qrels_ids", "extract_zip", "remove_tree"]

Qrels = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Dataset:
    name: str
    queries: dict[str, dict[str, Any]]  # id -> the query line (text and any extra fields)
    qrels: Qrels
    qrels_path: Path
    corpus_path: Path | None  # the dataset's own corpus.jsonl, or None: the knowledge base

    @property
    def judged_ids(self) -> set[str]:
        return {doc for judged in self.qrels.values() for doc in judged}


@dataclass(frozen=True)
class CorpusLine:
    """One retrieval unit of a dataset's own corpus."""

    doc_id: str
    title: str
    text: str


def load_dataset(folder: Path, qrels_file: Path | None = None) -> Dataset:
    """Queries and qrels of a BEIR folder; only queries that have judgments are kept."""
    queries_path = folder / "queries.jsonl"
    queries: dict[str, dict[str, Any]] = {}
    for number, record in json_lines(queries_path):
        query_id, text = _required(record, queries_path, number, "_id", "text")
        if not text.strip():
            raise DatasetProblem(f"{queries_path}:{number}: empty query text (query {query_id!r})")
        if query_id in queries:
            raise DatasetProblem(f"{queries_path}:{number}: query id {query_id!r} appears twice")
        queries[query_id] = record
    if not queries:
        raise DatasetProblem(f"{queries_path}: no queries")
    qrels_path = qrels_file or folder / "qrels" / "test.tsv"
    qrels = _read_qrels(qrels_path, queries)
    corpus = folder / "corpus.jsonl"
    return Dataset(folder.resolve().name, {q: queries[q] for q in queries if q in qrels}, qrels,
                   qrels_path, corpus if corpus.is_file() else None)


def read_corpus(path: Path) -> Iterator[CorpusLine]:
    """The lines of a corpus.jsonl, checked: `_id` and `text` present, ids unique."""
    seen: set[str] = set()
    for number, record in json_lines(path):
        doc_id, text = _required(record, path, number, "_id", "text")
        title = record.get("title") or ""
        if not isinstance(title, str):
            raise DatasetProblem(f"{path}:{number}: title must be a string")
        if not (text.strip() or title.strip()):
            raise DatasetProblem(f"{path}:{number}: document {doc_id!r} has no text and no title")
        if doc_id in seen:
            raise DatasetProblem(f"{path}:{number}: document id {doc_id!r} appears twice")
        seen.add(doc_id)
        yield CorpusLine(doc_id, title, text)


def check_qrels_ids(dataset: Dataset, known: set[str], what: str) -> None:
    """Fail on the first judged id that the collection being searched does not hold."""
    unknown = dataset.judged_ids - known
    if not unknown:
        return
    for number, row in _qrels_rows(dataset.qrels_path):
        if len(row) >= 3 and row[1] in unknown:
            raise DatasetProblem(f"{dataset.qrels_path}:{number}: unknown corpus id {row[1]!r} "
                                 f"(not in {what}; {len(unknown)} unknown ids in all)")


def _read_qrels(path: Path, queries: dict[str, dict[str, Any]]) -> Qrels:
    qrels: Qrels = {}
    for number, row in _qrels_rows(path):
        if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
            raise DatasetProblem(f"{path}:{number}: expected query-id, corpus-id and an integer "
                                 "score, tab-separated")
        query_id, doc_id, score = row[0], row[1], int(row[2])
        if query_id not in queries:
            raise DatasetProblem(f"{path}:{number}: unknown query id {query_id!r} "
                                 "(not in queries.jsonl)")
        qrels.setdefault(query_id, {})[doc_id] = score
    if not qrels:
        raise DatasetProblem(f"{path}: no judgments")
    return qrels


def _qrels_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Rows of a BEIR qrels TSV (header skipped) or of a TREC qrels file, as [q, doc, score]."""
    first = True
    for number, line in _text_lines(path):
        if first and line.split("\t")[0].strip().lower() in ("query-id", "query_id", "qid"):
            first = False
            continue
        first = False
        row = [cell.strip() for cell in line.split("\t")]
        if len(row) == 1:
            parts = line.split()
            row = [parts[0], parts[2], parts[3]] if len(parts) == 4 else parts
        yield number, row


def _required(record: dict[str, Any], path: Path, number: int, *keys: str) -> tuple[str, ...]:
    values = []
    for key in keys:
        value = record.get(key)
        if value is None or isinstance(value, (dict, list, bool)):
            raise DatasetProblem(f"{path}:{number}: missing {key!r} (each line needs "
                                 f"{' and '.join(repr(k) for k in keys)})")
        values.append(str(value))
    return tuple(values)


def json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in _text_lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DatasetProblem(f"{path}:{number}: not valid JSON ({err.msg})") from None
        if not isinstance(record, dict):
            raise DatasetProblem(f"{path}:{number}: expected a JSON object")
        yield number, record


def _text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers; bytes are decoded line by line so a bad
    encoding is reported at its line."""
    if not path.is_file():
        raise DatasetProblem(f"{path}: missing")
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError as err:
                raise DatasetProblem(f"{path}:{number}: not UTF-8 (byte {err.start} of the line "
                                     "cannot be decoded); save the file as UTF-8") from None
            if line.strip():
                yield number, line


def extract_zip(archive: Path, into: Path, max_bytes: int) -> Path:
    """Unpack an uploaded BEIR zip safely and return the folder that holds queries.jsonl.

    Refused: absolute paths, `..`, links, and more than max_bytes unpacked (counted while
    writing, since a zip's declared sizes may lie).
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise DatasetProblem(f"{archive.name}: not a zip file ({err})") from None
    written = 0
    with zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or ":" in info.filename:
                raise DatasetProblem(f"{archive.name}: unsafe path {info.filename!r} in the zip")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise DatasetProblem(f"{archive.name}: {info.filename!r} is a link; not accepted")
            target = into.joinpath(*name.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as source, target.open("wb") as sink:
                while chunk := source.read(1 << 20):
                    written += len(chunk)
                    if written > max_bytes:
                        raise DatasetProblem(
                            f"{archive.name}: unpacks to more than {max_bytes // 1_000_000} MB "
                            "(TOOLBOX_MAX_DATASET_MB)")
                    sink.write(chunk)
    roots = sorted({p.parent for p in into.rglob("queries.jsonl")
                    if "__MACOSX" not in p.parts}, key=lambda p: len(p.parts))
    if not roots:
        raise DatasetProblem(f"{archive.name}: no queries.jsonl in the zip")
    return roots[0]


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
