"""The built-in benchmark's invariants: unique ids, the municipal questions of issue 19 (half of
them German, a share with no fitting tool and so no judgments), judgments that name existing
questions, and no question that copies a tool's text."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK = ROOT / "corpus" / "benchmark"
NEW_IDS = {f"q{n:03d}" for n in range(186, 261)}


def _queries() -> list[dict]:
    lines = (BENCHMARK / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _judged(name: str) -> list[dict[str, str]]:
    with (BENCHMARK / "qrels" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_ids_are_unique() -> None:
    ids = [q["_id"] for q in _queries()]
    assert len(ids) == len(set(ids))


def test_new_municipal_questions_are_many_bilingual_and_partly_unanswerable() -> None:
    new = [q for q in _queries() if q["_id"] in NEW_IDS]
    assert len(new) >= 60
    german = sum(q["lang"] == "de" for q in new)
    assert 0.4 <= german / len(new) <= 0.6
    unanswerable = [q for q in new if q.get("answerable") is False]
    assert len(unanswerable) >= 20
    assert {q["lang"] for q in unanswerable} == {"de", "en"}


def test_unanswerable_questions_have_no_judgments_and_every_judgment_a_question() -> None:
    queries = {q["_id"]: q for q in _queries()}
    unanswerable = {i for i, q in queries.items() if q.get("answerable") is False}
    for name in ("tools.tsv", "passages.tsv"):
        judged = {row["query-id"] for row in _judged(name)}
        assert judged <= set(queries), name
        assert not judged & unanswerable, name
    answerable = set(queries) - unanswerable
    assert {row["query-id"] for row in _judged("tools.tsv")} == answerable


def test_no_question_copies_more_than_three_words_of_a_tool_text() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from leakage import leaks

    assert leaks(_queries(), minimum=4) == []
