"""The data dir's disk fills up during an ingest, for real: the data dir lives on a small
tmpfs that a filler file nearly fills. The ingest stops with one clear sentence, what was
indexed before stays intact and answerable in the same process, and the next run with space
completes the work and leaves no stray chunks.

A write that does not fit is refused before Chroma starts it (ingest/core/diskfull.py): after
SQLite reported the disk full mid-transaction, Chroma's embedded core hung the process's next
write in one of three runs of this test. A disk that fills during a write anyway (another
process taking the space) still ends in the same sentence; the unit test below covers that
translation."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.service import Assistant
from ingest.core.diskfull import disk_full_explained, is_disk_full
from ingest.core.errors import DiskFull

from .conftest import copy_tools

pytestmark = pytest.mark.integration

SENTENCES = ["Green roofs store rain water and cool the building below.",
             "Shaded squares give older people a place to rest on hot afternoons.",
             "A sewer model shows where heavy rain will flood the streets first.",
             "Trees along the river banks slow the flood wave and keep the soil in place."]


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 32 MB tmpfs (needs root, as in CI's container); skipped where it cannot be made."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """Take all but `leave` bytes of the disk's free space."""
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with filler.open("wb") as handle:
        os.posix_fallocate(handle.fileno(), 0, max(0, free - leave))
    return filler


def big_guide(path: Path, pages: int) -> Path:
    body = "\n\n<!-- pagebreak -->\n\n".join(
        f"## Part {n}\n" + " ".join(SENTENCES[(n + i) % 4] for i in range(16)) + f" Code P{n}X."
        for n in range(pages))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Big climate guide\n\n" + body, "utf-8")
    return path


def test_disk_full_stops_ingest_clearly_and_keeps_the_index_consistent(
        small_disk: Path, settings, embedder, tmp_path: Path) -> None:
    settings = dataclasses.replace(settings, data_dir=small_disk / "data")
    kb = copy_tools(tmp_path / "kb", ["dwd-hitzewarnsystem", "efas"])
    (kb / "heat-note.md").write_text("# Heat note\nCare homes get heat warnings by e-mail.\n",
                                     "utf-8")
    assistant = Assistant(settings, embedder=embedder)
    assert not assistant.ingest([kb]).failed
    before = assistant.store.manifest()
    big = big_guide(tmp_path / "big" / "big-guide.md", pages=60)

    filler = fill(small_disk, leave=100_000)
    with pytest.raises(DiskFull) as full:
        assistant.ingest([big])
    assert str(full.value).startswith(f"{settings.data_dir}: the disk is full (0.")
    assert "the ingest stopped. What was indexed before is intact" in str(full.value)

    # Same process, as in the app: what was there is still there and answers.
    assert assistant.store.manifest() == before
    answer = assistant.ask("heat warnings for care homes")
    assert answer.tools[0].tool.id == "dwd-hitzewarnsystem"
    assert {h.chunk.doc_id for h in answer.passages} == {"heat-note"}

    filler.unlink()
    report = assistant.ingest([big, kb])
    assert [(Path(r.path).name, r.status) for r in report.results if r.status != "unchanged"
            ] == [("big-guide.md", "indexed")]
    manifest = assistant.store.manifest()
    assert set(before) < set(manifest)
    assert len(assistant.store.chunk_ids()) == sum(r.chunks for r in manifest.values())
    found = assistant.ask("Code P47X green roofs")
    assert any(h.chunk.doc_id == "big-guide" for h in found.passages)


def test_a_reindex_that_would_not_fit_is_refused_before_it_writes(
        small_disk: Path, settings, embedder, tmp_path: Path) -> None:
    from ingest.index.generations import live_generation
    from ingest.index.store import connect
    from ingest.pipeline.reindex import reindex

    settings = dataclasses.replace(settings, data_dir=small_disk / "data")
    assistant = Assistant(settings, embedder=embedder)
    kb = copy_tools(tmp_path / "kb", ["dwd-hitzewarnsystem", "efas"])
    assert not assistant.ingest([kb, big_guide(tmp_path / "big" / "guide.md", 40)]).failed
    client = connect(settings)
    before = (live_generation(client, settings.collection), assistant.store.manifest(),
              [c.name for c in client.list_collections()])

    filler = fill(small_disk, leave=1_500_000)
    with pytest.raises(DiskFull) as full:
        reindex(settings, embedder)
    assert str(full.value).startswith(f"{settings.data_dir}: the disk is full (")
    assert "the reindex stopped. What was indexed before is intact" in str(full.value)
    # Nothing was written: the live generation serves as before, no new one was begun.
    assert (live_generation(client, settings.collection), assistant.store.manifest(),
            [c.name for c in client.list_collections()]) == before
    assert assistant.ask("heat warnings for care homes").tools[0].tool.id == \
        "dwd-hitzewarnsystem"

    filler.unlink()
    report = reindex(settings, embedder)
    assert report.new_generation == before[0] + 1
    assert report.chunks == sum(r.chunks for r in before[1].values())


@pytest.mark.slow
def test_command_line_says_disk_full_in_one_line_and_exits_1(small_disk: Path,
                                                             tmp_path: Path) -> None:
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(small_disk / "data"),
           "TOOLBOX_COLLECTION": "disk-full"}
    kb = copy_tools(tmp_path / "kb", ["efas"])
    command = [sys.executable, "-m", "assistant", "ingest"]
    assert subprocess.run([*command, str(kb)], env=env, capture_output=True).returncode == 0
    fill(small_disk, leave=150_000)
    result = subprocess.run([*command, str(big_guide(tmp_path / "big" / "g.md", 120))],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"error: {small_disk / 'data'}: the disk is full (")
    assert "Traceback" not in result.stderr


def test_a_full_disk_reported_by_the_os_or_the_database_becomes_one_sentence(
        tmp_path: Path) -> None:
    import errno
    import sqlite3

    for err in (OSError(errno.ENOSPC, "No space left on device"),
                sqlite3.OperationalError("database or disk is full"),
                RuntimeError("Query error: Database error: (code: 13) database or disk is full")):
        with pytest.raises(DiskFull, match=r": the disk is full; the ingest stopped\. What"), \
                disk_full_explained(tmp_path, "the ingest"):
            raise err
    with pytest.raises(ValueError), disk_full_explained(tmp_path, "the ingest"):
        raise ValueError("not about space")
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
