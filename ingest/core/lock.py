"""One writer at a time: an exclusive lock file under the data dir for ingest, remove, reindex.

Two writers would each sweep the other's half-written sources as orphans. The lock is an
`flock`, which the kernel releases when the holder dies, even by `kill -9`.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.core.errors import Busy

__all__ = ["write_lock"]


@contextmanager
def write_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise Busy(f"another ingest, remove or reindex (pid {holder}) is writing to the "
                       "index; wait for it to finish and try again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
