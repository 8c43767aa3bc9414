"""The tools' stored vectors cached between starts, beside the chunk table (chunk_cache.py).

Reading a few hundred tools' vectors of both encoders back from Chroma took 0.23 s of a
one-shot `toolbox-assistant ask` (issue 21), a quarter of what it does after its imports; one
.npy read takes a millisecond. An entry is keyed like the chunk table's (collection,
generation, revision, the manifest's digest) plus the encoder's field and the tools' chunk ids,
and is checked and published the same way (lexical_cache.verify/publish): a stale or damaged
entry is never used.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from assistant.retrieval.lexical_cache import CacheKey, entry_name, publish, verify

__all__ = ["load", "save"]

log = logging.getLogger(__name__)

_FORMAT = 1
_FILE = "vectors.npy"


def _meta(key: CacheKey, manifest: str, field: str, chunk_ids: list[str]) -> dict[str, object]:
    ids = hashlib.sha256("\n".join(chunk_ids).encode()).hexdigest()
    return {"format": _FORMAT, "collection": key.collection, "generation": key.generation,
            "revision": key.revision, "manifest": manifest, "field": field, "chunk_ids": ids}


def load(key: CacheKey, manifest: str, directory: Path | None, field: str,
         chunk_ids: list[str]) -> np.ndarray | None:
    """The cached vectors of these chunks in this store state; None when there is no entry."""
    if directory is None:
        return None
    meta = _meta(key, manifest, field, chunk_ids)
    entry = directory / entry_name(meta)
    if not entry.is_dir():
        return None
    try:
        verify(entry, meta)
        vectors = np.load(entry / _FILE, allow_pickle=False)
        if vectors.ndim != 2 or len(vectors) != len(chunk_ids):
            raise ValueError(f"{vectors.shape} vectors for {len(chunk_ids)} chunks")
        return vectors
    except (OSError, ValueError, KeyError) as err:
        log.warning("vector cache %s unusable (%s); reading the vectors from the store",
                    entry, err)
        return None


def save(key: CacheKey, manifest: str, directory: Path | None, field: str,
         chunk_ids: list[str], vectors: np.ndarray) -> None:
    """Cache the vectors (best effort: a failure costs the next start the read)."""
    if directory is None:
        return
    meta = _meta(key, manifest, field, chunk_ids)
    try:
        publish(directory, directory / entry_name(meta),
                lambda temp: np.save(temp / _FILE, np.asarray(vectors, dtype=np.float32)), meta)
    except OSError as err:
        log.warning("could not cache the vectors in %s: %s", directory, err)
