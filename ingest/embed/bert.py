"""Questions embedded without importing sentence-transformers: a BERT forward pass in torch.

The serving process embeds only questions, a few words each. sentence-transformers with
transformers and scikit-learn costs about 5 s of imports and 220 MB of memory before the first
question (measured here: import 6.5 s and 445 MB against 1.3 s and 222 MB for torch, tokenizers
and safetensors alone): a third of the 15 s start-up budget. For the common case, a
sentence-transformers folder that is exactly BERT -> mean pooling -> normalise (the packaged
all-MiniLM-L6-v2 is), this module runs the same computation from the same files: the fast
tokenizer from tokenizer.json, truncated at the folder's max_seq_length, and the weights from
model.safetensors. The forward pass itself is bert_forward.py's, shared with the numpy encoder
of one-shot processes. Agreement with sentence-transformers: cosine >= 0.99999
(tests/test_embed.py). Any other folder returns None from `load`, and the embedder uses
sentence-transformers for questions too. Passages are always embedded by sentence-transformers.

Questions run on one-core worker threads, one per core (torch_threads.py): a question is a
few small matrix products, which torch's two intra-op threads mostly spend waiting for each
other on a busy 2-core machine (measured while a build ran: p95 94-750 ms with two threads,
22-39 ms with one).
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from ingest.embed.bert_forward import BertFolder, forward
from ingest.embed.torch_threads import single_threaded_pool

__all__ = ["TorchOps", "BertMeanEncoder"]


class TorchOps:
    """The primitives of bert_forward.forward in torch."""

    linear = staticmethod(F.linear)
    gelu = staticmethod(F.gelu)

    @staticmethod
    def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float
                   ) -> torch.Tensor:
        return F.layer_norm(x, (x.shape[-1],), weight, bias, eps)

    @staticmethod
    def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, attend: torch.Tensor,
                  scale: float) -> torch.Tensor:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=attend, scale=scale)

    @staticmethod
    def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
        batch, length, dim = x.shape
        return x.view(batch, length, heads, dim // heads).transpose(1, 2)

    @staticmethod
    def merge_heads(x: torch.Tensor) -> torch.Tensor:
        batch, heads, length, head_dim = x.shape
        return x.transpose(1, 2).reshape(batch, length, heads * head_dim)


class BertMeanEncoder:
    """all-MiniLM-style encoder: BERT, mean over the tokens, unit length."""

    def __init__(self, model: BertFolder) -> None:
        self.model, self.dim = model, model.dim
        self.tokenizer = model.tokenizer()
        weights = load_file(str(model.folder / "model.safetensors"))
        self._w = {name.removeprefix("bert."): tensor.float() for name, tensor in weights.items()}
        self._workers = single_threaded_pool(max(1, os.cpu_count() or 1), "bert-question")
        self._graph = self._trace()

    def _trace(self) -> torch.jit.ScriptModule:
        """The forward pass as one traced graph, which torch runs without coming back to the
        interpreter between its ~100 ops. Eager, each op took the interpreter lock back, and
        under 16 users the web server holds that lock most of the time: p95 1223 -> 1112 ms
        at 100k chunks (benchmarks/serving.py). The trace keeps batch size and length
        variable; tests/test_embed.py checks it against sentence-transformers."""
        encoder = self

        class Forward(torch.nn.Module):
            def forward(self, ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor
                        ) -> torch.Tensor:
                return forward(TorchOps, encoder._w, encoder.model, ids, types, mask)

        example = (torch.ones((1, 2), dtype=torch.long), torch.zeros((1, 2), dtype=torch.long),
                   torch.ones((1, 2), dtype=torch.bool))
        with torch.inference_mode():
            return torch.jit.trace(Forward(), example, check_trace=False)

    @classmethod
    def load(cls, folder: str | Path) -> BertMeanEncoder | None:
        """The encoder for a folder this module computes exactly; None for any other."""
        model = BertFolder.of(folder)
        return None if model is None else cls(model)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of shape (len(texts), dim), float32."""
        return self.submit(texts).result()

    def submit(self, texts: list[str]) -> Future[np.ndarray]:
        """`encode` started on a worker; the caller collects the vectors when it needs them."""
        return self._workers.submit(self._encode, texts)

    @torch.inference_mode()
    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids, types, mask = (torch.from_numpy(rows)
                            for rows in self.model.token_rows(self.tokenizer, texts))
        hidden = self._graph(ids, types, mask)
        weights = mask.unsqueeze(-1).float()
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, p=2, dim=1).numpy().astype(np.float32, copy=False)
