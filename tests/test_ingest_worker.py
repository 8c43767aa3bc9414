"""The app ingests in a worker process: a file over the memory or time limit fails alone with
one line, the good files beside it are indexed, the write lock is free afterwards, nothing
half-written stays, and the app answers questions all the while (issue #22)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.service import Assistant
from ingest.core.settings import Settings
from ingest.pipeline.worker import ingest_in_worker

from .app_server import running_app
from .conftest import copy_index

pytestmark = pytest.mark.integration

REALDOCS = Path("/work/shared/realdocs")
# A real 98-page report: about 40 s and 2.9 GB of address space to ingest on this machine
# (the worker with both models loaded peaks at 1.9 GB).
BIG_REPORT = REALDOCS / "Staub-2012-425.pdf"
needs_report = pytest.mark.skipif(not BIG_REPORT.exists(), reason="real reports not present")
GOOD_MD = ("---\ntitle: Hail nets for orchards\n---\n# Hail nets for orchards\n\n"
           "Hail nets stretched over orchard rows protect apples from hail damage in summer "
           "storms; the municipality co-funds the nets for fruit growers.\n")


def _good_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hail-nets.md"
    path.write_text(GOOD_MD, encoding="utf-8")
    return path


def _lock_is_free(data_dir: Path) -> bool:
    fd = os.open(data_dir / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _nothing_half_written(settings: Settings, embedder) -> None:
    store = Assistant(settings, embedder=embedder).store
    manifest = store.manifest()
    assert store.count() == sum(r.chunks for r in manifest.values())  # no orphan chunks
    assert not [r for r in manifest.values() if "Staub" in r.path]


@needs_report
def test_a_file_over_the_memory_limit_fails_alone_and_the_reader_follows_the_worker(
        settings: Settings, embedder, tmp_path: Path) -> None:
    reader = Assistant(settings, embedder=embedder)  # opened before the worker writes
    good = _good_file(tmp_path / "up")
    limited = replace(settings, ingest_memory_mb=2600)
    report = ingest_in_worker(limited, [BIG_REPORT, good])
    outcome = {Path(r.path).name: r for r in report.results}
    big = outcome[BIG_REPORT.name]
    assert big.status == "failed" and "\n" not in big.detail
    assert "memory limit of 2600 MB (TOOLBOX_INGEST_MEMORY_MB)" in big.detail
    assert outcome["hail-nets.md"].status == "indexed"
    assert _lock_is_free(settings.data_dir)

    # chromadb keeps the vector index per client and misses another process' writes: the
    # reader's k-NN finds the new passage only once it reconnected
    reader.follow_other_writer()
    vector = embedder.embed_query("hail nets over orchard rows protect apples")
    nearest = reader.store.nearest(vector, 3)
    assert nearest and nearest[0][0].startswith("hail-nets#")
    _nothing_half_written(settings, embedder)


def _asker(url: str, stop: threading.Event, seconds: list[float], errors: list[str]) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    while not stop.is_set():
        began = time.perf_counter()
        try:
            history, tools, *_ = client.predict("Wie schützen wir ältere Menschen bei Hitze?",
                                                [], [], [], [], [], [], [], api_name="/ask")
            assert "tool-card" in tools, history[-1]
            seconds.append(time.perf_counter() - began)
        except Exception as err:  # counted; the test shows them
            errors.append(f"{type(err).__name__}: {err}"[:300])
        # three or four questions a second, still all the while: back to back (9 a second)
        # they kept the cores from the lower-priority worker, and the test took 44-74 s, not 28
        stop.wait(0.25)


@needs_report
def test_the_app_answers_while_a_file_over_the_time_limit_fails_alone(
        tmp_path: Path, embedder, small_index: Path) -> None:
    from gradio_client import Client, handle_file

    # the app starts on a copy of the small index: building it at start is test_browser's
    copy_index(small_index, tmp_path / "data")
    good = _good_file(tmp_path / "up")
    with running_app(tmp_path, small_index.parent / "corpus", TOOLBOX_EDITOR_PASSWORD="s3cret",
                     TOOLBOX_INGEST_TIMEOUT_S="8") as (url, log):
        stop, seconds, errors = threading.Event(), list[float](), list[str]()
        asker = threading.Thread(target=_asker, args=(url, stop, seconds, errors))
        editor = Client(url, verbose=False)
        token = editor.predict("s3cret", api_name="/editor_login")[-1]
        asker.start()
        try:
            began = time.perf_counter()
            report, summary, status, _ = editor.predict(
                [handle_file(str(BIG_REPORT)), handle_file(str(good))], "", token,
                api_name="/editor_ingest")
            took = time.perf_counter() - began
        finally:
            stop.set()
            asker.join(timeout=120)
        rows = {row[0]: row for row in report["data"]}
        big = rows[BIG_REPORT.name]
        assert big[1] == "failed" and "\n" not in big[3], rows
        assert "time limit of 8 s (TOOLBOX_INGEST_TIMEOUT_S)" in big[3]
        assert rows["hail-nets.md"][1] == "indexed"
        assert summary.startswith("2 files: 1 indexed, 1 failed")
        assert took < 120, took  # not the 40 s the report needs plus the rest: it was stopped
        assert _lock_is_free(tmp_path / "data")

        # the app answered all the while, and now from the new state (it followed the worker)
        assert not errors, errors[:3]
        assert len(seconds) >= 3 and max(seconds) < 15, seconds
        history, tools, sources, *_ = Client(url, verbose=False).predict(
            "hail nets for orchards", [], [], [], [], [], [], [], api_name="/ask")
        assert "Hail nets for orchards" in sources
    data = replace(Settings.from_env(environ={}), data_dir=tmp_path / "data")
    _nothing_half_written(data, embedder)
