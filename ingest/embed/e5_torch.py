"""e5's forward pass as a traced torch graph (bert_forward.forward over bert.py's TorchOps).

As for MiniLM (bert.py), the trace lets torch run the ~200 ops of a pass without returning to
the interpreter between them, so a busy web server's threads do not hold a question up. The
word table stays 4-bit (e5_weights.WordTable): each call decodes the rows of the ids it has
and passes them to the graph with the ids renumbered into them.
"""

from __future__ import annotations

import numpy as np
import torch

from ingest.embed.bert import TorchOps
from ingest.embed.bert_forward import BertFolder, forward
from ingest.embed.e5_weights import E5Weights

__all__ = ["TorchE5"]

_WORDS = "embeddings.word_embeddings.weight"


class TorchE5:
    def __init__(self, weights: E5Weights, shape: BertFolder) -> None:
        self._words = weights.words
        # Copies: torch wants writable memory, and these 85 MB are read by every pass anyway.
        w = {name: torch.from_numpy(np.array(array, dtype=np.float32))
             for name, array in weights.w.items()}

        class Forward(torch.nn.Module):
            def forward(self, ids: torch.Tensor, mask: torch.Tensor, table: torch.Tensor
                        ) -> torch.Tensor:
                hidden = forward(TorchOps, {**w, _WORDS: table}, shape, ids,
                                 torch.zeros_like(ids), mask)
                weights = mask.unsqueeze(-1).float()
                return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)

        example = (torch.zeros((1, 2), dtype=torch.long), torch.ones((1, 2), dtype=torch.bool),
                   torch.zeros((1, shape.dim)))
        with torch.inference_mode():
            self._graph = torch.jit.trace(Forward(), example, check_trace=False)

    @torch.inference_mode()
    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled rows (n, dim) of padded ids (n, length) and their mask."""
        unique, local = np.unique(ids, return_inverse=True)
        table = torch.from_numpy(self._words.rows(unique))
        out = self._graph(torch.from_numpy(local.reshape(ids.shape)), torch.from_numpy(mask),
                          table)
        return out.numpy()
