"""The store's second collection: multilingual vectors beside the chunks, written, swept and
removed with them, and recorded in the index spec (a mismatch is refused)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ingest.core.errors import IndexMismatch
from ingest.core.records import Chunk
from ingest.index.generations import drop_all, multilingual_name
from ingest.index.store import IndexSpec, SourceRecord, Store, connect

SPEC = IndexSpec("m", 4, 1000, 150, multilingual_model="use-m", multilingual_dim=3)


def _chunk(i: int, source: str = "doc:a", superseded: bool = False) -> Chunk:
    return Chunk(chunk_id=f"{source}#c{i}", kind="passage", source_id=source, doc_id="a",
                 title="A", text=f"text {i}", page_start=1, page_end=1, language="en",
                 hazards=("heat",), tool_ids=("efas",), superseded=superseded)


def _record(source: str = "doc:a", n: int = 2) -> SourceRecord:
    return SourceRecord(source, f"{source}.pdf", "h", "A", n, time.time())


def _names(settings) -> set[str]:
    return {getattr(c, "name", c) for c in connect(settings).list_collections()}


def test_both_collections_hold_every_chunk_and_are_searched_apart(settings) -> None:
    store = Store.open(settings, SPEC)
    assert store.has_multilingual
    assert multilingual_name(settings.collection, 0) in _names(settings)
    chunks = [_chunk(0), _chunk(1)]
    store.replace_source(_record(), chunks, np.eye(2, 4, dtype="f4"),
                         np.array([[0, 1, 0], [1, 0, 0]], dtype="f4"))
    assert sorted(store.chunk_ids("multilingual")) == sorted(store.chunk_ids())
    # Each k-NN uses its own encoder's vectors: the two disagree on purpose here.
    assert store.nearest(np.array([1, 0, 0, 0], "f4"), 1)[0][0] == "doc:a#c0"
    assert store.nearest(np.array([1, 0, 0], "f4"), 1, field="multilingual")[0][0] == "doc:a#c1"
    vectors = store.embeddings(["doc:a#c1", "doc:a#c0"], "multilingual")
    assert vectors.tolist() == [[1, 0, 0], [0, 1, 0]]
    # Filters work on the second collection too.
    assert store.nearest(np.array([1, 0, 0], "f4"), 5, {"hazards": {"$contains": "drought"}},
                         field="multilingual") == []


def test_remove_sweep_and_superseded_reach_the_second_collection(settings) -> None:
    store = Store.open(settings, SPEC)
    store.replace_source(_record(), [_chunk(0), _chunk(1)], np.eye(2, 4, dtype="f4"),
                         np.eye(2, 3, dtype="f4"))
    store.replace_source(_record("doc:b", 1), [_chunk(0, "doc:b")], np.eye(1, 4, dtype="f4"),
                         np.eye(1, 3, dtype="f4"))
    store.set_superseded(store.manifest()["doc:a"], by="b")
    where = {"superseded": {"$ne": True}}
    assert [cid for cid, _ in store.nearest(np.array([1, 0, 0], "f4"), 5, where,
                                            "multilingual")] == ["doc:b#c0"]
    store.remove_source("doc:a")
    assert store.chunk_ids("multilingual") == ["doc:b#c0"]
    # A crash after the vectors were written but before the manifest entry: both swept.
    store._manifest.delete(ids=["doc:b"])
    assert store.sweep_orphans() == 1
    assert store.chunk_ids() == [] and store.chunk_ids("multilingual") == []


def test_vectors_of_both_encoders_are_required(settings) -> None:
    store = Store.open(settings, SPEC)
    with pytest.raises(ValueError, match="needs multilingual vectors"):
        store.replace_source(_record(), [_chunk(0)], np.eye(1, 4, dtype="f4"))
    plain = Store.open(settings.__class__.from_env(
        environ={}, data_dir=settings.data_dir, collection=settings.collection + "-plain"),
        IndexSpec("m", 4, 1000, 150))
    assert not plain.has_multilingual
    with pytest.raises(ValueError, match="no place for multilingual vectors"):
        plain.replace_source(_record(), [_chunk(0)], np.eye(1, 4, dtype="f4"),
                             np.eye(1, 3, dtype="f4"))


def test_a_multilingual_mismatch_is_refused_with_the_reindex_command(settings) -> None:
    Store.open(settings, SPEC)
    for other in (IndexSpec("m", 4, 1000, 150),  # turned off
                  IndexSpec("m", 4, 1000, 150, multilingual_model="labse",
                            multilingual_dim=768)):
        with pytest.raises(IndexMismatch,
                           match="multilingual_model 'use-m'.*toolbox-assistant reindex"):
            Store.open(settings, other)
    # The index as built is adopted without a spec (status, reindex), both models named.
    assert Store(connect(settings), settings.collection, None).spec == SPEC


def test_an_index_built_before_the_second_encoder_reads_as_without_it(settings) -> None:
    old = Store.open(settings, IndexSpec("m", 4, 1000, 150))
    metadata = {k: v for k, v in (old._chunks.metadata or {}).items()
                if not k.startswith("multilingual")}
    old._chunks.modify(metadata=metadata)  # as an index of the earlier schema has it
    assert Store.open(settings, IndexSpec("m", 4, 1000, 150)).spec.multilingual_model == ""
    with pytest.raises(IndexMismatch, match="multilingual_model ''"):
        Store.open(settings, SPEC)


def test_rebuild_drops_the_second_collection(settings) -> None:
    Store.open(settings, SPEC)
    drop_all(connect(settings), settings.collection)
    assert not any(n.startswith(settings.collection) for n in _names(settings))
