"""Ingest in a worker process with a memory and a time limit, so no file can stall the app.

A hostile or merely huge file can make parsing, chunking or embedding run for hours or take
gigabytes (issue #22: one 20 KB upload held the whole app at 100 % CPU for 150 s). The app
therefore never ingests in its own process: `ingest_in_worker` starts a spawned child at a lower
CPU priority whose address space is capped (TOOLBOX_INGEST_MEMORY_MB), and the child takes the
files one at a time, saying over a pipe which file it starts and what became of it. A file
that runs past TOOLBOX_INGEST_TIMEOUT_S is stopped by killing the child; a file that exhausts
the memory ends it (MemoryError, or the kernel's or a native library's abort). Either way that
file fails alone, named with the limit, and a fresh worker goes on with the files after it.

The child holds the write lock (ingest/core/lock.py): an flock, which the kernel releases when the
child dies, however it dies. What the killed child had half-written is swept by the next
ingest (pipeline.py), which here is the next worker's first file or the next upload.
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ingest.core.errors import Busy, ToolboxError, WorkerFailed
from ingest.core.progress import ProgressCallback, ProgressEvent, no_progress
from ingest.core.settings import Settings
from ingest.parse.dispatch import TOOL_SUFFIXES
from ingest.pipeline.summary import FileResult, IngestReport

__all__ = ["WORKER_NICENESS", "ingest_in_worker", "main"]

log = logging.getLogger(__name__)

WORKER_NICENESS = 10  # below the serving process, which keeps answering on 2 cores
_START_SECONDS = 300.0  # loading both models; a worker that cannot even start is an error
_POLL_SECONDS = 0.5


def ingest_in_worker(settings: Settings, paths: Sequence[Path],
                     supersedes: Mapping[Path, str] | None = None,
                     progress: ProgressCallback = no_progress) -> IngestReport:
    """Ingest `paths` (files) in worker processes; the report has one result per file.

    Tool files go first, as in one pipeline run, so documents are chunked with their tools.
    Raises Busy when another writer holds the lock, ToolboxError for what stops every file
    (index mismatch, full disk, an unavailable Chroma server), each with the pipeline's words.
    """
    started = time.perf_counter()
    order = sorted(paths, key=lambda p: p.suffix.lower() not in TOOL_SUFFIXES)
    editions = {str(p): s for p, s in (supersedes or {}).items()}
    results: list[FileResult] = []
    first = 0
    while first < len(order):
        done, first = _run_worker(settings, order, first, editions, progress)
        results += done
    return IngestReport(results=results, seconds=time.perf_counter() - started)


def _run_worker(settings: Settings, order: list[Path], first: int, editions: dict[str, str],
                progress: ProgressCallback) -> tuple[list[FileResult], int]:
    """One worker over order[first:]: the results up to and including the file it ended on,
    and the index of the next file."""
    child, receiving = _start(settings, [str(p) for p in order[first:]], editions)
    results: list[FileResult] = []
    current: int | None = None  # index into order of the file the worker is on
    following = first  # index into order of the file after the last one reported
    deadline = time.monotonic() + _START_SECONDS
    try:
        while True:
            if not receiving.poll(min(_POLL_SECONDS, max(0.0, deadline - time.monotonic()))):
                if time.monotonic() < deadline and child.poll() is None:
                    continue
                if current is None:
                    if child.poll() is not None:
                        break  # it died before a file; said why in its last message, or not
                    raise WorkerFailed(f"the ingest worker did not start within "
                                       f"{_START_SECONDS:.0f} s")
                if child.poll() is None:
                    return [*results, _failed(order[current], _over_time(settings))], current + 1
                break
            try:
                message = receiving.recv()
            except EOFError:
                break  # the worker died; what of, is decided below
            kind = message[0]
            if kind == "start":
                current = first + message[1]
                deadline = time.monotonic() + settings.ingest_timeout_s
                progress(ProgressEvent("files", current, len(order), str(order[current])))
            elif kind == "progress":
                if message[1] != "files":  # the file count is the whole upload's, kept here
                    progress(ProgressEvent(*message[1:]))
            elif kind == "done":
                results += [FileResult(**r) for r in message[2]]
                following = first + message[1] + 1
                progress(ProgressEvent("files", following, len(order), str(order[following - 1])))
                current = None
                deadline = time.monotonic() + settings.ingest_timeout_s
            elif kind == "memory":
                at = first + message[1]
                return [*results, _failed(order[at], _over_memory(settings))], at + 1
            elif kind == "busy":
                raise Busy(message[1])
            elif kind == "error":
                raise ToolboxError(message[1])
            elif kind == "finished":
                return results, len(order)
    finally:
        receiving.close()
        _stop(child)
    if current is None and following > first:
        return results, following  # between two files: a fresh worker goes on
    if current is None:
        raise WorkerFailed(f"the ingest worker stopped before its first file (exit code "
                           f"{child.returncode}); see the app's log (a MemoryError there: "
                           "raise TOOLBOX_INGEST_MEMORY_MB, the models alone take about 2 GB)")
    # Died on a file without a word: the kernel's OOM killer, or a native library aborting
    # on a failed allocation under the address-space limit.
    log.warning("ingest worker died on %s (exit code %s)", order[current], child.returncode)
    return [*results, _failed(order[current], _over_memory(settings, child.returncode))], \
        current + 1


def _failed(path: Path, detail: str) -> FileResult:
    return FileResult(str(path), "failed", detail)


def _over_time(settings: Settings) -> str:
    return (f"stopped: still not ingested after the time limit of {settings.ingest_timeout_s:g}"
            " s (TOOLBOX_INGEST_TIMEOUT_S); split the file or raise the limit")


def _over_memory(settings: Settings, exitcode: int | None = None) -> str:
    how = "" if exitcode is None else f" (the worker ended with exit code {exitcode})"
    return (f"stopped: needs more than the memory limit of {settings.ingest_memory_mb} MB "
            f"(TOOLBOX_INGEST_MEMORY_MB){how}; split the file or raise the limit")


def _start(settings: Settings, paths: list[str], editions: dict[str, str]
           ) -> tuple[subprocess.Popen[bytes], Connection]:
    """A worker interpreter (`main`), told its job on stdin, answering on the pipe FD.

    A fresh interpreter rather than multiprocessing's spawn, which would import the app's
    main module (app.py, with gradio) into the worker again."""
    reading, writing = os.pipe()
    package_root = str(Path(__file__).resolve().parents[2])
    boot = (f"import sys; sys.path.insert(0, {package_root!r}); "
            "import ingest.pipeline.worker as w; w.main()")
    try:
        child = subprocess.Popen([sys.executable, "-c", boot, str(writing)],
                                 stdin=subprocess.PIPE, pass_fds=(writing,))
    finally:
        os.close(writing)
    assert child.stdin is not None
    with child.stdin:
        child.stdin.write(pickle.dumps((settings, paths, editions)))
    return child, Connection(reading, writable=False)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.kill()  # SIGKILL: the kernel releases its flock
    child.wait(timeout=30)


# -- the worker's side ---------------------------------------------------------------------


def _work(settings: Settings, paths: list[str], editions: dict[str, str],
          pipe: Connection) -> None:
    """The worker: limits first, then the files one by one under one write lock."""
    limit = settings.ingest_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.nice(WORKER_NICENESS)
    _exit_with_parent()
    from ingest.core.lock import write_lock

    try:
        ingestor = _ingestor(settings, lambda e: pipe.send(("progress", *asdict(e).values())))
        for encoder in filter(None, (ingestor.embedder, ingestor.multilingual)):
            encoder.embed_documents(["warm-up"])  # loads lazily; not on the first file's time
        with write_lock(ingestor.lock_path):
            ingestor.lock_path = None  # held here for all files, not taken again per file
            for index, path in enumerate(paths):
                pipe.send(("start", index))
                try:
                    report = ingestor.ingest([Path(path)],
                                             supersedes={Path(path): editions[path]}
                                             if path in editions else None)
                except MemoryError:
                    pipe.send(("memory", index))
                    os._exit(3)  # the heap may be in any state: a fresh worker goes on
                except ToolboxError:
                    raise  # not this file's problem: it stops every file (see below)
                except Exception as err:  # a reader's bug must not end the upload
                    if _reached(limit):  # torch and numpy say "can't allocate" their own way
                        pipe.send(("memory", index))
                        os._exit(3)
                    log.exception("ingest of %s failed", path)
                    detail = f"could not be ingested ({type(err).__name__}: {err})"[:300]
                    pipe.send(("done", index, [asdict(_failed(Path(path), detail))]))
                    continue
                pipe.send(("done", index, [asdict(r) for r in report.results]))
        pipe.send(("finished",))
    except Busy as busy:
        pipe.send(("busy", str(busy)))
    except ToolboxError as err:
        pipe.send(("error", str(err)))
    except MemoryError:
        os._exit(3)  # outside a file (loading the models): reported as a failed start
    finally:
        pipe.close()


def _reached(limit: int) -> bool:
    """Whether this process' address space came within 64 MB of `limit` (its peak)."""
    status = Path("/proc/self/status").read_text()
    peak_kb = next((int(line.split()[1]) for line in status.splitlines()
                    if line.startswith("VmPeak:")), 0)
    return peak_kb * 1024 >= limit - 64 * 1024 * 1024


