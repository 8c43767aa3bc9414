"""What every text encoder offers the rest of the code: the English model
(sentence_transformer.py) and the multilingual one (multilingual.py) both satisfy it, so the
second encoder is typed where it is passed around instead of being `Any`."""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["Encoder"]


class Encoder(Protocol):
    @property
    def identity(self) -> str:
        """What the index records of the model."""
        ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """One row per text, unit length."""
        ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def clear_cache(self) -> None: ...
