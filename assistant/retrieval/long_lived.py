"""The read side's tables as long-lived objects: built without the garbage collector's full
passes, then exempt from them.

At 100k chunks the chunk table, BM25 index and filter masks are millions of Python objects that
live until the next reload. Python's cyclic collector walks every tracked object on each full
collection, and loading them triggers one after another: measured at 100k, 12 full collections
of up to 481 ms each while starting and during the first answers, 1.76 s in all, each holding
the interpreter lock (the first answers of 16 users took 1.2-1.5 s instead of 0.7 s). Inside
`long_lived()` the collector is off; at the end one collection clears whatever cyclic garbage
was made, and `gc.freeze()` moves everything alive into the permanent generation, which later
collections skip. Frozen objects are still freed by reference counting once unreferenced, so the
previous snapshot goes when a reload replaces it. The collector is process-wide, so during a
reload on its thread the serving threads run without it too, for that reload's duration.

A process that runs without the collector altogether (a one-shot `toolbox-assistant ask`, which
exits after one answer) pays neither: there is nothing to freeze for later collections, and the
one collection cost 0.09 s of its start.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["long_lived"]

log = logging.getLogger("toolbox.heap")

_depth = 0
_lock = threading.Lock()


@contextmanager
def long_lived() -> Iterator[None]:
    """Build what lives until the next reload inside this; nests (only the outermost acts)."""
    global _depth
    with _lock:
        _depth += 1
        outermost, was_enabled = _depth == 1, gc.isenabled()
        if outermost:
            gc.disable()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if outermost and was_enabled:
                started = time.perf_counter()
                gc.collect()
                gc.freeze()
                gc.enable()
                log.info("froze %d long-lived objects after one collection of %.2f s",
                         gc.get_freeze_count(), time.perf_counter() - started)
