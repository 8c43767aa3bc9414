"""Faults in server mode: the Chroma server is killed in the middle of requests.

Questions get a clear message (CLI line, chat sentence), and the same app instance answers
again once the server is back; an ingest it interrupts names the files it did not complete,
and the next run completes them with nothing left half-written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.cli.main import answer_json
from assistant.service import Assistant
from ingest.core.errors import StoreUnavailable
from ingest.core.settings import Settings

from .chroma_server import ChromaServer
from .helpers import CLOUDBURST_QUESTION as QUESTION
from .helpers import faults_app as _app
from .helpers import make_corpus, make_kb

pytestmark = pytest.mark.integration


@pytest.fixture
def server(tmp_path: Path):
    """A server of this test's own: the session's shared one must not be killed."""
    own = ChromaServer(tmp_path / "chroma").start()
    yield own
    own.stop()


def _until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_server_killed_mid_question_gives_a_message_then_recovers(server, tmp_path: Path,
                                                                 embedder) -> None:
    settings = Settings.from_env(environ={}, data_dir=tmp_path / "data", chroma_url=server.url,
                                 collection="faults")
    assistant = Assistant(settings, embedder=embedder)
    assert not assistant.ingest([make_kb(tmp_path)]).failed
    expected = answer_json(assistant.ask(QUESTION))
    outcomes: list[object] = []
    stop = threading.Event()

    def keep_asking() -> None:  # a user who keeps asking while the server dies and returns
        while not stop.is_set():
            try:
                assistant.ask(QUESTION)
                outcomes.append("ok")
            except StoreUnavailable as err:
                outcomes.append(str(err))
            except Exception as err:  # anything else fails the test below
                outcomes.append(err)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        _until(lambda: outcomes.count("ok") >= 3, 60, "answers")
        server.stop()  # SIGKILL while questions are in flight
        _until(lambda: outcomes[-1] != "ok", 30, "an error")
        history = _app(assistant).respond(QUESTION, [], {}, None, *[[]] * 6)[0]
        assert "Chroma server" in history[-1]["content"]
        assert "does not answer" in history[-1]["content"]
        errors_seen = len(outcomes)
        server.start()  # same port, same data; the app is not restarted
        _until(lambda: len(outcomes) > errors_seen and outcomes[-1] == "ok", 60, "recovery")
    finally:
        stop.set()
        asker.join(timeout=60)
    failures = [o for o in outcomes if o != "ok"]
    assert failures, "the server was killed but no question failed"
    assert all(isinstance(f, str) and f"the Chroma server at {server.url} does not answer" in f
               for f in failures), {repr(f)[:200] for f in failures}
    assert answer_json(assistant.ask(QUESTION)) == expected


def test_ingest_interrupted_by_the_server_names_files_and_next_run_completes(
        server, tmp_path: Path, embedder, cli_here, monkeypatch) -> None:
    folder = make_corpus(tmp_path)
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(tmp_path / "data"),
           "TOOLBOX_CHROMA_URL": server.url, "TOOLBOX_COLLECTION": "faults"}
    command = [sys.executable, "-m", "assistant", "-v", "ingest", str(folder)]
    process = subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stderr is not None
    lines = []
    for line in process.stderr:  # the guides' group starts its writes: kill the server now
        lines.append(line)
        if "writing 6 sources" in line:
            server.stop()
            break
    lines += process.stderr.readlines()
    assert process.wait(timeout=300) == 1, "".join(lines[-5:])
    error = next(line for line in lines if line.startswith("error: "))
    assert "does not answer" in error and "Not completed (6 files)" in error, error
    guides = sorted(str(p) for p in folder.glob("guide-*.pdf"))
    assert all(g in error for g in guides), error
    assert "yaml" not in error and "more-tools" not in error, error  # tools were committed

    server.start()
    store = Assistant(Settings.from_env(environ={}, data_dir=tmp_path / "check",
                                        chroma_url=server.url, collection="faults"),
                      embedder=embedder).store
    complete = {r.path for r in store.manifest().values()}
    assert complete.isdisjoint(guides) and len(complete) == 9  # 8 YAML + the JSONL file

    # the same command again, in this process (the interrupted one needed its own: its log
    # lines time the server's stop); a fresh interpreter spent 20-30 s loading the models
    monkeypatch.setenv("TOOLBOX_CHROMA_URL", server.url)
    rerun = cli_here(["ingest", str(folder)], tmp_path / "data", "faults")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "6 indexed" in rerun.stdout, rerun.stdout
    manifest = store.manifest()
    assert {r.path for r in manifest.values()} == complete | set(guides)
    chunks = list(store.chunks())
    assert sorted(store.chunk_ids()) == sorted(c.chunk_id for c in chunks)  # no orphans
    for record in manifest.values():
        assert record.chunks == sum(c.source_id == record.source_id for c in chunks)
