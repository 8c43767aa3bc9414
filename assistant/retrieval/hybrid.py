"""Hybrid retrieval: BM25 and dense k-NN in Chroma (by the English model and, in its own
collection, by the multilingual encoder) over the same chunks, fused by weighted reciprocal rank.

Two things come back for a question: the chunks that answer it (passages to cite) and, per
signal, every tool ordered by how well its own description matches. Tools are few (hundreds,
not the 100k chunks documents bring), so their vectors (both encoders', read from the store,
and the tool encoder's, embedded once per text and cached) live in memory and each tool is
scored exactly, instead of hoping it surfaces among the nearest chunks.

The in-memory side (chunk table, BM25, filter masks, tool records and vectors) is a snapshot of
the store, rebuilt when the store's revision moves, so several app instances on one Chroma
server agree.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.query.filters import FilterMasks, Filters
from assistant.retrieval import chunk_cache, vector_cache
from assistant.retrieval.fusion import (
    CHUNK_RRF_K,
    SIGNALS,
    Mode,
    fuse,
    fusion_weights,
    prefer_language,
)
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.lexical_cache import CacheKey, load_or_build
from assistant.retrieval.long_lived import long_lived
from ingest.chunk.split import embedding_text
from ingest.core.language import content_words
from ingest.core.records import Chunk, Hit, Retrieval, Tool
from ingest.embed.protocol import Encoder
from ingest.embed.sentence_transformer import Embedder
from ingest.index.store import Field, Store

__all__ = ["CANDIDATES", "Snapshot", "Retriever"]

log = logging.getLogger(__name__)

CANDIDATES = 100
_REVISION_CHECK_SECONDS = 2.0
# How long a question waits for a reload of a store that moved on; a longer reload (a minute at
# 100k chunks after an ingest: chunks read back, BM25 rebuilt) finishes in the background while
# questions are answered from the snapshot at hand.
_RELOAD_WAIT_SECONDS = 3.0
# Filters that shut out at most this many chunks are applied to an unfiltered k-NN (_nearest),
# which asks for at most _UNFILTERED_MAX chunks before Chroma is asked to filter.
_POST_FILTER_MAX = 1000
# the multilingual side of a question: chunk positions with similarities, tool scores
_Side = tuple[list[tuple[int, float]] | None, np.ndarray | None]
_UNFILTERED_MAX = 4000


@dataclass(frozen=True)
class Snapshot:
    """Everything the read side keeps in memory, derived from one revision of the store."""

    revision: int
    chunks: list[Chunk]
    position: dict[str, int]
    lexical: LexicalIndex
    masks: FilterMasks
    tools: dict[str, Tool]
    tool_positions: np.ndarray  # positions in `chunks` of the tools' own chunks
    tool_vectors: np.ndarray  # their embeddings, row for row
    tool_vectors_multilingual: np.ndarray | None  # the same by the multilingual embedder
    tool_vectors_e5: np.ndarray | None = None  # the same by the tool encoder, when there is one

    @classmethod
    def load(cls, store: Store, embedder: Embedder, multilingual: Encoder | None = None,
             cache_dir: Path | None = None, tool_encoder: Encoder | None = None) -> Snapshot:
        """`cache_dir`: where the chunk table, BM25 index and tool vectors of a store state are
        cached between starts (chunk_cache.py, lexical_cache.py, vector_cache.py); None: no
        caches. `tool_encoder`: the third encoder (ingest/embed/tool_encoder.py), whose tool
        vectors no store keeps: they are embedded here, cached by text."""
        started = time.perf_counter()
        revision = store.revision()
        key = CacheKey(store.name, store.generation, revision)
        manifest = store.manifest()
        complete = chunk_cache.manifest_digest(manifest)
        chunks = chunk_cache.load(key, complete, cache_dir and cache_dir / "chunks")
        if chunks is None:
            chunks = list(store.chunks())
            if CacheKey(store.name, store.generation, store.revision()) == key:
                chunk_cache.save(key, complete, cache_dir and cache_dir / "chunks", chunks)
        tools = {t.id: t for t in (Tool.model_validate_json(r.payload)
                                   for r in manifest.values() if r.kind == "tool")}
        tool_positions = np.array([i for i, c in enumerate(chunks) if c.kind == "tool"],
                                  dtype=np.int64)
        tool_chunks = [chunks[i] for i in tool_positions]

        def vectors(encoder: Encoder, field: Field) -> np.ndarray:
            directory = cache_dir and cache_dir / f"tool-vectors-{field}"
            ids, what = [c.chunk_id for c in tool_chunks], f"{field}:{encoder.identity}"
            found = vector_cache.load(key, complete, directory, what, ids)
            if found is None:
                found = _tool_vectors(store, encoder, tool_chunks, field)
                if CacheKey(store.name, store.generation, store.revision()) == key:
                    vector_cache.save(key, complete, directory, what, ids, found)
            return found

        snapshot = cls(
            revision=revision, chunks=chunks,
            position={c.chunk_id: i for i, c in enumerate(chunks)},
            lexical=load_or_build(chunks, key, cache_dir and cache_dir / "bm25"),
            masks=FilterMasks(chunks), tools=tools,
            tool_positions=tool_positions,
            tool_vectors=vectors(embedder, "dense"),
            tool_vectors_multilingual=None if multilingual is None else vectors(
                multilingual, "multilingual"),
            tool_vectors_e5=None if tool_encoder is None or not tool_chunks else
            vector_cache.embedded(tool_encoder, [embedding_text(c) for c in tool_chunks],
                                  cache_dir and cache_dir / vector_cache.TEXT_VECTORS),
        )
        log.info("loaded %d chunks, %d tools in %.2f s", len(chunks), len(tools),
                 time.perf_counter() - started)
        return snapshot


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, multilingual: Encoder | None = None,
                 cache_dir: Path | None = None, tool_encoder: Encoder | None = None) -> None:
        """`multilingual`: a second, cross-lingual embedder (ingest/embed/multilingual.py) that
        ranks the chunks (when the store keeps its vectors) and the tools once more; None to go
        without. `cache_dir`: where the chunk table and BM25 index are cached between starts;
        None to derive them afresh every time. `tool_encoder`: a third encoder
        (ingest/embed/tool_encoder.py) that scores the tools (signal `dense_e5`) in place of
        the multilingual one; None: the multilingual encoder scores them."""
        self.store = store
        self.embedder = embedder
        self.multilingual = multilingual
        self.tool_encoder = tool_encoder
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        # The multilingual side of a question (its embedding and k-NN) runs on a side thread
        # while the calling thread does the English side: the two encoders' forward passes take
        # a core each instead of one after the other. Only while no other question uses it:
        # when many ask at once the cores are busy anyway, and the hand-over between threads
        # then costs more than it saves.
        # The tool encoder's embedding likewise (e5's int8 question pass: 0.8x MiniLM's).
        self._side = ThreadPoolExecutor(1, thread_name_prefix="retrieve-multilingual")
        self._side_free = threading.Semaphore(1)
        self._tool_side = ThreadPoolExecutor(1, thread_name_prefix="retrieve-tool-encoder")
        self._tool_side_free = threading.Semaphore(1)
        self._reloader = ThreadPoolExecutor(1, thread_name_prefix="snapshot-reload")
        self._reloading: Future[None] | None = None
        self._snapshot = self._load()
        self._checked = time.monotonic()

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot. Every few seconds the store's revision is checked; when it
        moved (another instance or process wrote), one reload starts and the question waits
        for it a little (_RELOAD_WAIT_SECONDS); no question waits for a long one."""
        now = time.monotonic()
        if now - self._checked >= _REVISION_CHECK_SECONDS:
            self._checked = now
            reloading = self._reload_if_moved()
            if reloading is not None:
                wait([reloading], timeout=_RELOAD_WAIT_SECONDS)
        return self._snapshot

    def _reload_if_moved(self) -> Future[None] | None:
        with self._lock:
            if self._reloading is not None and not self._reloading.done():
                return self._reloading
        if self.store.revision() == self._snapshot.revision:
            return None
        with self._lock:
            if self._reloading is None or self._reloading.done():
                self._reloading = self._reloader.submit(self.refresh)
                self._reloading.add_done_callback(_log_failure)
            return self._reloading

    def refresh(self) -> None:
        """Load the store's current state; questions meanwhile use the snapshot at hand."""
        snapshot = self._load()
        with self._lock:
            self._snapshot = snapshot
            self._checked = time.monotonic()

    def _load(self) -> Snapshot:
        with long_lived():  # millions of objects at 100k chunks (assistant/retrieval/long_lived.py)
            return Snapshot.load(self.store, self.embedder, self.multilingual, self.cache_dir,
                                 self.tool_encoder)

    def search(self, query: str, filters: Filters = Filters(), mode: Mode = "hybrid",
               k: int = CANDIDATES) -> list[Hit]:
        """Chunks for the query, best first, each with its fused score and per-signal ranks."""
        return self.retrieve(query, filters, mode, k).hits

    def retrieve(self, query: str, filters: Filters = Filters(), mode: Mode = "hybrid",
                 k: int = CANDIDATES, lexical_text: str | None = None,
                 translated_text: str | None = None, language: str | None = None,
                 signals: frozenset[str] | None = None,
                 translations: tuple[str, ...] = ()) -> Retrieval:
        """Chunks and tool rankings for the query.

        Args:
            lexical_text: what BM25 scores instead of the query, analysed in `language`.
            translated_text: the query's terms in the embedding model's language, when it
                differs; the English model embeds the query with them appended.
            language: the query's language; it sets the fusion weights (fusion.py)
                and BM25's analysis. None: not known (English weights; English terms and the
                German view, ingest/core/language.py's query_terms).
            signals: which of SIGNALS to use; by default those of `mode`.
            translations: the query's terms in the other language (assistant/query/expand.py);
                BM25 analyses them in that language, the query in its own.
        """
        snapshot = self.snapshot
        mask = snapshot.masks.mask(filters)
        wanted = SIGNALS[mode] if signals is None else signals
        chunk_rankings: dict[str, list[int]] = {}
        chunk_scores: dict[str, dict[int, float]] = {}
        tool_scores: dict[str, np.ndarray] = {}
        where = filters.where(snapshot.masks.any_superseded)
        e5: Future[np.ndarray] | None = None
        if "dense_e5" in wanted and self.tool_encoder is not None \
                and snapshot.tool_vectors_e5 is not None:  # first: it runs beside MiniLM
            e5 = _on_side(self._tool_side, self._tool_side_free, self.tool_encoder.embed_query,
                          query)
        english: Future[np.ndarray] | None = None
        if "dense" in wanted:  # started early, a long step; BM25 runs meanwhile
            foreign = language not in (None, "en") and not self.embedder.multilingual \
                and translated_text
            # One vector per question ranks chunks and tools. An English-only model gets a
            # German question's content words with its glossary translation appended: the
            # English terms carry the meaning, the German words still meet German tool names
            # and guides. Measured on the built-in benchmark (German questions, nDCG@10),
            # against the translation alone: tools 0.738 -> 0.756, passages 0.483 -> 0.557, and
            # as good as embedding the question and the translation apart, for one embedding
            # instead of two. German function words are only noise to that model: dropping
            # them lifted natural-sentence German questions (the follow-up benchmark's
            # conversations, tools nDCG@10 0.697 -> 0.729) and left keyword questions as they
            # were (German 0.767 -> 0.766).
            english = self.embedder.embed_query_soon(
                f"{content_words(query)} {translated_text}" if foreign else query)
        across: Future[_Side] | None = None  # its ranking (with similarities) and tool scores
        if "dense_multilingual" in wanted and self.multilingual is not None:
            across = _on_side(self._side, self._side_free, self._multilingual, snapshot, query,
                              k, where, mask, e5 is None)
        if "bm25" in wanted:
            scores = snapshot.lexical.scores(lexical_text or query, language, translations)
            found = LexicalIndex.top(scores, k, mask)
            chunk_rankings["bm25"] = [i for i, _ in found]
            chunk_scores["bm25"] = dict(found)
            tool_scores["bm25"] = scores[snapshot.tool_positions]
        nearest_similarity = None
        if english is not None:
            vector = english.result()
            nearest = self._nearest(snapshot, vector, k, where, mask, "dense")
            if where is None and mask is None:
                nearest_similarity = nearest[0][1] if nearest else 0.0
            chunk_rankings["dense"] = [p for p, _ in nearest]
            chunk_scores["dense"] = dict(nearest)
            if len(snapshot.tool_positions):
                tool_scores["dense"] = snapshot.tool_vectors @ vector
        if e5 is not None and snapshot.tool_vectors_e5 is not None:
            tool_scores["dense_e5"] = snapshot.tool_vectors_e5 @ e5.result()
        if across is not None:
            side_ranking, side_scores = across.result()
            if side_ranking is not None:
                chunk_rankings["dense_multilingual"] = [p for p, _ in side_ranking]
                chunk_scores["dense_multilingual"] = dict(side_ranking)
            if side_scores is not None:
                tool_scores["dense_multilingual"] = side_scores
        tool_mask = None if mask is None else mask[snapshot.tool_positions]
        weights = fusion_weights(language or "en")
        return Retrieval(
            hits=_fuse(snapshot.chunks, chunk_rankings, chunk_scores, weights, language),
            tool_rankings={signal: _ranked_tools(snapshot, scores, tool_mask, signal == "bm25")
                           for signal, scores in tool_scores.items()},
            language=language or "en",
            tools=snapshot.tools,
            nearest_similarity=nearest_similarity,
        )

    def _multilingual(self, snapshot: Snapshot, query: str, k: int,
                      where: dict[str, Any] | None, mask: np.ndarray | None, tools: bool = True
                      ) -> _Side:
        """The multilingual encoder's chunk ranking (with similarities) and tool scores (None:
        not available, or not `tools`: the tool encoder scores them)."""
        if self.multilingual is None:
            return None, None
        vector = self.multilingual.embed_query(query)
        ranking = self._nearest(snapshot, vector, k, where, mask, "multilingual") \
            if self.store.has_multilingual else None
        scores = snapshot.tool_vectors_multilingual @ vector \
            if tools and snapshot.tool_vectors_multilingual is not None \
            and len(snapshot.tool_positions) else None
        return ranking, scores

    def _nearest(self, snapshot: Snapshot, vector: np.ndarray, k: int,
                 where: dict[str, Any] | None, mask: np.ndarray | None, field: Field
                 ) -> list[tuple[int, float]]:
        """Positions in the snapshot (with cosine similarities) of the k nearest chunks by one
        encoder's vectors, among those the filters (`where` for Chroma, `mask` for the
        snapshot: the same set) allow.

        Chroma applies a filter by first listing every chunk it allows: at 100k chunks a
        language filter or a cost filter (which leaves every passage in) costs 50-80 MB and
        up to half a second, far more than the search. So a filter is first applied here, to
        the n nearest of all chunks: n = k + the chunks it shuts out when they are few, else 2k
        over the share it allows. Once k allowed chunks are among those n, they are the k
        nearest allowed (the n nearest are a prefix of the whole order). When the share near
        the question is lower (an English model's neighbours of a German question are mostly
        English), n grows once to what the share found there needs; past _UNFILTERED_MAX
        Chroma filters after all. (At 100k: unfiltered n=1000 takes 16 ms, n=4000 56 ms, and
        Chroma's filter for German and free 553 ms.)"""
        if where is not None and mask is not None:
            allowed = int(np.count_nonzero(mask))
            shut_out = len(mask) - allowed
            n = k + shut_out if shut_out <= _POST_FILTER_MAX else \
                -(-2 * k * len(mask) // max(allowed, 1))
            for _ in range(2):
                if n > _UNFILTERED_MAX:
                    break
                nearest = self.store.nearest(vector, n, None, field)
                found = ((snapshot.position.get(cid), similarity) for cid, similarity in nearest)
                kept = [(p, sim) for p, sim in found if p is not None and mask[p]]
                if len(kept) >= k or len(nearest) < n:  # enough, or every chunk was seen
                    return kept[:k]
                n = -(-3 * k * n // (2 * max(len(kept), 1)))  # 1.5k over the share found
        nearest = self.store.nearest(vector, k, where, field)
        return [(snapshot.position[cid], similarity) for cid, similarity in nearest
                if cid in snapshot.position]


def _on_side(pool: ThreadPoolExecutor, free: threading.Semaphore, work: Any, *args: Any
             ) -> Future[Any]:
    """`work` on the side thread when no other question uses it, else done now."""
    if free.acquire(blocking=False):
        started = pool.submit(work, *args)
        started.add_done_callback(lambda _: free.release())
        return started
    done: Future[Any] = Future()
    done.set_result(work(*args))
    return done


def _log_failure(reloading: Future[None]) -> None:
    if not reloading.cancelled() and reloading.exception() is not None:
        log.warning("reloading the index failed (answers come from the state loaded before; "
                    "the next check tries again): %s", reloading.exception())


def _tool_vectors(store: Store, embedder: Encoder, tool_chunks: list[Chunk],
                  field: Field = "dense") -> np.ndarray:
    """The tools' stored vectors; embedded afresh when Chroma cannot give them back
    (`Store.stored_vectors`) or the index keeps no vectors of that encoder."""
    stored = None
    if field == "dense" or store.has_multilingual:
        stored = store.stored_vectors([c.chunk_id for c in tool_chunks], field)
    if stored is None:
        return embedder.embed_documents([embedding_text(c) for c in tool_chunks])
    return stored


def _ranked_tools(snapshot: Snapshot, scores: np.ndarray, mask: np.ndarray | None,
                  positive_only: bool) -> list[str]:
    """Tool ids by descending score; lexical scores of zero mean no match and are left out."""
    keep = np.ones(len(scores), dtype=bool) if mask is None else mask.copy()
    if positive_only:
        keep &= scores > 0
    order = np.flatnonzero(keep)
    order = order[np.argsort(-scores[order], kind="stable")]
    chunks = snapshot.chunks
    return [chunks[snapshot.tool_positions[i]].tool_ids[0] for i in order]


def _fuse(chunks: list[Chunk], rankings: dict[str, list[int]],
          signal_scores: dict[str, dict[int, float]] | None = None,
          weights: dict[str, float] | None = None, language: str | None = None) -> list[Hit]:
    """The chunks at the positions the signals found, by their fused score (with the
    document-language prior when the question's language is known)."""
    signal_scores = signal_scores or {}
    # the English model read an English (or unknown) question as it stands: German chunks are
    # out of its reach, the multilingual encoder stands in (fusion.STAND_INS)
    unread = (lambda p: chunks[p].language not in ("", "en")) if language in (None, "en") \
        else None
    scores, ranks = fuse(rankings, weights or {}, CHUNK_RRF_K, signal_scores, unread=unread)
    if language is not None:
        scores = prefer_language(scores, lambda p: chunks[p].language, language, CHUNK_RRF_K)
    order = sorted(scores, key=lambda p: (-scores[p], p))
    return [Hit(chunk=chunks[p], score=scores[p], ranks=ranks[p],
                signal_scores={s: found[p] for s, found in signal_scores.items() if p in found})
            for p in order]
