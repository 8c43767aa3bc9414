"""Embed chunks in groups across sources and write each group with its manifest entries last.

Grouping fills the embedder's batches (many small tool records and short documents). A full
group is embedded and written by one background thread while the caller goes on reading and
chunking the next files (pypdf is pure Python; torch releases the GIL while it computes), so
ingest costs little more than embedding alone. With a multilingual encoder each step is embedded
by both, one after the other (each already keeps both cores busy). One group in flight and one
filling keep memory flat over large folders, and an interrupted run loses at most those two.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ingest.chunk.split import embedding_text
from ingest.core.diskfull import check_space
from ingest.core.progress import ProgressCallback, ProgressEvent, no_progress
from ingest.core.records import Chunk
from ingest.embed.protocol import Encoder
from ingest.embed.sentence_transformer import Embedder
from ingest.index.store import Field, IndexSpec, SourceRecord, Store

__all__ = ["GROUP", "Group", "Writer", "carried_fields"]

log = logging.getLogger(__name__)

GROUP = 256  # chunks per group: small enough to overlap reading with embedding
_STEP = 128  # chunks per embedding call, so progress moves within a group
_POLL_SECONDS = 0.5

Group = list[tuple[SourceRecord, Sequence[Chunk]]]


def carried_fields(old: IndexSpec, new: IndexSpec) -> frozenset[Field]:
    """The fields whose vectors `new` may copy from `old` by chunk id: same encoder and
    dimension, and the same chunking (a chunk id names the same text only then)."""
    if (old.chunk_size, old.chunk_overlap) != (new.chunk_size, new.chunk_overlap):
        return frozenset()
    same: dict[Field, bool] = {
        "dense": (old.model, old.dim) == (new.model, new.dim),
        "multilingual": bool(new.multilingual_model) and (
            old.multilingual_model, old.multilingual_dim) == (
            new.multilingual_model, new.multilingual_dim),
    }
    return frozenset(field for field, kept in same.items() if kept)


class Writer:
    """Progress events are sent from the caller's thread only (UI callbacks may need that)."""

    def __init__(self, store: Store, embedder: Embedder,
                 progress: ProgressCallback = no_progress, group: int = GROUP,
                 space_dir: Path | None = None, multilingual: Encoder | None = None,
                 carry: Store | None = None,
                 doing: str = "the ingest") -> None:
        """Args:
            space_dir: the disk the store writes to, checked before each group (None: remote).
            doing: what a full disk stops, as its message says ("the ingest").
            multilingual: the second encoder (ingest/embed/multilingual.py); the store must
                have a place for its vectors exactly when it is given.
            carry: a store whose vectors are copied by chunk id instead of computed, for the
                fields it embedded alike (`carried_fields`: reindex to another model, a test
                index copied from the session's).
        """
        self.store = store
        self.space_dir, self.doing = space_dir, doing
        self.embedder = embedder
        self.multilingual = multilingual
        self.carry = carry
        self.carried = frozenset() if carry is None else carried_fields(carry.spec, store.spec)
        self.progress = progress
        self.group = group
        self._pending: Group = []
        self._inflight: Future[None] | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toolbox-writer")
        self._lock = threading.Lock()
        self.queued = 0
        self.expected = 0  # chunks known to come, when the caller knows (reindex)
        self.embedded = 0
        self._paths: dict[str, str] = {}  # source id -> file, of every source added
        self._committed: set[str] = set()  # source ids whose manifest entry is written

    def add(self, record: SourceRecord, chunks: Sequence[Chunk]) -> None:
        self._pending.append((record, chunks))
        self._paths[record.source_id] = record.path
        self.queued += len(chunks)
        if sum(len(c) for _, c in self._pending) >= self.group:
            self._submit()

    def flush(self) -> None:
        """Write everything added so far; returns when it is in the store."""
        self._submit()
        self._wait()

    def uncommitted_paths(self) -> set[str]:
        """Files with a source added but not (yet) written, e.g. when the store went away."""
        with self._lock:
            return {p for sid, p in self._paths.items() if sid not in self._committed}

    def close(self) -> None:
        try:
            self._wait()
        finally:
            self._worker.shutdown(wait=True)

    def _submit(self) -> None:
        if not self._pending:
            return
        group, self._pending = self._pending, []
        self._wait()  # keeps groups in order, and one in flight
        self._inflight = self._worker.submit(self._write, group)

    def _wait(self) -> None:
        future, self._inflight = self._inflight, None
        if future is None:
            return
        while True:
            try:
                future.result(timeout=_POLL_SECONDS)
                break
            except TimeoutError:
                self._report()
        self._report()

    def _report(self) -> None:
        with self._lock:
            done = self.embedded
        self.progress(ProgressEvent("chunks", done, max(self.queued, self.expected)))

    def _write(self, group: Group) -> None:
        chunks = [c for _, source_chunks in group for c in source_chunks]
        texts = [embedding_text(c) for c in chunks]
        parts, across = [], []
        for start in range(0, len(texts), _STEP):
            step = slice(start, start + _STEP)
            parts.append(self._embed("dense", self.embedder, chunks[step], texts[step]))
            if self.multilingual is not None:
                across.append(self._embed("multilingual", self.multilingual, chunks[step],
                                          texts[step]))
            with self._lock:
                self.embedded += len(parts[-1])
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.embedder.dim), "f4")
        multilingual = None
        if self.multilingual is not None:
            multilingual = np.concatenate(across) if across else \
                np.zeros((0, self.multilingual.dim), "f4")
        check_space(self.space_dir, sum(len(c.text.encode()) for _, cs in group for c in cs),
                    vectors.nbytes + (0 if multilingual is None else multilingual.nbytes),
                    self.doing)
        log.info("writing %d sources (%d chunks)", len(group), len(texts))
        self.store.replace_sources(group, vectors, multilingual)
        with self._lock:
            self._committed.update(r.source_id for r, _ in group)
        log.info("committed %d sources: %s", len(group), ", ".join(r.source_id for r, _ in group))

    def _embed(self, field: Field, encoder: Encoder, chunks: list[Chunk],
               texts: list[str]) -> np.ndarray:
        if self.carry is not None and field in self.carried:
            carried = self.carry.stored_vectors([c.chunk_id for c in chunks], field)
            if carried is not None:  # None: unreadable (Store.stored_vectors), so computed
                return carried
        return np.asarray(encoder.embed_documents(texts), dtype=np.float32)
