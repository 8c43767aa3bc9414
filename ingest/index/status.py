"""What the knowledge base holds: documents, tools, chunk counts, model, when each was ingested."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ingest.index.store import SourceRecord, Store

__all__ = ["SourceStatus", "IndexStatus"]


@dataclass(frozen=True)
class SourceStatus:
    id: str
    kind: str  # document | tool
    title: str
    path: str
    chunks: int
    ingested_at: str  # ISO 8601, UTC
    supersedes: str = ""
    superseded_by: str = ""

    @classmethod
    def of(cls, record: SourceRecord) -> SourceStatus:
        when = datetime.fromtimestamp(record.ingested_at, tz=UTC)
        return cls(record.doc_id, record.kind, record.title, record.path, record.chunks,
                   when.isoformat(timespec="seconds"), record.supersedes, record.superseded_by)


@dataclass(frozen=True)
class IndexStatus:
    collection: str
    generation: int
    model: str
    dim: int
    chunk_size: int
    chunk_overlap: int
    chunks: int
    documents: tuple[SourceStatus, ...]
    tools: tuple[SourceStatus, ...]
    multilingual_model: str = ""  # the second encoder, "" when the index has none

    @classmethod
    def of(cls, store: Store) -> IndexStatus:
        store.revision()  # follow a reindex that finished meanwhile
        records = sorted(store.manifest().values(), key=lambda r: (r.kind, r.doc_id))
        sources = [SourceStatus.of(r) for r in records]
        return cls(store.name, store.generation, store.spec.model, store.spec.dim,
                   store.spec.chunk_size, store.spec.chunk_overlap, store.count(),
                   tuple(s for s in sources if s.kind == "document"),
                   tuple(s for s in sources if s.kind == "tool"), store.spec.multilingual_model)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        superseded = sum(bool(d.superseded_by) for d in self.documents)
        second = f" and {self.multilingual_model}" if self.multilingual_model else ""
        return (f"{len(self.documents)} documents ({superseded} superseded), {len(self.tools)} "
                f"tools, {self.chunks} chunks; model {self.model} ({self.dim} dimensions)"
                f"{second}, chunks of {self.chunk_size} characters; collection "
                f"{self.collection} generation {self.generation}")
