"""Embed chunks in groups across sources and write each group with its manifest entries last.

Grouping fills the embedder's batches (many small tool records and short documents); writing
as soon as a group is full keeps memory flat over large folders and makes an interrupted run
lose at most one group.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from ingest.chunk import embedding_text
from ingest.embed import Embedder
from ingest.progress import ProgressCallback, ProgressEvent, no_progress
from ingest.records import Chunk
from ingest.store import SourceRecord, Store

log = logging.getLogger(__name__)

GROUP = 1024  # chunks embedded together (length-sorted batches pad less) before writing
_STEP = 256  # chunks per embedding call, so progress moves within a group


class Writer:
    def __init__(self, store: Store, embedder: Embedder,
                 progress: ProgressCallback = no_progress, group: int = GROUP) -> None:
        self.store = store
        self.embedder = embedder
        self.progress = progress
        self.group = group
        self._pending: list[tuple[SourceRecord, Sequence[Chunk]]] = []
        self.queued = 0
        self.expected = 0  # chunks known to come, when the caller knows (reindex)
        self.written = 0

    def add(self, record: SourceRecord, chunks: Sequence[Chunk]) -> None:
        self._pending.append((record, chunks))
        self.queued += len(chunks)
        if sum(len(c) for _, c in self._pending) >= self.group:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        group, self._pending = self._pending, []
        texts = [embedding_text(c) for _, chunks in group for c in chunks]
        parts = []
        for start in range(0, len(texts), _STEP):
            parts.append(self.embedder.embed_documents(texts[start:start + _STEP]))
            done = self.written + min(start + _STEP, len(texts))
            self.progress(ProgressEvent("chunks", done, max(self.queued, self.expected)))
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.embedder.dim), "f4")
        log.info("writing %d sources (%d chunks)", len(group), len(texts))
        self.store.replace_sources(group, vectors)
        self.written += len(texts)
        log.info("committed %d sources: %s", len(group), ", ".join(r.source_id for r, _ in group))
