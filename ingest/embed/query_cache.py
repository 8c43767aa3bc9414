"""A small thread-safe LRU of query embeddings, shared by every embedder.

Chat users repeat and refine questions, and one question is embedded by several signals; a hit
costs a dictionary lookup instead of a forward pass.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

__all__ = ["QUERY_CACHE_SIZE", "QueryCache"]

QUERY_CACHE_SIZE = 1024


class QueryCache:
    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, text: str, compute: Callable[[str], np.ndarray]) -> np.ndarray:
        """The cached vector of `text`, computed (outside the lock) when absent."""
        cached = self.get(text)
        if cached is not None:
            return cached
        vector = compute(text)
        self.put(text, vector)
        return vector

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            cached = self._vectors.get(text)
            if cached is not None:
                self._vectors.move_to_end(text)
            return cached

    def put(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._vectors[text] = vector
            if len(self._vectors) > self._size:
                self._vectors.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()
