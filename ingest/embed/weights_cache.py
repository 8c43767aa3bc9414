"""Decoded model weights, cached as plain .npy files in the data dir and memory-mapped after.

Both multilingual encoders ship their weights packed (USE-m as a compressed .npz, e5 4-bit):
unpacking costs every start a second or so and keeps tens of MB in anonymous memory, although a
question reads a few dozen rows of the token table. With a cache folder (the index's data dir),
the first start writes each array as a .npy; later starts map them (milliseconds), and only the
pages a question touches count towards the process's memory. The folder is named after the
package file's size and time, so an upgraded package is decoded afresh; a damaged folder is
decoded again, and a cache that cannot be written only costs the decoding.

The loaders run on threads of their own, side by side: `mapped` is called under
ingest/core/npy.py's NPY_HEADER_LOCK (CPython 3.11 cannot parse two .npy headers at once).
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ingest.core.npy import NPY_HEADER_LOCK

__all__ = ["through_cache"]

log = logging.getLogger(__name__)

_DONE = "complete"  # written last: a folder without it was never finished

Weights = TypeVar("Weights")


def through_cache(source: Path, cache_dir: Path | None, name: str,
                  decode: Callable[[Path], Weights], write: Callable[[Weights, Path], None],
                  mapped: Callable[[Path], Weights]) -> Weights:
    """The weights of the package file `source`: mapped from `cache_dir` when cached there,
    else decoded (and cached when `cache_dir` is given and writable).

    Args:
        name: the cache folder's stem; the file's size and time are appended.
        write: writes the weights' arrays into an empty folder.
        mapped: reads them back from a complete folder; raises OSError, ValueError, KeyError or
            TypeError when the folder is incomplete or foreign.
    """
    if cache_dir is None:
        return decode(source)
    stat = source.stat()
    folder = cache_dir / f"{name}-{stat.st_size}-{stat.st_mtime_ns}"
    if (folder / _DONE).is_file():
        try:
            with NPY_HEADER_LOCK:
                return mapped(folder)
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("%s: unreadable (%s); decoding the weights again", folder, err)
            shutil.rmtree(folder, ignore_errors=True)
    weights = decode(source)
    _save(folder, lambda partial: write(weights, partial))
    return weights


def _save(folder: Path, write: Callable[[Path], None]) -> None:
    """Written beside `folder` and renamed into place: a reader sees all or nothing."""
    partial = folder.with_name(f".{folder.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        partial.mkdir(parents=True)
        write(partial)
        (partial / _DONE).touch()
        os.replace(partial, folder)
    except OSError as err:  # no space, read-only, or another process was first
        if not (folder / _DONE).is_file():
            log.warning("%s: cannot cache the decoded weights (%s)", folder, err)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
