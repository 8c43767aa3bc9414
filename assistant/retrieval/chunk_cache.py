"""The chunk table kept on disk between starts: a derived cache, never the only copy.

Reading 100k chunks with their metadata back from Chroma takes about 19 s here (chromadb's own
`get`, whatever the page size), the largest part of a start once BM25 comes from its cache
(lexical_cache.py). The chunks of a store state never change: every write moves the
revision (a fresh `time.time_ns()`), a reindex moves the generation. So the table is saved
under its collection, generation and revision and taken from there while the store still
reports exactly those; it is saved only when the revision read after the chunks equals the one
read before (no write slipped in between), and taken only while the manifest (which sources
are complete) is the same too: a write that crashed before moving the revision has already
removed its sources' manifest entries, so what the store serves then differs from the cache
taken at that revision before the write began. Entries are checksummed and written whole into a
temporary directory, then renamed into place (the same `publish` as the BM25 cache); anything
missing, stale or unreadable is read from the store again.

Memory: one JSON line per chunk, read line by line (a single JSON array had to be parsed whole:
at 100k chunks the peak was 230 MB above what the table keeps), and the values chunks of one
document repeat (ids, title, section, language, tags) are shared instead of copied per chunk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from pathlib import Path

import orjson

from assistant.retrieval.lexical_cache import CacheKey, entry_name, publish, verify
from ingest.core.records import Chunk
from ingest.index.store import SourceRecord

__all__ = ["manifest_digest", "load", "save"]

log = logging.getLogger(__name__)

_FILE = "chunks.jsonl"
_FORMAT = 2
_FIELDS = [f.name for f in dataclasses.fields(Chunk)]
_TUPLES = [i for i, f in enumerate(dataclasses.fields(Chunk)) if isinstance(f.default, tuple)]
# Values the chunks of one source repeat; each distinct one is kept once.
_SHARED = [i for i, name in enumerate(_FIELDS)
           if name not in ("chunk_id", "text", "page_start", "page_end", "superseded")]


def manifest_digest(manifest: dict[str, SourceRecord]) -> str:
    """Identifies the set of complete sources as the store's manifest records them."""
    records = [dataclasses.asdict(record)
               for record in sorted(manifest.values(), key=lambda r: r.source_id)]
    return hashlib.sha256(json.dumps(records, sort_keys=True).encode()).hexdigest()


def _meta(key: CacheKey, manifest: str) -> dict[str, object]:
    return {"format": _FORMAT, "fields": _FIELDS, "collection": key.collection,
            "generation": key.generation, "revision": key.revision, "manifest": manifest}


def load(key: CacheKey, manifest: str, directory: Path | None) -> list[Chunk] | None:
    """The cached chunks of exactly this store state (`manifest`: `manifest_digest` of the
    store's manifest); None when there is no usable entry."""
    if directory is None:
        return None
    meta = _meta(key, manifest)
    entry = directory / entry_name(meta)
    if not entry.is_dir():
        return None
    try:
        verify(entry, meta)
        chunks = []
        shared: dict[object, object] = {}
        with (entry / _FILE).open("rb") as lines:
            for line in lines:
                row = orjson.loads(line)
                if len(row) != len(_FIELDS):
                    raise ValueError(f"a row of {len(row)} fields, not {len(_FIELDS)}")
                for i in _TUPLES:
                    row[i] = tuple(row[i])
                for i in _SHARED:
                    row[i] = shared.setdefault(row[i], row[i])
                chunks.append(Chunk(*row))
        return chunks
    except (OSError, ValueError, KeyError, TypeError) as err:  # orjson's error is a ValueError
        log.warning("chunk cache %s unusable (%s); reading the chunks from the store", entry, err)
        return None


def save(key: CacheKey, manifest: str, directory: Path | None, chunks: list[Chunk]) -> None:
    """Cache the chunks of this store state (best effort: a failure costs the next start)."""
    if directory is None:
        return
    meta = _meta(key, manifest)

    def fill(temp: Path) -> None:
        with (temp / _FILE).open("wb") as out:
            for chunk in chunks:
                out.write(orjson.dumps([getattr(chunk, name) for name in _FIELDS]))
                out.write(b"\n")

    try:
        publish(directory, directory / entry_name(meta), fill, meta)
    except OSError as err:
        log.warning("could not cache the chunks in %s: %s", directory, err)
