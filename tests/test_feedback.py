"""Feedback: votes stored in SQLite, exported as BEIR judgments that `evaluate` reads back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.evaluation.beir import load_dataset
from assistant.evaluation.feedback import FeedbackProblem, FeedbackStore, query_key

FLOOD = "Wie warnen wir die Bevölkerung vor Hochwasser?"
SHOWN = ["dwd-hitzewarnsystem", "difu-hap-kalender", "mannheim-hitzeaktionsplan", "efas"]


def test_record_stores_every_column(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data")
    store.record("How do we start a heat action plan?", {"hazards": ("heat",), "phases": ()},
                 SHOWN, "answer", 1)
    with sqlite3.connect(tmp_path / "data" / "feedback.sqlite3") as db:
        row = db.execute("SELECT created_at, query, filters, shown, target, vote "
                         "FROM feedback").fetchone()
    assert row[0].endswith("+00:00") and row[1] == "How do we start a heat action plan?"
    assert row[2] == '{"hazards": ["heat"]}' and row[3].startswith('["dwd-hitzewarnsystem"')
    assert row[4:] == ("answer", 1)


def test_bad_votes_are_refused(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data")
    with pytest.raises(FeedbackProblem, match="not 0"):
        store.record("q", {}, SHOWN, "answer", 0)
    with pytest.raises(FeedbackProblem, match="'palm-4u' was not among the tools shown"):
        store.record("q", {}, SHOWN, "palm-4u", 1)
    assert store.votes() == [] and not store.path.exists()


def test_export_round_trip(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data")
    heat = "How do we start a heat action plan?"
    store.record(heat, {}, SHOWN, "answer", 1)              # top 3 -> 1
    store.record(heat, {}, SHOWN, "difu-hap-kalender", 1)   # tool vote wins -> 2
    store.record(heat, {}, SHOWN, "mannheim-hitzeaktionsplan", -1)  # -> 0
    store.record("  how do we START a heat action plan? ", {}, SHOWN, "efas", -1)  # same query
    store.record(heat, {"hazards": ["heat"]}, SHOWN, "answer", -1)  # other filters, no positive
    store.record(FLOOD, {}, ["efas"], "efas", 1)
    report = store.export(tmp_path / "export")
    assert (report.queries, report.judgments, report.skipped) == (2, 5, 1)

    dataset = load_dataset(tmp_path / "export")
    heat_id = query_key(heat, {})
    assert dataset.qrels[heat_id] == {"dwd-hitzewarnsystem": 1, "difu-hap-kalender": 2,
                                      "mannheim-hitzeaktionsplan": 0, "efas": 0}
    assert dataset.queries[heat_id]["lang"] == "en"
    assert dataset.queries[query_key(FLOOD, {})]["lang"] == "de"
    again = store.export(tmp_path / "export2")  # stable ids: exporting again is the same
    assert (tmp_path / "export2" / "qrels" / "test.tsv").read_text() == \
        (tmp_path / "export" / "qrels" / "test.tsv").read_text() and again.queries == 2
