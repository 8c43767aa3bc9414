"""The store: one Chroma collection of chunks (the source of truth) and a manifest of sources.

Chroma never embeds for us: every write passes `embeddings=` and every query
`query_embeddings=`. The collection's metadata records how the index was built; opening it with
other settings raises IndexMismatch with the command that rebuilds it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ingest.errors import IndexMismatch, ToolboxError
from ingest.records import Chunk
from ingest.settings import Settings

SCHEMA_VERSION = 1
_PAGE = 1000
_LIST_FIELDS = ("hazards", "phases", "scale", "languages", "tool_ids")


@dataclass(frozen=True)
class IndexSpec:
    """How an index was built; two specs must be equal to share an index."""

    model: str
    dim: int
    chunk_size: int
    chunk_overlap: int
    schema_version: int = SCHEMA_VERSION


@dataclass(frozen=True)
class SourceRecord:
    """What the manifest knows of one ingested source (a document or a tool file's tool)."""

    source_id: str
    path: str
    content_hash: str
    title: str
    chunks: int
    ingested_at: float
    kind: str = "document"  # or "tool"
    payload: str = ""  # a tool source keeps its validated record here, as JSON


def connect(settings: Settings) -> Any:
    """A Chroma client: HTTP when TOOLBOX_CHROMA_URL is set, else embedded under the data dir."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=url.port or 8000,
                ssl=url.scheme == "https", settings=chroma_settings,
            )
        except Exception as err:
            raise ToolboxError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({err}); "
                "is `chroma run` up?") from None
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


class Store:
    """Chunks with embeddings, and the manifest that says which sources are complete."""

    def __init__(self, client: Any, name: str, spec: IndexSpec) -> None:
        self.spec = spec
        self.name = name
        self._client = client
        self._chunks = client.get_or_create_collection(
            name, embedding_function=None, metadata=_spec_metadata(spec),
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._check_spec(self._chunks.metadata or {})
        # Chroma needs a vector per record; the manifest's is a constant placeholder.
        self._manifest = client.get_or_create_collection(
            f"{name}-manifest", embedding_function=None)

    @classmethod
    def open(cls, settings: Settings, spec: IndexSpec) -> Store:
        return cls(connect(settings), settings.collection, spec)

    def _check_spec(self, metadata: dict[str, Any]) -> None:
        built = {k: metadata.get(k) for k in asdict(self.spec)}
        wanted = asdict(self.spec)
        if built != wanted:
            differences = ", ".join(f"{k} {built[k]!r} (asked for {wanted[k]!r})"
                                    for k in wanted if built[k] != wanted[k])
            raise IndexMismatch(
                f"the index {self.name!r} was built with {differences}. Mixing would corrupt "
                "search results. Rebuild it with `toolbox-assistant ingest --rebuild PATH...`, "
                "or set TOOLBOX_EMBED_MODEL / TOOLBOX_CHUNK_SIZE / TOOLBOX_CHUNK_OVERLAP back."
            )

    # -- writing ---------------------------------------------------------------------------

    def replace_source(self, record: SourceRecord, chunks: Sequence[Chunk],
                       embeddings: np.ndarray) -> None:
        self.replace_sources([(record, chunks)], embeddings)

    def replace_sources(self, sources: Sequence[tuple[SourceRecord, Sequence[Chunk]]],
                        embeddings: np.ndarray) -> None:
        """Swap each source's chunks for new ones; the manifest entries are written last.

        A crash before the last step leaves these sources without manifest entries, so the
        next ingest sees them as not indexed and writes them again; no reader trusts their
        chunks meanwhile. `embeddings` holds the rows of all chunks, in order.
        """
        source_ids = [record.source_id for record, _ in sources]
        chunks = [chunk for _, source_chunks in sources for chunk in source_chunks]
        self._manifest.delete(ids=source_ids)
        self._chunks.delete(where={"source_id": {"$in": source_ids}})
        step = max(1, min(self._client.get_max_batch_size(), 2000))
        for start in range(0, len(chunks), step):
            batch = chunks[start:start + step]
            self._chunks.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=embeddings[start:start + step],
                documents=[c.text for c in batch],
                metadatas=[_chunk_metadata(c) for c in batch],
            )
        self._manifest.upsert(
            ids=source_ids, embeddings=[[0.0]] * len(sources),
            documents=[record.path for record, _ in sources],
            metadatas=[{"record": json.dumps(asdict(record))} for record, _ in sources],
        )
        self._bump_revision()

    def remove_source(self, source_id: str) -> None:
        self._manifest.delete(ids=[source_id])
        self._chunks.delete(where={"source_id": source_id})
        self._bump_revision()

    def update_mentions(self, mentions: dict[str, tuple[str, ...]]) -> None:
        """Set which tools each given chunk mentions, without re-embedding anything."""
        ids = list(mentions)
        step = 1000
        for start in range(0, len(ids), step):
            batch = ids[start:start + step]
            # None deletes the key: Chroma keeps no empty lists.
            self._chunks.update(ids=batch, metadatas=[
                {"tool_ids": list(mentions[i]) or None} for i in batch])
        self._bump_revision()

    def _bump_revision(self) -> None:
        self._chunks.modify(metadata={**_spec_metadata(self.spec), "revision": time.time_ns()})
        self._chunks = self._client.get_collection(self.name, embedding_function=None)

    # -- reading ---------------------------------------------------------------------------

    def revision(self) -> int:
        """Changes whenever a source is written or removed, in this process or another."""
        collection = self._client.get_collection(self.name, embedding_function=None)
        return int((collection.metadata or {}).get("revision", 0))

    def count(self) -> int:
        return int(self._chunks.count())

    def manifest(self) -> dict[str, SourceRecord]:
        records: dict[str, SourceRecord] = {}
        for batch in self._pages(self._manifest, include=["metadatas"]):
            for meta in batch["metadatas"]:
                record = SourceRecord(**json.loads(meta["record"]))
                records[record.source_id] = record
        return records

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk of every complete source (a half-written source is skipped)."""
        complete = set(self.manifest())
        for batch in self._pages(self._chunks, include=["documents", "metadatas"]):
            for chunk_id, text, meta in zip(batch["ids"], batch["documents"], batch["metadatas"],
                                            strict=True):
                if meta.get("source_id") in complete:
                    yield _chunk_from(chunk_id, text, meta)

    def embeddings(self, chunk_ids: Sequence[str]) -> np.ndarray:
        """Stored vectors of the given chunks, in the given order."""
        if not chunk_ids:
            return np.zeros((0, self.spec.dim), dtype=np.float32)
        found: dict[str, Any] = {}
        for start in range(0, len(chunk_ids), _PAGE):
            batch = self._chunks.get(ids=list(chunk_ids[start:start + _PAGE]),
                                     include=["embeddings"])
            found.update(zip(batch["ids"], batch["embeddings"], strict=True))
        return np.asarray([found[i] for i in chunk_ids], dtype=np.float32)

    def nearest(self, vector: np.ndarray, k: int,
                where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The k nearest chunk ids with cosine similarity, best first."""
        total = self.count()
        if total == 0:
            return []
        result = self._chunks.query(
            query_embeddings=[vector], n_results=min(k, total), where=where or None,
            include=["distances"],
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0],
                                                          strict=True)]

    @staticmethod
    def _pages(collection: Any, include: list[str]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            batch = collection.get(include=include, limit=_PAGE, offset=offset)
            if not batch["ids"]:
                return
            yield batch
            offset += len(batch["ids"])

    def close(self) -> None:
        """Release the client's resources (a disposable store's files can then be deleted)."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    def drop(self) -> None:
        """Delete the whole index (used by --rebuild)."""
        for name in (self.name, f"{self.name}-manifest"):
            try:
                self._client.delete_collection(name)
            except Exception:  # already gone
                continue


def _spec_metadata(spec: IndexSpec) -> dict[str, Any]:
    return asdict(spec)


def _chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "kind": chunk.kind, "source_id": chunk.source_id, "doc_id": chunk.doc_id,
        "title": chunk.title, "section": chunk.section, "page_start": chunk.page_start,
        "page_end": chunk.page_end, "tool_kind": chunk.tool_kind, "cost": chunk.cost,
    }
    lists = {
        "hazards": chunk.hazards, "phases": chunk.phases, "scale": chunk.scale,
        "languages": tuple(x for x in chunk.language.split(",") if x), "tool_ids": chunk.tool_ids,
    }
    # Chroma refuses empty lists: an absent key means "none".
    meta.update({k: list(v) for k, v in lists.items() if v})
    return meta


def _chunk_from(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id, kind=meta["kind"], source_id=meta["source_id"], doc_id=meta["doc_id"],
        title=meta["title"], text=text, page_start=int(meta["page_start"]),
        page_end=int(meta["page_end"]), section=meta.get("section", ""),
        language=",".join(meta.get("languages", ())), hazards=tuple(meta.get("hazards", ())),
        phases=tuple(meta.get("phases", ())), scale=tuple(meta.get("scale", ())),
        tool_kind=meta.get("tool_kind", ""), cost=meta.get("cost", ""),
        tool_ids=tuple(meta.get("tool_ids", ())),
    )
