"""Reading .npy files from several threads at once.

numpy parses each .npy header with ast.literal_eval, and CPython 3.11's AST conversion is not
safe to enter from two threads at once (fixed in later CPython releases): CI failed once with
"SystemError: AST constructor recursion depth mismatch" while USE-m's and e5's weight loaders
ran side by side. A serving process reads .npy files on several threads at start-up (both
weight loaders, the snapshot's lexical index, term sequences and cached vectors), so every such
read in our code goes through `load` (or holds NPY_HEADER_LOCK around a library's reads): one
header parsed at a time. The lock guards the header only in effect; mapped data is read later,
outside it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["NPY_HEADER_LOCK", "load", "load_arrays"]

NPY_HEADER_LOCK = threading.RLock()


def load(path: Path, mmap_mode: Any = None) -> Any:
    """np.load of one .npy file (no pickles), under NPY_HEADER_LOCK."""
    with NPY_HEADER_LOCK:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of one .npz file (no pickles), read whole under NPY_HEADER_LOCK."""
    with NPY_HEADER_LOCK, np.load(path, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}
