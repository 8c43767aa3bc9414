"""The BM25 index kept on disk between starts: a derived cache, never the only copy.

Stemming every chunk is most of a cold start (about 40 of 55 s at 100k chunks), and the result
only changes when the chunks or the analyzer do. So the built index is saved under the data dir
and loaded memory-mapped the next time, when, and only when, it was built

- from the same collection and generation of the store at the same revision,
- by the same analyzer (a fingerprint of the code that turns text into terms and of the compound
  splitter's word lists, so a change to ingest/core/language.py, compounds.py, their word lists or
  lexical.py retires old caches without anyone bumping a number),
- from exactly the same chunks in the same order (a digest of ids and indexed text: positions
  in the index are positions in the chunk list, and the revision alone is read a moment before
  the chunks are, so a write in between would otherwise slip through),

and when its files are intact (sizes and SHA-256 recorded when written). Anything else (missing,
stale, unreadable, corrupt) is rebuilt from the store and written anew. Each entry is written
into a temporary directory and renamed into place, so a crash or a second app instance writing
at the same moment never leaves a half-written entry that a reader would take: a reader sees a
whole entry or none. In server mode each app instance keeps its own cache in its own data dir.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from assistant.retrieval import lexical, proximity
from assistant.retrieval.lexical import LexicalIndex
from ingest.chunk.split import embedding_text
from ingest.core import compounds
from ingest.core import language as text
from ingest.core.records import Chunk

__all__ = ["CacheKey", "analyzer_fingerprint", "chunks_digest", "load_or_build", "entry_name",
           "verify", "publish"]

log = logging.getLogger(__name__)

_META = "meta.json"
# the layout of an entry; bump it when this module writes something else (2: the parts index
# of German compounds in a folder of the entry, lexical.PARTS_DIRECTORY; 3: the chunks' stems in
# order, lexical.SEQUENCES_DIRECTORY)
_FORMAT = 3
_STALE_TEMP_SECONDS = 3600.0  # a writer's temporary directory older than this was abandoned


@dataclass(frozen=True)
class CacheKey:
    """Which store state an index was built from: collection, generation and revision."""

    collection: str
    generation: int
    revision: int


def analyzer_fingerprint() -> str:
    """Changes when the terms an index holds could change: our analysis code or its libraries."""
    digest = hashlib.sha256()
    for module in (text, compounds, lexical, proximity):
        digest.update(Path(module.__file__ or "").read_bytes())
    # the compound splitter's word lists: a new word can split words it did not split before
    for word_list in (compounds.VOCABULARY_FILE, text.GLOSSARY_FILE):
        digest.update(word_list.read_bytes() if word_list.is_file() else b"-")
    digest.update(f"splitting={compounds.SPLITTING}".encode())
    for package in ("PyStemmer", "bm25s"):
        digest.update(f"{package}={metadata.version(package)}".encode())
    return digest.hexdigest()


def chunks_digest(chunks: list[Chunk]) -> str:
    """Identifies the indexed content: every chunk's id, indexed text and the language its terms
    fall back to (assistant/retrieval/lexical.py's chunk_terms), in order."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.chunk_id.encode())
        digest.update(b"\0")
        digest.update(embedding_text(chunk).encode())
        digest.update(b"\0")
        digest.update(f"{chunk.kind}:{chunk.language}".encode())
        digest.update(b"\1")
    return digest.hexdigest()


def load_or_build(chunks: list[Chunk], key: CacheKey, directory: Path | None) -> LexicalIndex:
    """The lexical index of the chunks: from the cache when it holds this very index, else
    built and (best effort: a full disk costs the next start time, not this answer) cached.
    `directory=None` turns the cache off."""
    if directory is None:
        return LexicalIndex(chunks)
    started = time.perf_counter()
    meta = {"format": _FORMAT, "collection": key.collection, "generation": key.generation,
            "revision": key.revision, "analyzer": analyzer_fingerprint(),
            "chunks": len(chunks), "digest": chunks_digest(chunks)}
    entry = directory / entry_name(meta)
    if entry.is_dir():
        try:
            index = _read(entry, chunks, meta)
            log.info("lexical index of %d chunks loaded from %s in %.2f s", len(chunks), entry,
                     time.perf_counter() - started)
            return index
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("lexical cache %s unusable (%s); rebuilding it", entry, err)
    index = LexicalIndex(chunks)
    try:
        publish(directory, entry, index.save, meta)
    except OSError as err:
        log.warning("could not cache the lexical index in %s: %s", directory, err)
    return index


def entry_name(meta: dict[str, object]) -> str:
    """One directory per store state; readable prefix, so old entries of a collection are found."""
    key = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:24]
    return f"{_safe(str(meta['collection']))}-{key}"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_." else "_" for c in name)


def _read(entry: Path, chunks: list[Chunk], meta: dict[str, object]) -> LexicalIndex:
    verify(entry, meta)
    return LexicalIndex.load(chunks, entry)


def verify(entry: Path, meta: dict[str, object]) -> None:
    """Raise ValueError unless the entry was written whole for exactly `meta`."""
    recorded = json.loads((entry / _META).read_text(encoding="utf-8"))
    files: dict[str, dict[str, object]] = recorded.pop("files")
    if recorded != meta:
        raise ValueError("built from another state of the store")
    present = set(_files(entry)) - {_META}
    if present != set(files):
        raise ValueError(f"files {sorted(present)} instead of {sorted(files)}")
    for name, facts in files.items():
        path = entry / name
        if path.stat().st_size != facts["size"] or _sha256(path) != facts["sha256"]:
            raise ValueError(f"{name} changed since it was written")


def publish(directory: Path, entry: Path, fill: Callable[[Path], None],
            meta: dict[str, object]) -> None:
    """Have `fill` write the entry's files into a temporary directory, record their checksums,
    then rename it into place: readers see the whole entry or none."""
    directory.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory))
    try:
        fill(temp)
        files = {name: {"size": (temp / name).stat().st_size, "sha256": _sha256(temp / name)}
                 for name in sorted(_files(temp))}
        (temp / _META).write_text(json.dumps({**meta, "files": files}, indent=1),
                                  encoding="utf-8")
        for name in _files(temp):  # on disk before the rename makes the entry visible
            with (temp / name).open("rb") as handle:
                os.fsync(handle.fileno())
        if entry.exists():  # an unusable entry, or a twin another instance just wrote
            shutil.rmtree(entry, ignore_errors=True)
        try:
            temp.rename(entry)
        except OSError:
            if not entry.is_dir():  # else another instance renamed the same entry first
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    _sweep(directory, keep=entry)


def _sweep(directory: Path, keep: Path) -> None:
    """Remove the collection's older entries and abandoned temporary directories.

    An instance still reading an entry loses nothing: its memory maps outlive the unlink, and a
    read that fails halfway falls back to building the index.
    """
    prefix = keep.name.rsplit("-", 1)[0] + "-"
    now = time.time()
    for path in directory.iterdir():
        try:
            if path.name.startswith(".tmp-"):
                if now - path.stat().st_mtime > _STALE_TEMP_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
            elif path != keep and path.name.startswith(prefix) and \
                    path.name.rsplit("-", 1)[0] + "-" == prefix:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def _files(directory: Path) -> list[str]:
    """The entry's files, folders walked, as paths relative to it."""
    return [p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
