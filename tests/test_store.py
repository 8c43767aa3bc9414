"""The store on a real chromadb, embedded and a `chroma run` server: it records how it was built
and refuses a mismatch."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ingest.core.errors import IndexMismatch
from ingest.core.records import Chunk
from ingest.core.settings import Settings
from ingest.index.store import IndexSpec, SourceRecord, Store

from .conftest import BACKENDS, on_backend


@pytest.fixture(params=BACKENDS)
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return on_backend(settings, request.param, request)


def _chunk(i: int, source: str = "doc:a") -> Chunk:
    return Chunk(chunk_id=f"a#p1#c{i}", kind="passage", source_id=source, doc_id="a",
                 title="A", text=f"text {i}", page_start=1, page_end=1, language="en",
                 hazards=("heat",))


def _record(n: int, digest: str = "h1") -> SourceRecord:
    return SourceRecord("doc:a", "a.pdf", digest, "A", n, time.time())


def test_replace_source_leaves_no_stale_chunks(settings) -> None:
    store = Store.open(settings, IndexSpec("m", 4, 1000, 150))
    store.replace_source(_record(3), [_chunk(i) for i in range(3)], np.eye(3, 4, dtype="f4"))
    store.replace_source(_record(1, "h2"), [_chunk(9)], np.ones((1, 4), dtype="f4"))
    assert [c.chunk_id for c in store.chunks()] == ["a#p1#c9"]
    assert store.manifest()["doc:a"].content_hash == "h2"


def test_nearest_honours_where(settings) -> None:
    store = Store.open(settings, IndexSpec("m", 4, 1000, 150))
    store.replace_source(_record(2), [_chunk(0), _chunk(1)], np.eye(2, 4, dtype="f4"))
    hits = store.nearest(np.array([1, 0, 0, 0], dtype="f4"), 5)
    assert hits[0][0] == "a#p1#c0" and hits[0][1] == pytest.approx(1.0, abs=1e-4)
    assert store.nearest(np.array([1, 0, 0, 0], dtype="f4"), 5,
                         {"hazards": {"$contains": "drought"}}) == []


def test_other_model_is_refused_with_the_reindex_command(settings) -> None:
    Store.open(settings, IndexSpec("model-a", 4, 1000, 150))
    with pytest.raises(IndexMismatch, match="model 'model-a'.*toolbox-assistant reindex"):
        Store.open(settings, IndexSpec("model-b", 4, 1000, 150))
    with pytest.raises(IndexMismatch, match="chunk_size.*ingest --rebuild"):
        Store.open(settings, IndexSpec("model-a", 4, 800, 150))


def test_half_written_source_is_invisible(settings) -> None:
    """Chunks without a manifest entry (a crash mid-write) are not served."""
    store = Store.open(settings, IndexSpec("m", 4, 1000, 150))
    store._chunks.upsert(ids=["orphan"], embeddings=[[1.0, 0, 0, 0]], documents=["x"],
                         metadatas=[{"kind": "passage", "source_id": "doc:gone", "doc_id": "gone",
                                     "title": "G", "page_start": 1, "page_end": 1}])
    assert list(store.chunks()) == []


def test_searches_are_wide_enough_to_be_exact_and_repeatable(settings) -> None:
    """ef_search at chromadb's default (100, our k) ranked the same index differently from one
    load to the next; an index built with it is raised to SEARCH_EF when opened."""
    from ingest.index.hnsw import SEARCH_EF

    spec = IndexSpec("m", 4, 1000, 150)
    store = Store.open(settings, spec)
    assert store._chunks.configuration_json["hnsw"]["ef_search"] == SEARCH_EF
    store._chunks.modify(configuration={"hnsw": {"ef_search": 100}})  # as chromadb builds it
    assert Store.open(settings, spec)._chunks.configuration_json["hnsw"]["ef_search"] == \
        SEARCH_EF
