"""Questions embedded without importing sentence-transformers: a BERT forward pass in torch.

The serving process embeds only questions, a few words each. sentence-transformers with
transformers and scikit-learn costs about 5 s of imports and 220 MB of memory before the first
question (measured here: import 6.5 s and 445 MB against 1.3 s and 222 MB for torch, tokenizers
and safetensors alone): a third of the 15 s start-up budget. For the common case, a
sentence-transformers folder that is exactly BERT -> mean pooling -> normalise (the packaged
all-MiniLM-L6-v2 is), this module runs the same computation from the same files: the fast
tokenizer from tokenizer.json, truncated at the folder's max_seq_length, and the weights from
model.safetensors. Agreement with sentence-transformers: cosine >= 0.99999
(tests/test_embed.py). Any other folder returns None from `load`, and the embedder uses
sentence-transformers for questions too. Passages are always embedded by sentence-transformers.

Questions run on one-core worker threads, one per core (torch_threads.py): a question is a
few small matrix products, which torch's two intra-op threads mostly spend waiting for each
other on a busy 2-core machine (measured while a build ran: p95 94-750 ms with two threads,
22-39 ms with one).
"""

from __future__ import annotations

import json
import math
import os
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from tokenizers import Tokenizer

from ingest.embed.torch_threads import single_threaded_pool

__all__ = ["BertMeanEncoder"]

_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize"]
_MEAN_ONLY = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
              "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}


def _json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class BertMeanEncoder:
    """all-MiniLM-style encoder: BERT, mean over the tokens, unit length."""

    def __init__(self, folder: Path, config: dict, max_length: int) -> None:
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        weights = load_file(str(folder / "model.safetensors"))
        self._w = {name.removeprefix("bert."): tensor.float() for name, tensor in weights.items()}
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dim = int(config["hidden_size"])
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
                return encoder._forward(ids, types, mask)

        example = (torch.ones((1, 2), dtype=torch.long), torch.zeros((1, 2), dtype=torch.long),
                   torch.ones((1, 2), dtype=torch.bool))
        with torch.inference_mode():
            return torch.jit.trace(Forward(), example, check_trace=False)

    @classmethod
    def load(cls, folder: str | Path) -> BertMeanEncoder | None:
        """The encoder for a folder this module computes exactly; None for any other."""
        folder = Path(folder)
        if not folder.is_dir():
            return None
        modules = _json(folder / "modules.json")
        config = _json(folder / "config.json")
        pooling = _json(folder / "1_Pooling" / "config.json")
        st_config = _json(folder / "sentence_bert_config.json") or {}
        if not (isinstance(modules, list) and [m.get("type") for m in modules] == _MODULES
                and [m.get("path") for m in modules][:2] == ["", "1_Pooling"]
                and isinstance(config, dict) and config.get("model_type") == "bert"
                and config.get("hidden_act") == "gelu"
                and config.get("position_embedding_type", "absolute") == "absolute"
                and isinstance(pooling, dict)
                and all(pooling.get(k, False) == v for k, v in _MEAN_ONLY.items())
                and isinstance(st_config, dict) and not st_config.get("do_lower_case")
                and (folder / "model.safetensors").is_file()
                and (folder / "tokenizer.json").is_file()):
            return None
        max_length = int(st_config.get("max_seq_length") or config["max_position_embeddings"])
        return cls(folder, config, max_length)

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
        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = torch.zeros((len(texts), length), dtype=torch.long)
        types = torch.zeros((len(texts), length), dtype=torch.long)
        mask = torch.zeros((len(texts), length), dtype=torch.bool)
        for row, encoding in enumerate(encodings):
            size = len(encoding.ids)
            ids[row, :size] = torch.tensor(encoding.ids)
            types[row, :size] = torch.tensor(encoding.type_ids)
            mask[row, :size] = True
        hidden = self._graph(ids, types, mask)
        weights = mask.unsqueeze(-1).float()
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, p=2, dim=1).numpy().astype(np.float32, copy=False)

    def _forward(self, ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor
                 ) -> torch.Tensor:
        w, batch, length = self._w, ids.shape[0], ids.shape[1]
        hidden = (w["embeddings.word_embeddings.weight"][ids]
                  + w["embeddings.position_embeddings.weight"][:length].unsqueeze(0)
                  + w["embeddings.token_type_embeddings.weight"][types])
        hidden = self._norm(hidden, "embeddings.LayerNorm")
        head_dim = self.dim // self.heads
        # Padding keys are masked out; a padded query row still attends (its output is pooled
        # with weight 0), as in transformers.
        attend = mask[:, None, None, :]
        for layer in range(self.layers):
            at = f"encoder.layer.{layer}."
            q, k, v = (self._linear(hidden, f"{at}attention.self.{name}")
                       .view(batch, length, self.heads, head_dim).transpose(1, 2)
                       for name in ("query", "key", "value"))
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=attend,
                                                     scale=1 / math.sqrt(head_dim))
            context = context.transpose(1, 2).reshape(batch, length, self.dim)
            hidden = self._norm(self._linear(context, f"{at}attention.output.dense") + hidden,
                                f"{at}attention.output.LayerNorm")
            inner = F.gelu(self._linear(hidden, f"{at}intermediate.dense"))
            hidden = self._norm(self._linear(inner, f"{at}output.dense") + hidden,
                                f"{at}output.LayerNorm")
        return hidden

    def _linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self._w[f"{name}.weight"], self._w[f"{name}.bias"])

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(x, (self.dim,), self._w[f"{name}.weight"], self._w[f"{name}.bias"],
                            self.eps)
