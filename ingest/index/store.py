"""The store: one Chroma collection of chunks (the source of truth) and a manifest of sources.

Chroma never embeds for us: every write passes `embeddings=` and every query
`query_embeddings=`. The collection's metadata records how the index was built (both models);
opening it with other settings raises IndexMismatch with the command that fixes it. With a
multilingual encoder, a second collection holds each chunk's vector by that encoder under the
same id, with the metadata filters need (no text: the chunks collection keeps that). The live
collections are those of the generation the pointer names (ingest/index/generations.py); a Store
follows the pointer when `revision()` finds it moved.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ingest.core.errors import IndexMismatch, StoreUnavailable, ToolboxError
from ingest.core.records import Chunk
from ingest.core.settings import Settings
from ingest.embed.protocol import Encoder
from ingest.index.generations import collection_names, live_generation, multilingual_name
from ingest.index.hnsw import HNSW, search_wide
from ingest.index.reconnect import Reconnecting
from ingest.index.remote import Guarded, bound, preflight, unavailable
from ingest.index.storemeta import chunk_from, chunk_metadata

__all__ = ["SCHEMA_VERSION", "Field", "IndexSpec", "index_spec", "SourceRecord", "connect",
           "Store"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_PAGE = 1000

Field = Literal["dense", "multilingual"]  # which encoder's vectors: the chunks' or the second


@dataclass(frozen=True)
class IndexSpec:
    """How an index was built; two specs must be equal to share an index."""

    model: str
    dim: int
    chunk_size: int
    chunk_overlap: int
    schema_version: int = SCHEMA_VERSION
    # The second, cross-lingual encoder; "" when the index has none. An index built before
    # there was one has no such key, which reads as "".
    multilingual_model: str = ""
    multilingual_dim: int = 0




def index_spec(embedder: Encoder, multilingual: Encoder | None, chunk_size: int,
               chunk_overlap: int) -> IndexSpec:
    """The spec of an index embedded by these encoders."""
    return IndexSpec(embedder.identity, embedder.dim, chunk_size, chunk_overlap,
                     multilingual_model=multilingual.identity if multilingual else "",
                     multilingual_dim=multilingual.dim if multilingual else 0)


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
    supersedes: str = ""  # the doc id this document replaces (an earlier edition)
    superseded_by: str = ""  # the doc id of the edition that replaces this one
    reading: int = 0  # the READING_VERSION (ingest/parse/dispatch.py) its chunks were made by

    @property
    def doc_id(self) -> str:
        return self.source_id.split(":", 1)[1]


def connect(settings: Settings) -> Any:
    """A Chroma client: HTTP when TOOLBOX_CHROMA_URL is set, else embedded under the data dir."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url, timeout = urlparse(settings.chroma_url), settings.chroma_timeout
        host, port, ssl = url.hostname or "127.0.0.1", url.port or 8000, url.scheme == "https"
        preflight(f"{'https' if ssl else 'http'}://{host}:{port}", settings.chroma_url, timeout)
        try:
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
        except Exception as err:
            raise unavailable(settings.chroma_url, err, timeout) from None
        bound(client, timeout)  # a server that stops answering -> a timeout, not a hang
        return Guarded(client, settings.chroma_url, timeout)  # lost -> StoreUnavailable
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


