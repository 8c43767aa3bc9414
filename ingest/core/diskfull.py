"""A full disk under the index, told apart from other write failures and explained.

The store writes a source's chunks before its manifest entry, so a write that fails for lack of
space leaves nothing a reader trusts half-written: what was indexed before stays intact and
served, and the next ingest sweeps the leftovers and completes the work. What is left to do is
to tell the editor that plainly instead of showing a database trace.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.core.errors import DiskFull

__all__ = ["is_disk_full", "SPACE_FLOOR", "check_space", "disk_full_explained"]

_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
# How chromadb reports it: SQLite's SQLITE_FULL (code 13) through its Rust bindings, or the
# OS error from its segment files.
_MESSAGES = ("database or disk is full", "no space left on device", "os error 28",
             "disk quota exceeded", "file too large")


def is_disk_full(err: BaseException) -> bool:
    """Whether `err` or anything in its chain says the disk is full."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _ERRNOS:
            return True
        if any(m in str(current).lower() for m in _MESSAGES):
            return True
        current = current.__cause__ or current.__context__
    return False


# Chroma's embedded Rust core can hang the next write of the same process after SQLite reported
# the disk full mid-transaction (seen in tests/test_diskfull.py, holding the GIL), so a write
# that would not fit is refused before Chroma starts it. Stored size per chunk measured on the
# 32 MB test disk: about 4x its text (full-text index, metadata) plus its vector twice.
SPACE_FLOOR = 2_000_000


def check_space(folder: Path | None, text_bytes: int, vector_bytes: int,
                doing: str = "the ingest") -> None:
    """Refuse a write that would not fit on the disk under `folder` (None: not ours to check)."""
    if folder is None:
        return
    need = 4 * text_bytes + 2 * vector_bytes + SPACE_FLOOR
    free = shutil.disk_usage(folder).free
    if free < need:
        raise DiskFull(f"{folder}: the disk is full ({free / 1e6:.1f} MB free, about "
                       f"{need / 1e6:.1f} MB needed); {doing} stopped. {_AFTER}")


_AFTER = ("What was indexed before is intact and still served (nothing half-written is used). "
          "Free some space there and run the same command again to complete it.")


@contextmanager
def disk_full_explained(where: Path | str, doing: str) -> Iterator[None]:
    """Turn a full disk during `doing` into one DiskFull sentence naming `where`."""
    try:
        yield
    except DiskFull:
        raise
    except Exception as err:
        if not is_disk_full(err):
            raise
        raise DiskFull(f"{where}: the disk is full; {doing} stopped. {_AFTER}") from err
