"""The follow-up benchmark: the file parses, refers to real queries, and meets its bar."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.evaluation.beir import load_dataset
from assistant.evaluation.followups import (
    BAR,
    FILE_NAME,
    conversation_query,
    load_followups,
    run_followups,
)
from ingest.core.errors import DatasetProblem

BENCHMARK = Path(__file__).resolve().parent.parent / "corpus" / "benchmark"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(BENCHMARK, BENCHMARK / "qrels" / "tools.tsv")


def test_followups_parse_and_name_judged_one_turn_queries(dataset) -> None:
    cases = load_followups(BENCHMARK / FILE_NAME, dataset.queries)
    assert len(cases) >= 20
    assert sum(c.lang == "de" for c in cases) >= 10 and sum(c.lang == "en" for c in cases) >= 10
    for case in cases:
        assert case.need in dataset.qrels, f"{case.id}: need {case.need} has no tool judgments"
        assert dataset.queries[case.need]["lang"] == case.lang, case.id
        assert len(case.turns) == 2


def test_every_last_turn_is_read_as_a_follow_up(dataset) -> None:
    # Otherwise the case measures nothing: the last turn would be searched alone.
    for case in load_followups(BENCHMARK / FILE_NAME, dataset.queries):
        query = conversation_query(case.turns)
        assert query != case.turns[-1] and query.endswith(case.turns[-1]), case.id


@pytest.mark.parametrize(("line", "problem"), [
    ('{"_id": "f1", "turns": ["a", "b"], "need": "nope"}', "1: 'need' 'nope' is not a query id"),
    ('{"_id": "f1", "turns": ["only one"], "need": "q001"}', "1: 'turns' must list at least two"),
    ('{"_id": "f1", "turns": ["a", "b"], "need": "q001"}\n'
     '{"_id": "f1", "turns": ["a", "b"], "need": "q001"}', "2: case id 'f1' appears twice"),
    ('{"turns": ["a", "b"], "need": "q001"', "1: not valid JSON"),
])
def test_bad_files_name_the_line(tmp_path: Path, dataset, line: str, problem: str) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DatasetProblem, match=re.escape(f"{FILE_NAME}:{problem}")):
        load_followups(path, dataset.queries)


def test_followups_score_close_to_one_turn_questions(shipped_assistant, dataset) -> None:
    cases = load_followups(BENCHMARK / FILE_NAME, dataset.queries)
    result = run_followups(shipped_assistant.retriever, dataset, cases)
    assert set(result.texts["follow_up"]) == {c.id for c in cases}
    assert result.gap() <= BAR, json.dumps({f: result.score(f) for f in result.evaluations})
    assert result.score("follow_up") > result.score("last_turn_alone") + 0.05