class Store(Reconnecting):
    """Chunks with embeddings, and the manifest that says which sources are complete."""

    def __init__(self, client: Any, name: str, spec: IndexSpec | None,
                 generation: int | None = None) -> None:
        """Open (or create) a generation, the live one by default; `spec=None` opens an
        existing one with the spec it was built with (status, reindex)."""
        self.name = name
        self._client = client
        self.follow = generation is None  # a reader follows the pointer; a reindex does not
        self._attach(live_generation(client, name) if generation is None else generation, spec)

    @classmethod
    def open(cls, settings: Settings, spec: IndexSpec) -> Store:
        return cls(connect(settings), settings.collection, spec)

    def _attach(self, generation: int, spec: IndexSpec | None) -> None:
        """Switch to a generation's collections, all checks first (a refused switch changes
        nothing). Without a spec the generation must exist and its own spec is adopted."""
        chunks_name, manifest_name = collection_names(self.name, generation)
        if spec is None:
            try:
                chunks = self._client.get_collection(chunks_name, embedding_function=None)
            except StoreUnavailable:
                raise
            except Exception:
                raise ToolboxError(f"there is no index {self.name!r} yet; build it with "
                                   "`toolbox-assistant ingest PATH...`") from None
            built = chunks.metadata or {}
            spec = IndexSpec(**{k: built[k] for k in asdict(IndexSpec("", 0, 0, 0))
                                if k in built})
        else:
            chunks = self._client.get_or_create_collection(
                chunks_name, embedding_function=None, metadata=asdict(spec),
                configuration={"hnsw": HNSW},
            )
        self._check_spec(spec, chunks.metadata or {})
        # Chroma needs a vector per record; the manifest's is a constant placeholder.
        manifest = self._client.get_or_create_collection(manifest_name, embedding_function=None)
        multilingual = None
        if spec.multilingual_model:
            multilingual = self._client.get_or_create_collection(
                multilingual_name(self.name, generation), embedding_function=None,
                metadata={"model": spec.multilingual_model, "dim": spec.multilingual_dim},
                configuration={"hnsw": HNSW},
            )
        for collection in (chunks, multilingual):
            if collection is not None:
                search_wide(collection)
        self._chunks, self._manifest, self.spec, self.generation = chunks, manifest, spec, \
            generation
        self._multilingual = multilingual

    @property
    def has_multilingual(self) -> bool:
        """Whether chunks have vectors by a multilingual encoder too."""
        return self._multilingual is not None

    def _vectors(self, field: Field) -> Any:
        if field == "dense":
            return self._chunks
        if self._multilingual is None:
            raise ToolboxError(f"the index {self.name!r} has no multilingual vectors; build it "
                               "with TOOLBOX_MULTILINGUAL_MODEL set (`toolbox-assistant reindex`)")
        return self._multilingual

    def _collections(self) -> list[Any]:
        return [c for c in (self._chunks, self._multilingual) if c is not None]

    def _check_spec(self, spec: IndexSpec, metadata: dict[str, Any]) -> None:
        unset = asdict(IndexSpec("", 0, 0, 0))
        built = {k: metadata.get(k, unset[k] if k.startswith("multilingual") else None)
                 for k in asdict(spec)}
        wanted = asdict(spec)
        if built == wanted:
            return
        differences = ", ".join(f"{k} {built[k]!r} (asked for {wanted[k]!r})"
                                for k in wanted if built[k] != wanted[k])
        if all(built[k] == wanted[k] for k in ("chunk_size", "chunk_overlap", "schema_version")):
            fix = ("Re-embed it with `toolbox-assistant reindex` (the current index keeps "
                   "serving until the new one is complete), or set TOOLBOX_EMBED_MODEL and "
                   "TOOLBOX_MULTILINGUAL_MODEL back.")
        else:
            fix = ("Rebuild it with `toolbox-assistant ingest --rebuild PATH...`, or set "
                   "TOOLBOX_CHUNK_SIZE / TOOLBOX_CHUNK_OVERLAP back.")
        raise IndexMismatch(f"the index {self.name!r} was built with {differences}. Mixing "
                            f"would corrupt search results. {fix}")

    # -- writing ---------------------------------------------------------------------------

    def replace_source(self, record: SourceRecord, chunks: Sequence[Chunk],
                       embeddings: np.ndarray, multilingual: np.ndarray | None = None) -> None:
        self.replace_sources([(record, chunks)], embeddings, multilingual)

    def replace_sources(self, sources: Sequence[tuple[SourceRecord, Sequence[Chunk]]],
                        embeddings: np.ndarray, multilingual: np.ndarray | None = None) -> None:
        """Swap each source's chunks for new ones; the manifest entries are written last.

        A crash before the last step leaves these sources without manifest entries, so the
        next ingest sees them as not indexed, sweeps their chunks (in both collections) and
        writes them again; no reader trusts them meanwhile. `embeddings` holds the rows of all
        chunks, in order; `multilingual` the same by the multilingual encoder, required when
        the index has one.
        """
        if (multilingual is None) != (self._multilingual is None):
            raise ValueError(f"the index {self.name!r} "
                             + ("needs" if multilingual is None else "has no place for")
                             + " multilingual vectors")
        source_ids = [record.source_id for record, _ in sources]
        chunks = [chunk for _, source_chunks in sources for chunk in source_chunks]
        self._manifest.delete(ids=source_ids)
        for collection in self._collections():
            collection.delete(where={"source_id": {"$in": source_ids}})
        step = max(1, min(self._client.get_max_batch_size(), 2000))
        for start in range(0, len(chunks), step):
            batch = chunks[start:start + step]
            ids, metadatas = [c.chunk_id for c in batch], [chunk_metadata(c) for c in batch]
            self._chunks.upsert(ids=ids, embeddings=embeddings[start:start + step],
                                documents=[c.text for c in batch], metadatas=metadatas)
            if self._multilingual is not None and multilingual is not None:
                # Mentions are not filtered on, so only the chunks collection keeps them.
                self._multilingual.upsert(ids=ids, embeddings=multilingual[start:start + step],
                                          metadatas=[_without_mentions(m) for m in metadatas])
        self.put_records([record for record, _ in sources])

    def put_records(self, records: Sequence[SourceRecord]) -> None:
        """Write manifest entries (the step that makes their sources visible)."""
        if records:
            self._manifest.upsert(
                ids=[r.source_id for r in records], embeddings=[[0.0]] * len(records),
                documents=[r.path for r in records],
                metadatas=[{"record": json.dumps(asdict(r))} for r in records],
            )
        self._bump_revision()

    def remove_source(self, source_id: str) -> None:
        self._manifest.delete(ids=[source_id])
        for collection in self._collections():
            collection.delete(where={"source_id": source_id})
        self._bump_revision()

    def sweep_orphans(self) -> int:
        """Delete chunks whose source has no manifest entry (left by a crash mid-write), from
        both collections; returns how many chunks (of the chunks collection) went."""
        complete = list(self.manifest())
        where = {"source_id": {"$nin": complete}} if complete else None
        swept = []
        for collection in self._collections():
            orphans = collection.get(where=where, include=[])["ids"]
            for start in range(0, len(orphans), 2000):
                collection.delete(ids=orphans[start:start + 2000])
            swept.append(len(orphans))
        return swept[0]

    def set_superseded(self, record: SourceRecord, by: str) -> SourceRecord:
        """Flag (or unflag) a document's chunks as replaced by the edition `by`."""
        ids = self._chunks.get(where={"source_id": record.source_id}, include=[])["ids"]
        for start in range(0, len(ids), 1000):
            batch = ids[start:start + 1000]
            for collection in self._collections():  # both filter on it
                collection.update(ids=batch, metadatas=[{"superseded": bool(by)}] * len(batch))
        updated = SourceRecord(**{**asdict(record), "superseded_by": by})
        self.put_records([updated])
        return updated

    def update_mentions(self, mentions: dict[str, tuple[str, ...]]) -> None:
        """Set which tools each given chunk mentions, without re-embedding anything."""
        ids = list(mentions)
        for start in range(0, len(ids), 1000):
            batch = ids[start:start + 1000]
            # None deletes the key: Chroma keeps no empty lists.
            self._chunks.update(ids=batch, metadatas=[
                {"tool_ids": list(mentions[i]) or None} for i in batch])
        self._bump_revision()

    def mentions_key(self) -> str:
        """Which tool set the passages' mentions were last computed from."""
        return str((self._chunks.metadata or {}).get("mentions", ""))

    def set_mentions_key(self, key: str) -> None:
        self._bump_revision(mentions=key)

    def _bump_revision(self, **extra: Any) -> None:
        metadata = {**(self._chunks.metadata or {}), **asdict(self.spec),
                    "revision": time.time_ns(), **extra}
        self._chunks.modify(metadata=metadata)
        self._chunks = self._client.get_collection(self._chunks.name, embedding_function=None)

    # -- reading ---------------------------------------------------------------------------

    def revision(self) -> int:
        """Changes whenever a source is written or removed, in this process or another (and
        when a reindex makes another generation live, which this store then follows)."""
        if self.follow:
            live = live_generation(self._client, self.name)
            if live != self.generation:
                self._attach(live, self.spec)
        collection = self._client.get_collection(self._chunks.name, embedding_function=None)
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

    def chunks(self, source_ids: Sequence[str] | None = None) -> Iterator[Chunk]:
        """Every chunk of every complete source (or of the given ones); half-written skipped."""
        complete = set(self.manifest())
        where = {"source_id": {"$in": list(source_ids)}} if source_ids else None
        for batch in self._pages(self._chunks, include=["documents", "metadatas"], where=where):
            for chunk_id, text, meta in zip(batch["ids"], batch["documents"], batch["metadatas"],
                                            strict=True):
                if meta.get("source_id") in complete:
                    yield chunk_from(chunk_id, text, meta)

    def chunk_ids(self, field: Field = "dense") -> list[str]:
        """Ids of every stored chunk (or multilingual vector), orphans included (for checks)."""
        return list(self._vectors(field).get(include=[])["ids"])

    def embeddings(self, chunk_ids: Sequence[str], field: Field = "dense") -> np.ndarray:
        """Stored vectors of the given chunks, in the given order."""
        collection = self._vectors(field)
        if not chunk_ids:
            dim = self.spec.dim if field == "dense" else self.spec.multilingual_dim
            return np.zeros((0, dim), dtype=np.float32)
        found: dict[str, Any] = {}
        for start in range(0, len(chunk_ids), _PAGE):
            batch = collection.get(ids=list(chunk_ids[start:start + _PAGE]),
                                   include=["embeddings"])
            found.update(zip(batch["ids"], batch["embeddings"], strict=True))
        return np.asarray([found[i] for i in chunk_ids], dtype=np.float32)

    def stored_vectors(self, chunk_ids: Sequence[str], field: Field = "dense") -> np.ndarray | None:
        """`embeddings(...)`, or None with a warning when Chroma cannot give them back; callers
        embed again, which is exact. After a kill mid-write Chroma can answer "Error creating
        hnsw segment reader: Nothing found on disk" until its index is flushed (chromadb 1.5).
        StoreUnavailable passes: re-embedding would not help, and a hung server cost 2 waits."""
        try:
            return self.embeddings(chunk_ids, field)
        except StoreUnavailable:
            raise
        except Exception as err:  # chromadb raises its own InternalError (or a chunk is missing)
            log.warning("%s vectors of %d chunks unreadable from the index %r (%s); embedding "
                        "them again", field, len(chunk_ids), self.name, err)
            return None

    def nearest(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None,
                field: Field = "dense") -> list[tuple[str, float]]:
        """The k nearest chunk ids with cosine similarity, best first, by the field's vectors."""
        try:  # k over the count is fine (chromadb 1.x returns what it has): no count() trip
            result = self._vectors(field).query(query_embeddings=[vector], n_results=k,
                                                where=where or None, include=["distances"])
        except StoreUnavailable:
            raise  # asking where the live generation is would wait for the server once more
        except Exception:
            if not self.follow or live_generation(self._client, self.name) == self.generation:
                raise
            self.revision()  # a reindex swapped generations under us: follow and ask again
            return self.nearest(vector, k, where, field)
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0],
                                                          strict=True)]

    @staticmethod
    def _pages(collection: Any, include: list[str],
               where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            batch = collection.get(include=include, limit=_PAGE, offset=offset, where=where)
            if not batch["ids"]:
                return
            yield batch
            offset += len(batch["ids"])

    def close(self) -> None:
        """Release the client's resources (a disposable store's files can then be deleted)."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()


def _without_mentions(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k != "tool_ids"}
