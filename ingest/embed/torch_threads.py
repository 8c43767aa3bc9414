"""Worker threads whose torch ops each run on one core (both encoders' forward passes)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import torch

__all__ = ["single_threaded_pool"]


def single_threaded_pool(workers: int, name: str) -> ThreadPoolExecutor:
    """Threads whose torch ops each run on one core, leaving everyone else's setting alone.

    On 2 shared cores, torch's two intra-op threads mostly wait for each other on this model's
    small ops: measured 2-6x slower than one thread per batch whenever the machine is busy.
    `torch.set_num_threads` sets the calling thread's OpenMP/MKL count plus the default for
    threads that start later, so each worker sets 1 for itself and the default is put back from
    a helper thread. Should torch ever make the call process-wide, the put-back wins: the workers
    then run with the default count, slower but correct.
    """
    default = torch.get_num_threads()
    started = threading.Barrier(workers + 1)

    def start() -> None:
        torch.set_num_threads(1)
        torch.get_num_threads()  # settles this thread's count before the default is put back
        started.wait()

    pool = ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=start)
    for _ in range(workers):
        pool.submit(lambda: None)
    started.wait()
    restore = threading.Thread(target=torch.set_num_threads, args=(default,))
    restore.start()
    restore.join()
    return pool
