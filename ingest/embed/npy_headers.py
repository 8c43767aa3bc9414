"""One lock for reading .npy files on the weight loaders' threads.

numpy parses each array's header with ast.literal_eval, and CPython 3.11's compiler is not safe
to enter from two threads at once: CI failed once with "SystemError: AST constructor recursion
depth mismatch" in USE-m's weight loader while e5's loader ran beside it. The loaders take
this lock around their numpy reads, so only one of them parses a header at a time.
"""

from __future__ import annotations

import threading

__all__ = ["NPY_HEADER_LOCK"]

NPY_HEADER_LOCK = threading.RLock()
