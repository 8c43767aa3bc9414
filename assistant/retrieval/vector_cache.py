"""The tools' stored vectors cached between starts, beside the chunk table (chunk_cache.py).

Reading a few hundred tools' vectors of both encoders back from Chroma took 0.23 s of a
one-shot `toolbox-assistant ask` (issue 21), a quarter of what it does after its imports; one
.npy read takes a millisecond. An entry is keyed like the chunk table's (collection,
generation, revision, the manifest's digest) plus the encoder's field and the tools' chunk ids,
and is checked and published the same way (lexical_cache.verify/publish): a stale or damaged
entry is never used.

The tool encoder's vectors (ingest/embed/tool_encoder.py) are in no store; they are cached by
content instead (`embedded`): the hash of a text and the encoder's identity give its vector, in
this process and in one .npy file per text under the cache folder. A tool whose text did not
change is never embedded again, whatever the store's state (an ingest elsewhere, a copy of the
index, a reindex): e5 embeds about 2 tools a second here, 152 tools cost over a minute.
The shipped tools' vectors come with the corpus (corpus/tool_vectors.npz, written by
corpus/build_tool_vectors.py) and `seed` copies them into a new cache, so a first start embeds
only the tools an editor changed or added since.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

import numpy as np

from assistant.retrieval.lexical_cache import CacheKey, entry_name, publish, verify
from ingest.core import npy
from ingest.embed.protocol import Encoder

__all__ = ["SEED", "TEXT_VECTORS", "load", "save", "embedded", "seed", "write_seed"]

log = logging.getLogger(__name__)

SEED = "tool_vectors.npz"  # in the corpus folder
TEXT_VECTORS = "text-vectors"  # the content cache's folder in the data dir's cache
_FORMAT = 1
_FILE = "vectors.npy"
_MEMO_MAX = 50_000  # vectors kept in the process (384 floats each: about 75 MB at most)
_memo: dict[tuple[str, str], np.ndarray] = {}
_memo_lock = threading.Lock()


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
        vectors = npy.load(entry / _FILE)
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


def embedded(encoder: Encoder, texts: list[str], directory: Path | None) -> np.ndarray:
    """The encoder's vectors of the texts, row for row: from this process's memo, else the
    content cache in `directory` (None: none on disk), else embedded now; kept in both (a
    vector the memo had goes to a new data dir's cache too, for the next process)."""
    identity = encoder.identity
    hashes = [_text_key(t) for t in texts]
    keys = list(dict.fromkeys(hashes))
    with _memo_lock:
        found = {k: _memo[(identity, k)] for k in keys if (identity, k) in _memo}
    on_disk: set[str] = set()
    if directory is not None:
        folder = _folder(directory, identity)
        on_disk = {k for k in keys if (folder / f"{k}.npy").is_file()}
        found.update(_read(directory, identity, [k for k in on_disk if k not in found]))
    missing = [k for k in keys if k not in found]
    if missing:
        text_of = dict(zip(hashes, texts, strict=True))
        log.info("embedding %d texts with %s", len(missing), identity)
        vectors = encoder.embed_documents([text_of[k] for k in missing])
        found.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
    if directory is not None and len(on_disk) < len(keys):
        _write(directory, identity, {k: found[k] for k in keys if k not in on_disk})
    with _memo_lock:
        if len(_memo) + len(found) > _MEMO_MAX:
            _memo.clear()
        _memo.update(((identity, k), v) for k, v in found.items())
    return np.stack([found[h] for h in hashes]) if hashes else np.zeros((0, 0), np.float32)


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write_seed(path: Path, identity: str, texts: list[str], vectors: np.ndarray) -> None:
    """The vectors of `texts` by the encoder `identity`, as `seed` reads them."""
    np.savez(path, identity=np.array(identity), keys=np.array([_text_key(t) for t in texts]),
             vectors=np.asarray(vectors, dtype=np.float32))


def seed(source: Path, identity: str, directory: Path | None) -> int:
    """Copy the vectors of `source` (`write_seed`'s file) into the content cache in `directory`
    when they are this encoder's and its folder there does not exist yet (a cache in use is
    never touched). Returns how many were copied; an unusable file is only a warning."""
    if directory is None or not source.is_file() or _folder(directory, identity).exists():
        return 0
    try:
        arrays = npy.load_arrays(source)
        if str(arrays["identity"]) != identity:
            return 0
        keys, vectors = arrays["keys"], arrays["vectors"]
        if vectors.ndim != 2 or len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys for vectors of shape {vectors.shape}")
    except (OSError, ValueError, KeyError) as err:
        log.warning("%s: unusable (%s); the tools will be embedded instead", source, err)
        return 0
    _write(directory, identity, {str(k): v for k, v in zip(keys, vectors, strict=True)})
    return len(keys)


def _folder(directory: Path, identity: str) -> Path:
    return directory / hashlib.sha256(identity.encode()).hexdigest()[:16]


def _read(directory: Path, identity: str, keys: list[str]) -> dict[str, np.ndarray]:
    """What the content cache holds of these texts (a damaged file is a miss)."""
    folder, out = _folder(directory, identity), {}
    for key in keys:
        path = folder / f"{key}.npy"
        if not path.is_file():
            continue
        try:
            vector = npy.load(path)
        except (OSError, ValueError) as err:
            log.warning("text vector %s unusable (%s); embedding again", path, err)
            continue
        if vector.ndim == 1:
            out[key] = vector
    return out


def _write(directory: Path, identity: str, vectors: dict[str, np.ndarray]) -> None:
    """One small file per text, written whole and renamed into place: readers in other
    processes see a vector or none (best effort: a failure costs a later start the embedding)."""
    folder = _folder(directory, identity)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for key, vector in vectors.items():
            temp = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.npy"
            np.save(temp, vector)
            os.replace(temp, folder / f"{key}.npy")
    except OSError as err:
        log.warning("could not cache the text vectors in %s: %s", folder, err)
