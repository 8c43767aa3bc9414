"""A Chroma server that hangs instead of dying: frozen with SIGSTOP, it accepts connections and
takes requests but never answers.

Without a client timeout every request would wait forever (chromadb sets none). With
TOOLBOX_CHROMA_TIMEOUT a question gets a message naming the server and the wait, in the chat
and in the CLI (one line, exit code 1), and so does connecting; the same app answers again once
the server resumes; an ingest names the files it did not complete, and the next run completes
them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.cli.main import answer_json
from assistant.service import Assistant
from ingest.core.errors import IngestInterrupted, StoreUnavailable
from ingest.core.settings import Settings
from ingest.index.store import Store

from .chroma_server import ChromaServer
from .helpers import CLOUDBURST_QUESTION as QUESTION
from .helpers import faults_app as _app
from .helpers import make_corpus, make_kb

pytestmark = pytest.mark.integration

TIMEOUT = 2.0
BOUND = 10.0  # seconds from the freeze to the message: the timeout, and at most a few of them
WAITED = f"did not answer within {TIMEOUT:g} s"


@pytest.fixture
def server(own_chroma_server):  # a server of this test's own (conftest.py)
    return own_chroma_server


def _bounded(call: Callable[[], object], seconds: float = BOUND) -> tuple[object, float]:
    """What `call` returned or raised, and how long it took; fails (instead of hanging the
    suite) when it has not finished within `seconds`."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as err:
            outcome.append(err)

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)  # thawing the server ends it
    thread.start()
    thread.join(seconds)
    assert outcome, f"no answer within {seconds:.0f} s: the frozen server hangs the call"
    return outcome[0], time.monotonic() - started


def _settings(server: ChromaServer, data: Path) -> Settings:
    return Settings.from_env(environ={}, data_dir=data, chroma_url=server.url, collection="hang",
                             chroma_timeout=TIMEOUT)


def test_frozen_server_times_out_in_ask_chat_and_connect_then_answers_again(
        server, tmp_path: Path, embedder) -> None:
    settings = _settings(server, tmp_path / "data")
    assistant = Assistant(settings, embedder=embedder)
    assert not assistant.ingest([make_kb(tmp_path)]).failed
    expected = answer_json(assistant.ask(QUESTION))
    app = _app(assistant)
    server.freeze()
    try:
        error, asked = _bounded(lambda: assistant.ask(QUESTION))
        history, chatted = _bounded(lambda: app.respond(QUESTION, [], {}, None, *[[]] * 6)[0])
        # A new process meets the frozen server while it connects (chromadb's HttpClient
        # sends requests while it is built, before any timeout can be set on it).
        refused, connected = _bounded(lambda: Store.open(settings, assistant.store.spec))
    finally:
        server.thaw()
    assert asked < BOUND and chatted < BOUND and connected < BOUND, (asked, chatted, connected)
    assert isinstance(error, StoreUnavailable), repr(error)
    assert str(error).startswith(f"the Chroma server at {server.url} {WAITED}"), str(error)
    assert "ReadTimeout" in str(error) and "TOOLBOX_CHROMA_TIMEOUT" in str(error)
    chat = history[-1]["content"]  # type: ignore[index]
    assert "Chroma server" in chat and WAITED in chat, chat
    assert isinstance(refused, StoreUnavailable) and WAITED in str(refused), repr(refused)
    assert answer_json(assistant.ask(QUESTION)) == expected  # same instance, no restart


@pytest.mark.slow  # a CLI process loads both models first (about 9 s)
def test_cli_against_a_frozen_server_prints_one_line(server, tmp_path: Path) -> None:
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(tmp_path / "cli"),
           "TOOLBOX_CHROMA_URL": server.url, "TOOLBOX_CHROMA_TIMEOUT": str(TIMEOUT)}
    server.freeze()
    try:
        cli = subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION], env=env,
                             text=True, capture_output=True, timeout=60)
    finally:
        server.thaw()
    assert cli.returncode == 1, cli.stderr[-2000:]
    errors = [line for line in cli.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and f"{server.url} {WAITED}" in errors[0], cli.stderr[-2000:]


class _FreezeAt(logging.Handler):
    """Freezes the server when the writer logs `marker`, just before it writes that group."""

    def __init__(self, server: ChromaServer, marker: str) -> None:
        super().__init__(logging.INFO)
        self.server, self.marker = server, marker
        self.frozen_at: float | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.frozen_at is None and record.getMessage().startswith(self.marker):
            self.server.freeze()
            self.frozen_at = time.monotonic()


def test_ingest_during_a_freeze_names_unfinished_files_and_next_run_completes(
        server, tmp_path: Path, embedder) -> None:
    folder = make_corpus(tmp_path)
    assistant = Assistant(_settings(server, tmp_path / "data"), embedder=embedder)
    writer_log = logging.getLogger("ingest.pipeline.writer")
    freeze, level = _FreezeAt(server, "writing 6 sources"), writer_log.level
    writer_log.addHandler(freeze)
    writer_log.setLevel(logging.INFO)
    try:
        # The bound that matters is from the freeze on (below); this one only stops a hang.
        error, _ = _bounded(lambda: assistant.ingest([folder]), 120)
        interrupted = time.monotonic()
    finally:
        writer_log.removeHandler(freeze)
        writer_log.setLevel(level)
        server.thaw()
    assert freeze.frozen_at is not None, "the guides' group was never written"
    assert interrupted - freeze.frozen_at < BOUND, interrupted - freeze.frozen_at
    assert isinstance(error, IngestInterrupted), repr(error)
    message = str(error)
    assert WAITED in message, message
    guides = sorted(str(p) for p in folder.glob("guide-*.pdf"))
    assert error.unfinished == guides, message
    assert "Not completed (6 files)" in message and all(g in message for g in guides), message

    report = assistant.ingest([folder])  # the server is back: the same instance completes it
    assert report.count("indexed") == 6 and not report.failed, report.summary()
    store = assistant.store
    assert {r.path for r in store.manifest().values()} >= set(guides)
    chunks = list(store.chunks())
    assert sorted(store.chunk_ids()) == sorted(c.chunk_id for c in chunks)  # no orphans
