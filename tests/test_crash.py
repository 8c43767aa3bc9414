"""Crash safety: `kill -9` a real `python -m assistant ingest` at several moments, run the same
ingest again, and the index equals that of an uninterrupted run (no orphan, nothing lost)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.service import Assistant
from ingest.core.settings import Settings

from .helpers import make_corpus

pytestmark = pytest.mark.integration

COMPLETE_BY_THEN = {"committed 6 sources", "updating which tools"}  # every source written


def snapshot(settings: Settings, embedder) -> tuple[list, dict, tuple[list[str], ...]]:
    store = Assistant(settings, embedder=embedder).store
    manifest = {sid: (r.path, r.content_hash, r.chunks, r.kind, r.supersedes, r.superseded_by)
                for sid, r in store.manifest().items()}
    assert store.has_multilingual  # the default: both collections are checked
    stored = sorted(store.chunk_ids()), sorted(store.chunk_ids("multilingual"))
    return sorted(store.chunks(), key=lambda c: c.chunk_id), manifest, stored


def run_ingest(folder: Path, data: Path, kill_at: str | float | None) -> int | None:
    """Run the CLI; kill it when `kill_at` (a log marker, or seconds) comes. None if killed."""
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(data), "TOOLBOX_COLLECTION": "crash"}
    process = subprocess.Popen([sys.executable, "-m", "assistant", "-v", "ingest", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env=env)
    assert process.stderr is not None
    if isinstance(kill_at, float):
        time.sleep(kill_at)
        process.send_signal(signal.SIGKILL)
    elif kill_at is not None:
        for line in process.stderr:
            if kill_at in line:
                process.send_signal(signal.SIGKILL)
                break
    process.stderr.read()
    code = process.wait(timeout=300)
    return None if code == -signal.SIGKILL else code


def check_recovery(tmp_path: Path, embedder, kill_points: list[str | float]) -> None:
    folder = make_corpus(tmp_path)
    clean = Settings.from_env(environ={}, data_dir=tmp_path / "clean", collection="crash")
    report = Assistant(clean, embedder=embedder).ingest([folder])
    assert not report.failed
    expected = snapshot(clean, embedder)
    for round_number, kill_at in enumerate(kill_points):
        data = tmp_path / f"killed-{round_number}"  # each moment starts from an empty index
        killed = Settings.from_env(environ={}, data_dir=data, collection="crash")
        assert run_ingest(folder, data, kill_at) is None, f"not killed at {kill_at!r}"
        if kill_at not in COMPLETE_BY_THEN:
            assert snapshot(killed, embedder)[1] != expected[1], "the kill came too late"
        # the same ingest again, in this process: the kill needs a process of its own, the
        # rerun does not (a second `ingest` subprocess cost 20-30 s of loading the models)
        assert not Assistant(killed, embedder=embedder).ingest([folder]).failed
        chunks, manifest, stored_ids = snapshot(killed, embedder)
        assert manifest == expected[1], kill_at
        assert stored_ids == expected[2], f"orphan or missing chunks after a kill at {kill_at!r}"
        assert chunks == expected[0], kill_at


def test_kill_mid_write_then_rerun_equals_an_uninterrupted_run(tmp_path: Path, embedder) -> None:
    check_recovery(tmp_path, embedder, ["writing"])


@pytest.mark.slow
def test_kill_at_several_moments(tmp_path: Path, embedder) -> None:
    check_recovery(tmp_path, embedder, [1.5, "writing 10 sources", "committed 10 sources",
                                        "writing 6 sources", "committed 6 sources",
                                        "updating which tools"])