def _ingestor(settings: Settings, progress: ProgressCallback) -> Any:
    """The pipeline the CLI and the app use, on the index the settings name."""
    from ingest.chunk.split import ChunkingParams
    from ingest.embed.multilingual import make_multilingual_embedder
    from ingest.embed.sentence_transformer import Embedder
    from ingest.index.store import Store, index_spec
    from ingest.pipeline.run import Ingestor

    embedder = Embedder(settings.embed_model)
    multilingual = make_multilingual_embedder(settings.multilingual_model)
    store = Store.open(settings, index_spec(embedder, multilingual, settings.chunk_size,
                                            settings.chunk_overlap))
    return Ingestor(store, embedder, ChunkingParams(settings.chunk_size, settings.chunk_overlap),
                    settings.max_file_mb * 1_000_000, progress=progress,
                    lock_path=settings.data_dir / "write.lock",
                    space_dir=None if settings.chroma_url else settings.data_dir,
                    multilingual=multilingual if store.has_multilingual else None)


def _exit_with_parent() -> None:
    """End the worker when the app that started it is gone (nobody would read its report)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(4)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main() -> None:
    """The worker process' entry: its job comes pickled on stdin (from ingest_in_worker)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from ingest.core.settings import configure_offline

    configure_offline()
    settings, paths, editions = pickle.load(sys.stdin.buffer)
    _work(settings, paths, editions, Connection(int(sys.argv[1]), readable=False))
