"""The BERT mean-pooling forward pass written once, over numpy or torch.

A one-shot process (`toolbox-assistant ask`) embeds one question and exits: importing torch
alone cost it 1.2 s of its 2.4 s and about 200 MB. `NumpyBertEncoder` runs the same
computation in numpy, from the same folder check, tokenizer and safetensors weights, and never
imports torch. The serving process keeps the torch encoder (bert.py), whose traced graph runs
without taking the interpreter lock back between ops (measured there, p95 1223 -> 1112 ms under
16 users); eager numpy would return to the interpreter after every op. Both run `forward`
below, so there is one forward pass; `NumpyOps`/`TorchOps` supply the few primitives that
differ. Agreement with sentence-transformers: cosine >= 0.99999 for both (tests/test_embed.py).
"""

from __future__ import annotations

import json
import math
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BertFolder", "NumpyOps", "forward", "NumpyBertEncoder"]

_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize"]
_MEAN_ONLY = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
              "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}


def _json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class BertFolder:
    """A sentence-transformers folder that is exactly BERT -> mean pooling -> normalise."""

    def __init__(self, folder: Path, config: dict, max_length: int) -> None:
        self.folder, self.max_length = folder, max_length
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dim = int(config["hidden_size"])

    @classmethod
    def of(cls, folder: str | Path) -> BertFolder | None:
        """The folder when `forward` computes its model exactly; None for any other."""
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

    def tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_length)
        return tokenizer

    def token_rows(self, tokenizer: Any, texts: list[str]) -> tuple[np.ndarray, ...]:
        """Ids, token types and the mask of the texts, padded to the longest: (n, length)."""
        encodings = tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        types = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=bool)
        for row, encoding in enumerate(encodings):
            size = len(encoding.ids)
            ids[row, :size] = encoding.ids
            types[row, :size] = encoding.type_ids
            mask[row, :size] = True
        return ids, types, mask


class NumpyOps:
    """The primitives of `forward` in numpy, float32."""

    @staticmethod
    def linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        return x @ weight.T + bias

    @staticmethod
    def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float
                   ) -> np.ndarray:
        centred = x - x.mean(-1, keepdims=True)
        variance = (centred * centred).mean(-1, keepdims=True)
        return centred / np.sqrt(variance + eps) * weight + bias

    @staticmethod
    def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, attend: np.ndarray,
                  scale: float) -> np.ndarray:
        scores = np.where(attend, (q @ k.swapaxes(-1, -2)) * scale, -np.inf)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        return (scores / scores.sum(-1, keepdims=True)) @ v

    @staticmethod
    def gelu(x: np.ndarray) -> np.ndarray:
        # The exact (erf) GELU BERT uses; numpy has no erf, so Abramowitz & Stegun 7.1.26
        # (absolute error < 1.5e-7, far below what cosine 0.99999 allows).
        z = np.abs(x) * np.float32(1 / math.sqrt(2))
        t = 1 / (1 + np.float32(0.3275911) * z)
        poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                           + t * (-1.453152027
                                                                  + t * 1.061405429))))
        erf = np.sign(x) * (1 - poly * np.exp(-z * z))
        return (x * 0.5 * (1 + erf)).astype(np.float32, copy=False)

    @staticmethod
    def split_heads(x: np.ndarray, heads: int) -> np.ndarray:
        batch, length, dim = x.shape
        return x.reshape(batch, length, heads, dim // heads).swapaxes(1, 2)

    @staticmethod
    def merge_heads(x: np.ndarray) -> np.ndarray:
        batch, heads, length, head_dim = x.shape
        return x.swapaxes(1, 2).reshape(batch, length, heads * head_dim)


def forward(ops: Any, w: dict[str, Any], model: BertFolder, ids: Any, types: Any, mask: Any
            ) -> Any:
    """Last hidden states (batch, length, dim) of BERT for padded token rows."""
    length = ids.shape[1]
    hidden = (w["embeddings.word_embeddings.weight"][ids]
              + w["embeddings.position_embeddings.weight"][:length][None]
              + w["embeddings.token_type_embeddings.weight"][types])

    def norm(x: Any, name: str) -> Any:
        return ops.layer_norm(x, w[f"{name}.weight"], w[f"{name}.bias"], model.eps)

    def linear(x: Any, name: str) -> Any:
        return ops.linear(x, w[f"{name}.weight"], w[f"{name}.bias"])

    hidden = norm(hidden, "embeddings.LayerNorm")
    scale = 1 / math.sqrt(model.dim // model.heads)
    # Padding keys are masked out; a padded query row still attends (its output is pooled
    # with weight 0), as in transformers.
    attend = mask[:, None, None, :]
    for layer in range(model.layers):
        at = f"encoder.layer.{layer}."
        q, k, v = (ops.split_heads(linear(hidden, f"{at}attention.self.{name}"), model.heads)
                   for name in ("query", "key", "value"))
        context = ops.merge_heads(ops.attention(q, k, v, attend, scale))
        hidden = norm(linear(context, f"{at}attention.output.dense") + hidden,
                      f"{at}attention.output.LayerNorm")
        inner = ops.gelu(linear(hidden, f"{at}intermediate.dense"))
        hidden = norm(linear(inner, f"{at}output.dense") + hidden, f"{at}output.LayerNorm")
    return hidden


class NumpyBertEncoder:
    """Questions by `forward` over numpy; for processes that answer one question and exit."""

    def __init__(self, model: BertFolder) -> None:
        from safetensors.numpy import load_file

        from ingest.embed.blas_threads import one_blas_thread

        one_blas_thread()
        self.model, self.dim = model, model.dim
        self.tokenizer = model.tokenizer()
        self._w = {name.removeprefix("bert."): array.astype(np.float32, copy=False)
                   for name, array in load_file(str(model.folder / "model.safetensors")).items()}
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="bert-question-numpy")

    @classmethod
    def load(cls, folder: str | Path) -> NumpyBertEncoder | None:
        model = BertFolder.of(folder)
        return None if model is None else cls(model)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of shape (len(texts), dim), float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids, types, mask = self.model.token_rows(self.tokenizer, texts)
        hidden = forward(NumpyOps, self._w, self.model, ids, types, mask)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32, copy=False)

    def submit(self, texts: list[str]) -> Future[np.ndarray]:
        """`encode` started on a worker (BLAS releases the interpreter lock meanwhile)."""
        return self._worker.submit(self.encode, texts)
