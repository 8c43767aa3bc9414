"""e5's forward pass as traced torch graphs (bert_forward.forward over bert.py's TorchOps).

As for MiniLM (bert.py), the trace lets torch run the ~200 ops of a pass without returning to
the interpreter between them, so a busy web server's threads do not hold a question up. The
word table stays 4-bit (e5_weights.WordTable): each call decodes the rows of the ids it has
and passes them to the graph with the ids renumbered into them.

Passages (the tools' vectors, cached by vector_cache.py) run in float32. Questions run the same
pass with its 72 linear layers as int8 x int8 products (`Int8Ops`): a question's few tokens
make each layer a read of its weights, 21 MB in int8 against 85 MB in float32. Measured on the
300 built-in questions (one thread, load 2.2-2.5, medians of 3 rounds): p50 9.0 / p95 13.0 ms
against 22.6 / 33.4 ms, cosine to the float32 vector min 0.9987, median 0.9991. Each token's
activations get a scale of their own: one scale per layer input (torch's dynamic quantized
linear) gave min 0.9950, and with its default 7-bit activations 0.9644. bfloat16 kept 0.99998
but took 14.0 / 18.6 ms in the same run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ingest.embed.bert import TorchOps
from ingest.embed.bert_forward import BertFolder, forward
from ingest.embed.e5_weights import E5Weights

__all__ = ["Int8Ops", "int8_linears", "TorchE5"]

_WORDS = "embeddings.word_embeddings.weight"


class Int8Ops(TorchOps):
    """TorchOps whose linear takes `int8_linears`' weights: (int8 (in, out), scales (out,))."""

    @staticmethod
    def linear(input: torch.Tensor, weight: Any, bias: Any = None) -> torch.Tensor:
        # (F.linear's parameter names: this overrides it)
        rows, scales = weight
        flat = input.reshape(-1, input.shape[-1])
        step = flat.abs().amax(1, keepdim=True).clamp(min=1e-12) / 127
        # int32 sums of at most 1536 products of 127 x 127: no overflow
        product = torch._int_mm(torch.round(flat / step).to(torch.int8), rows)
        return (product.float() * (step * scales) + bias).reshape(*input.shape[:-1], -1)


def int8_linears(w: dict[str, torch.Tensor]) -> dict[str, Any]:
    """`w` with each linear layer's float32 weight as int8 rows and a scale per output."""
    out: dict[str, Any] = dict(w)
    for name, weight in w.items():
        if name.startswith("encoder.") and weight.dim() == 2:
            scales = weight.abs().amax(1).clamp(min=1e-12) / 127
            rows = torch.round(weight / scales[:, None]).to(torch.int8).t().contiguous()
            out[name] = (rows, scales)
    return out


def _trace(ops: type[TorchOps], w: dict[str, Any], shape: BertFolder) -> torch.jit.ScriptModule:
    class Forward(torch.nn.Module):
        def forward(self, ids: torch.Tensor, mask: torch.Tensor, table: torch.Tensor
                    ) -> torch.Tensor:
            hidden = forward(ops, {**w, _WORDS: table}, shape, ids, torch.zeros_like(ids), mask)
            weights = mask.unsqueeze(-1).float()
            return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)

    example = (torch.zeros((1, 2), dtype=torch.long), torch.ones((1, 2), dtype=torch.bool),
               torch.zeros((1, shape.dim)))
    with torch.inference_mode():
        return torch.jit.trace(Forward(), example, check_trace=False)


class TorchE5:
    def __init__(self, weights: E5Weights, shape: BertFolder) -> None:
        self._words = weights.words
        # Copies: torch wants writable memory, and these 85 MB are read by every pass anyway.
        w = {name: torch.from_numpy(np.array(array, dtype=np.float32))
             for name, array in weights.w.items()}
        self._passages = _trace(TorchOps, w, shape)
        self._questions = _trace(Int8Ops, int8_linears(w), shape)

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled rows (n, dim) of padded ids (n, length) and their mask, in float32."""
        return self._run(self._passages, ids, mask)

    def pooled_questions(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """`pooled` through the int8 linear layers (cosine >= 0.998 to it on our questions)."""
        return self._run(self._questions, ids, mask)

    @torch.inference_mode()
    def _run(self, graph: torch.jit.ScriptModule, ids: np.ndarray, mask: np.ndarray
             ) -> np.ndarray:
        unique, local = np.unique(ids, return_inverse=True)
        table = torch.from_numpy(self._words.rows(unique))
        out = graph(torch.from_numpy(local.reshape(ids.shape)), torch.from_numpy(mask), table)
        return out.numpy()
