"""The lexical index: BM25 (bm25s) over each chunk's terms in its own language (English or
German stems), derived from the store.

It is never the only copy of anything: it is built from the chunks Chroma holds, and rebuilt
when the store's revision changes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import bm25s
import numpy as np

from assistant.retrieval import proximity
from assistant.retrieval.proximity import Sequences
from ingest.chunk.split import embedding_text
from ingest.core.language import compound_terms, index_terms, query_terms
from ingest.core.npy import NPY_HEADER_LOCK
from ingest.core.records import Chunk

__all__ = ["chunk_terms", "chunk_compound_terms", "LexicalIndex", "PARTS_DIRECTORY",
           "SEQUENCES_DIRECTORY"]

PARTS_DIRECTORY = "parts"  # the parts index's files, in a folder beside the main index's
SEQUENCES_DIRECTORY = "sequences"  # the chunks' stems in order (proximity.py), likewise

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


def chunk_terms(chunk: Chunk) -> list[str]:
    """A chunk's index terms, in the language its text shows (its document's when unclear),
    and its German view (ingest/core/language.py's index_terms)."""
    fallback = chunk.language if chunk.kind == "passage" else "en"
    return index_terms(embedding_text(chunk), fallback=fallback, cross=True)


def chunk_compound_terms(chunk: Chunk) -> list[str]:
    """The parts of a German chunk's compounds (ingest/core/language.py's compound_terms)."""
    fallback = chunk.language if chunk.kind == "passage" else "en"
    return compound_terms(embedding_text(chunk), fallback=fallback)


def _bm25(terms: list[list[str]]) -> bm25s.BM25:
    return _bm25_and_ids(terms)[0]


def _bm25_and_ids(terms: list[list[str]]) -> tuple[bm25s.BM25, list[list[int]]]:
    # Token ids straight away: at 100k chunks the lists of stem strings (one new str per
    # token) were the largest thing in memory while indexing (peak RSS 1.8 GB).
    vocabulary: dict[str, int] = {}
    ids = [[vocabulary.setdefault(t, len(vocabulary)) for t in chunk or ["\u2205"]]
           for chunk in terms]
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    bm25.index((ids, vocabulary), show_progress=False)
    return bm25, ids


class LexicalIndex:
    """BM25 over a fixed list of chunks; positions in `chunks` are the index's document ids.

    Two indexes: the chunks' terms, and the parts of German chunks' compounds apart, which
    German questions (and those of unknown language) read besides. Apart, so that the parts do
    not lengthen a German chunk for English questions (in the main index they cost English
    real-report questions hybrid hit@5 0.857 -> 0.786; README, German compounds).
    """

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self._bm25: bm25s.BM25 | None = None
        self._parts: bm25s.BM25 | None = None
        self._sequences: Sequences | None = None
        if chunks:
            self._bm25, ids = _bm25_and_ids([chunk_terms(c) for c in chunks])
            # chunk_terms: a chunk's own stems in order, then as many of its German view
            self._sequences = Sequences.of([chunk[:len(chunk) // 2] for chunk in ids])
            del ids
            self._parts = _bm25([chunk_compound_terms(c) for c in chunks])
        self._set_vocabularies()

    def _set_vocabularies(self) -> None:
        self._ids: dict[str, int] = self._bm25.vocab_dict if self._bm25 is not None else {}
        self._tools = np.flatnonzero([c.kind == "tool" for c in self.chunks])
        self._parts_vocabulary = set(self._parts.vocab_dict) - {"\u2205"} \
            if self._parts is not None else set()

    def save(self, directory: Path) -> None:
        """Write the BM25 matrices and vocabularies into an existing, empty directory."""
        if self._bm25 is not None and self._parts is not None and self._sequences is not None:
            self._bm25.save(directory, show_progress=False)
            (directory / PARTS_DIRECTORY).mkdir()
            self._parts.save(directory / PARTS_DIRECTORY, show_progress=False)
            (directory / SEQUENCES_DIRECTORY).mkdir()
            self._sequences.save(directory / SEQUENCES_DIRECTORY)

    @classmethod
    def load(cls, chunks: list[Chunk], directory: Path) -> LexicalIndex:
        """The index `save` wrote for exactly these chunks, its matrices memory-mapped.

        Memory-mapped, the score matrix stays in the page cache, shared and evictable, instead
        of counting against the serving process. Raises ValueError when the files do not
        describe `len(chunks)` documents; the caller checks that the chunks are the same ones.
        """
        index = cls.__new__(cls)
        index.chunks = chunks
        index._bm25 = index._parts = None
        index._sequences = None
        if chunks:
            index._bm25 = _load_checked(directory, len(chunks))
            index._parts = _load_checked(directory / PARTS_DIRECTORY, len(chunks))
            index._sequences = Sequences.load(directory / SEQUENCES_DIRECTORY, len(chunks))
        index._set_vocabularies()
        return index

    def __len__(self) -> int:
        return len(self.chunks)

    def scores(self, query: str, language: str | None = None,
               translations: tuple[str, ...] = ()) -> np.ndarray:
        """BM25 score of every chunk for the query in `language` (None: not known) and its
        translations into the other language (zeros where no term matches)."""
        terms = [t for t in query_terms(query, language, translations) if t in self._ids]
        parts = [t for t in index_terms(query, "de") if t in self._parts_vocabulary] \
            if language in ("de", None) and self._parts is not None else []
        scores = np.zeros(len(self.chunks), dtype=np.float32)
        if self._bm25 is not None and terms:
            scores += np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
        if self._parts is not None and parts:
            scores += np.asarray(self._parts.get_scores(parts), dtype=np.float32)
        if self._sequences is not None and terms:
            self._raise_near(scores, query, language)
        return scores

    def _raise_near(self, scores: np.ndarray, query: str, language: str | None) -> None:
        """proximity.py's bonus for the best chunks and every tool that match: the question's
        own stems (both languages' when not known), which meet each chunk's own."""
        assert self._sequences is not None
        languages = ("en", "de") if language is None else \
            (language if language in ("en", "de") else "en",)
        question = [self._ids[t] for lang in languages
                    for t in index_terms(query, lang, split=False) if t in self._ids]
        if len(set(question)) < 2:
            return
        best = self.top(scores, proximity.DEPTH)
        candidates = np.union1d([i for i, _ in best],
                                self._tools[scores[self._tools] > 0]).astype(np.int64)
        proximity.raise_near(scores, self._sequences, question, candidates)

    def search(self, query: str, k: int, mask: np.ndarray | None = None,
               language: str | None = None, translations: tuple[str, ...] = ()
               ) -> list[tuple[int, float]]:
        """Top-k (position, score) with a positive score, best first, within the mask."""
        return self.top(self.scores(query, language, translations), k, mask)

    @staticmethod
    def top(scores: np.ndarray, k: int, mask: np.ndarray | None = None
            ) -> list[tuple[int, float]]:
        """Top-k (position, score) of a score vector, positive scores only, within the mask."""
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        if candidates.size > k:
            top = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[top]
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(int(i), float(scores[i])) for i in order]


def _load_checked(directory: Path, documents: int) -> bm25s.BM25:
    with NPY_HEADER_LOCK:  # bm25s reads .npy files (ingest/core/npy.py says why)
        bm25 = bm25s.BM25.load(directory, mmap=True, show_progress=False)
    matrix = bm25.scores
    if (matrix.get("num_docs") != documents
            or len(matrix["indptr"]) > len(bm25.vocab_dict) + 1
            or len(matrix["data"]) != len(matrix["indices"])
            or int(matrix["indptr"][-1]) != len(matrix["data"])):
        raise ValueError(f"{directory}: BM25 files do not match {documents} chunks")
    return bm25
