"""Server mode: several app instances, each in its own process, on one `chroma run` agree on every
answer, also after one of them ingested a new document (the others reload by themselves)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant
from ingest.core.settings import Settings

from .conftest import ROOT, write_pdf
from .helpers import NEW_PAGES, NEW_QUESTION, make_kb

pytestmark = pytest.mark.integration

QUESTIONS = ["Where should we put public drinking fountains?",
             "map of where water collects after a cloudburst",
             "Wo gibt es Hitzewarnungen für unsere Stadt?",
             "drought monitoring for street trees"]


class Instance:
    """`tests/answer_worker.py` in a process of its own: one long-lived app instance."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.answer_worker"], cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.ready = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"the instance exited with {self.process.poll()}"
        return json.loads(line)

    def send(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture
def instances(tmp_path: Path, chroma_url: str, embedder) -> tuple[Instance, Instance, Path]:
    collection = f"shared-{uuid.uuid4().hex[:8]}"
    kb = make_kb(tmp_path)
    first = Settings.from_env(environ={}, data_dir=tmp_path / "first", chroma_url=chroma_url,
                              collection=collection)
    assert not Assistant(first, embedder=embedder).ingest([kb]).failed
    env = {**os.environ, "TOOLBOX_CHROMA_URL": chroma_url, "TOOLBOX_COLLECTION": collection,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    started = [Instance({**env, "TOOLBOX_DATA_DIR": str(tmp_path / name)})
               for name in ("one", "two")]
    yield started[0], started[1], tmp_path
    for instance in started:
        instance.close()


def test_two_instances_on_one_server_give_identical_answers(instances) -> None:
    one, two, tmp_path = instances
    assert one.ready == two.ready and one.ready["ready"] > 10
    for question in QUESTIONS:
        answer = one.send({"ask": question})
        assert answer["tools"], question
        assert answer == two.send({"ask": question}), question

    new = write_pdf(tmp_path / "new" / "hail-nets.pdf", NEW_PAGES, title="Hail nets")
    before = two.send({"ask": NEW_QUESTION})
    assert "hail-nets" not in {p["doc_id"] for p in before["passages"]}
    assert one.send({"ingest": [str(new)]}) == {"indexed": 1, "failed": 0}
    deadline = time.monotonic() + 30  # the other checks the store's revision every 2 s
    while (after := two.send({"ask": NEW_QUESTION}))["passages"][0]["doc_id"] != "hail-nets":
        assert time.monotonic() < deadline, "the other instance never saw the new document"
        time.sleep(0.2)
    assert after == one.send({"ask": NEW_QUESTION})
    for question in QUESTIONS:
        assert one.send({"ask": question}) == two.send({"ask": question}), question
