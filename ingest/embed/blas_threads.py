"""One BLAS thread for the numpy forward passes (bert_forward.py, multilingual.py).

A question is a few products of ~20-row matrices. Multi-threaded OpenBLAS hands each to both
cores of this machine, where the threads mostly wait for each other (issue 9: the original
numpy multilingual encoder took 100-500 ms a query on a busy machine); one thread per product
does it in a few milliseconds, and the two encoders still run side by side on their own threads.
"""

from __future__ import annotations

import threading

__all__ = ["one_blas_thread"]

_done = threading.Event()
_lock = threading.Lock()


def one_blas_thread() -> None:
    """Limit numpy's BLAS to one thread, process-wide, once."""
    with _lock:
        if _done.is_set():
            return
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        _done.set()
