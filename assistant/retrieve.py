"""Hybrid retrieval: dense k-NN in Chroma and BM25 over the same chunks, fused by reciprocal rank.

The in-memory side (chunk table, BM25, filter masks, tool records) is a snapshot of the store,
rebuilt when the store's revision moves, so several app instances on one Chroma server agree.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Literal

from assistant.filters import FilterMasks, Filters
from ingest.embed import Embedder
from ingest.lexical import LexicalIndex
from ingest.records import Chunk, Hit, Tool
from ingest.store import Store

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "bm25", "dense"]
RRF_K = 60
CANDIDATES = 100
_REVISION_CHECK_SECONDS = 2.0


@dataclass(frozen=True)
class Snapshot:
    """Everything the read side keeps in memory, derived from one revision of the store."""

    revision: int
    chunks: list[Chunk]
    position: dict[str, int]
    lexical: LexicalIndex
    masks: FilterMasks
    tools: dict[str, Tool]

    @classmethod
    def load(cls, store: Store) -> Snapshot:
        started = time.perf_counter()
        revision = store.revision()
        manifest = store.manifest()
        chunks = list(store.chunks())
        tools = {t.id: t for t in (Tool.model_validate_json(r.payload)
                                   for r in manifest.values() if r.kind == "tool")}
        snapshot = cls(
            revision=revision, chunks=chunks,
            position={c.chunk_id: i for i, c in enumerate(chunks)},
            lexical=LexicalIndex(chunks), masks=FilterMasks(chunks), tools=tools,
        )
        log.info("loaded %d chunks, %d tools in %.2f s", len(chunks), len(tools),
                 time.perf_counter() - started)
        return snapshot


class Retriever:
    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._lock = threading.Lock()
        self._snapshot = Snapshot.load(store)
        self._checked = time.monotonic()

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot, reloaded first if the store changed since it was taken."""
        now = time.monotonic()
        if now - self._checked >= _REVISION_CHECK_SECONDS:
            with self._lock:
                if now - self._checked >= _REVISION_CHECK_SECONDS:
                    self._checked = now
                    if self.store.revision() != self._snapshot.revision:
                        self._snapshot = Snapshot.load(self.store)
        return self._snapshot

    def refresh(self) -> None:
        with self._lock:
            self._snapshot = Snapshot.load(self.store)
            self._checked = time.monotonic()

    def search(self, query: str, filters: Filters = Filters(), mode: Mode = "hybrid",
               k: int = CANDIDATES) -> list[Hit]:
        """Chunks for the query, best first, each with its fused score and per-signal ranks."""
        snapshot = self.snapshot
        rankings: dict[str, list[int]] = {}
        if mode in ("hybrid", "bm25"):
            mask = snapshot.masks.mask(filters)
            rankings["bm25"] = [i for i, _ in snapshot.lexical.search(query, k, mask)]
        if mode in ("hybrid", "dense"):
            vector = self.embedder.embed_query(query)
            nearest = self.store.nearest(vector, k, filters.where(snapshot.masks.any_superseded))
            rankings["dense"] = [snapshot.position[cid] for cid, _ in nearest
                                 if cid in snapshot.position]
        return _fuse(snapshot.chunks, rankings)


def _fuse(chunks: list[Chunk], rankings: dict[str, list[int]]) -> list[Hit]:
    """Reciprocal rank fusion: robust to the signals' incomparable score scales."""
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for signal, positions in rankings.items():
        for rank, position in enumerate(positions, start=1):
            scores[position] = scores.get(position, 0.0) + 1.0 / (RRF_K + rank)
            ranks.setdefault(position, {})[signal] = rank
    order = sorted(scores, key=lambda p: (-scores[p], p))
    return [Hit(chunk=chunks[p], score=scores[p], ranks=ranks[p]) for p in order]
