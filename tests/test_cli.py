"""The console script as a user runs it: real subprocesses, real exit codes, the JSON of
ARCHITECTURE.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.main import build_parser

from .conftest import copy_tools, write_pdf
from .helpers import run_cli as run

pytestmark = pytest.mark.integration


def test_ingest_then_ask_json(tmp_path: Path) -> None:
    kb = copy_tools(tmp_path / "kb", ["efas", "ufz-duerremonitor", "dwd-hitzewarnsystem"])
    write_pdf(kb / "floods.pdf", ["Intro.", "The European Flood Awareness System (EFAS) "
                                  "sends early flood warnings to authorities."])
    (kb / "bad.yaml").write_text("id: [", "utf-8")
    ingest = run(["ingest", str(kb)], tmp_path / "data")
    assert ingest.returncode == 1, ingest.stderr
    assert f"failed: {kb / 'bad.yaml'}: invalid YAML" in ingest.stderr
    assert ingest.stdout.strip().splitlines()[-1].startswith("5 files: 4 indexed, 1 failed")

    ask = run(["ask", "early flood warning for rivers", "--json", "--top-k", "2"],
              tmp_path / "data")
    assert ask.returncode == 0, ask.stderr
    result = json.loads(ask.stdout)
    assert set(result) == {"query", "answer", "fits", "note", "tools", "passages", "filters"}
    assert result["tools"][0]["id"] == "efas" and len(result["tools"]) <= 2
    efas = result["tools"][0]
    assert set(efas) == {"id", "name", "score", "url", "kind", "cost", "provider", "hazards",
                         "phases", "reasons", "passages", "experiences", "funding"}
    assert efas["funding"] is None  # a data portal, no funding programme
    assert efas["kind"] == "data-portal" and "river-flooding" in efas["hazards"]
    assert efas["url"] is None or efas["url"].startswith("http")  # the catalogue has none yet
    assert {"doc_id", "title", "page", "text", "score"} == set(result["passages"][0])
    assert result["passages"][0]["page"] == 2


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert run(["ask", "x", "--hazard", "lava"], tmp_path / "data").returncode == 2
    assert run(["frobnicate"], tmp_path / "data").returncode == 2


def test_every_option_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.dest} has no help"


@pytest.mark.parametrize("question", ["", "   ", "?!"])
def test_empty_question_is_a_message_before_any_index_is_opened(tmp_path: Path,
                                                                 question: str) -> None:
    result = run(["ask", question], tmp_path / "data")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: Please type a question, e.g. “How do we start a heat action plan?”")
    # told before the index is opened: a first start built the whole corpus for it
    assert not (tmp_path / "data").exists()
