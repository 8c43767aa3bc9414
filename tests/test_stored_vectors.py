"""Stored vectors Chroma cannot give back: `Store.stored_vectors` says so (None, one warning) and
both callers (the read side's tool vectors, the writer's carried vectors) embed them again."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.retrieval.hybrid import _tool_vectors
from ingest.chunk.split import embedding_text
from ingest.core.errors import StoreUnavailable
from ingest.core.records import Chunk
from ingest.core.settings import Settings
from ingest.index.store import IndexSpec, SourceRecord, Store, index_spec
from ingest.pipeline.writer import Writer

from .chroma_server import ChromaServer

SPEC = IndexSpec("m", 4, 1000, 150)


def _chunks(n: int) -> list[Chunk]:
    return [Chunk(chunk_id=f"a#p1#c{i}", kind="passage", source_id="doc:a", doc_id="a",
                  title="A", text=f"text about heat number {i}", page_start=1, page_end=1,
                  language="en") for i in range(n)]


def _record(n: int) -> SourceRecord:
    return SourceRecord("doc:a", "a.pdf", "h1", "A", n, time.time())


def test_vectors_lost_on_disk_are_none_with_one_warning(settings: Settings, caplog) -> None:
    # Past Chroma's HNSW sync threshold (1000) the vectors live in the segment files only, so
    # removing those files leaves Chroma unable to give them back, as a killed writer can.
    n = 1200
    store = Store.open(settings, SPEC)
    vectors = np.random.default_rng(0).random((n, 4), dtype=np.float32)
    store.replace_source(_record(n), _chunks(n), vectors)
    ids = [c.chunk_id for c in _chunks(n)]
    healthy = store.stored_vectors(ids[:5])
    assert healthy is not None and np.allclose(healthy, vectors[:5], atol=1e-6)
    store.close()
    segments = [d for d in settings.chroma_path.iterdir() if d.is_dir()]
    assert segments
    for segment in segments:
        for part in segment.iterdir():
            part.unlink()

    broken = Store.open(settings, SPEC)
    with pytest.raises(Exception):  # noqa: B017 - chromadb's InternalError, whatever its words
        broken.embeddings(ids[:5])
    with caplog.at_level(logging.WARNING, logger="ingest.index.store"):
        assert broken.stored_vectors(ids[:5]) is None
    (warning,) = [r for r in caplog.records if r.name == "ingest.index.store"]
    assert "dense vectors of 5 chunks unreadable" in warning.getMessage()
    broken.close()


def test_a_chunk_the_store_does_not_hold_is_none(settings: Settings) -> None:
    store = Store.open(settings, SPEC)
    store.replace_source(_record(2), _chunks(2), np.eye(2, 4, dtype="f4"))
    assert store.stored_vectors(["a#p1#c0", "not-there"]) is None
    assert store.stored_vectors([]) is not None  # nothing asked, nothing missing


@pytest.mark.integration
def test_a_server_that_does_not_answer_is_not_unreadable_vectors(tmp_path: Path,
                                                               settings: Settings) -> None:
    server = ChromaServer(tmp_path / "chroma").start()
    try:
        store = Store.open(replace(settings, chroma_url=server.url), SPEC)
        store.replace_source(_record(2), _chunks(2), np.eye(2, 4, dtype="f4"))
    finally:
        server.stop()
    with pytest.raises(StoreUnavailable, match="does not answer"):
        store.stored_vectors(["a#p1#c0"])


def test_both_callers_embed_what_the_store_cannot_give(settings: Settings, embedder) -> None:
    spec = index_spec(embedder, None, 1000, 150)
    empty = Store.open(replace(settings, collection=settings.collection + "-old"), spec)
    chunks = _chunks(3)
    fresh = embedder.embed_documents([embedding_text(c) for c in chunks])
    # The read side: tool vectors of chunks the store does not hold.
    assert np.allclose(_tool_vectors(empty, embedder, chunks), fresh, atol=1e-6)
    # The writer (reindex): carried vectors the old store cannot give are computed.
    target = Store.open(settings, spec)
    writer = Writer(target, embedder, carry=empty)  # the same spec: dense is carried
    writer.add(_record(3), chunks)
    writer.flush()
    writer.close()
    assert np.allclose(target.embeddings([c.chunk_id for c in chunks]), fresh, atol=1e-6)
