"""The tools' vectors cached between starts: used only for exactly the store state they are of."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.retrieval import vector_cache
from assistant.retrieval.lexical_cache import CacheKey


def _entries(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if not p.name.startswith("."))


def test_vectors_come_back_exactly_and_only_for_their_store_state(tmp_path: Path) -> None:
    vectors = np.random.default_rng(7).normal(size=(3, 8)).astype(np.float32)
    key, manifest, ids = CacheKey("toolbox", 1, 42), "sources-a", ["t1", "t2", "t3"]
    assert vector_cache.load(key, manifest, tmp_path, "dense:m", ids) is None
    vector_cache.save(key, manifest, tmp_path, "dense:m", ids, vectors)
    loaded = vector_cache.load(key, manifest, tmp_path, "dense:m", ids)
    assert loaded is not None and np.array_equal(loaded, vectors)
    assert vector_cache.load(CacheKey("toolbox", 1, 43), manifest, tmp_path, "dense:m",
                             ids) is None
    assert vector_cache.load(key, "sources-b", tmp_path, "dense:m", ids) is None
    assert vector_cache.load(key, manifest, tmp_path, "dense:other-model", ids) is None
    assert vector_cache.load(key, manifest, tmp_path, "dense:m", ["t1", "t3", "t2"]) is None
    (entry,) = _entries(tmp_path)
    (entry / "vectors.npy").write_bytes(b"damaged")
    assert vector_cache.load(key, manifest, tmp_path, "dense:m", ids) is None


def test_a_restarted_assistant_takes_the_tool_vectors_from_the_cache(
        tmp_path: Path, settings, embedder) -> None:
    from assistant.service import Assistant

    from .helpers import make_kb

    first = Assistant(settings, embedder=embedder)
    assert not first.ingest([make_kb(tmp_path)]).failed
    stored = first.retriever.snapshot
    cache = settings.data_dir / "cache"
    assert len(_entries(cache / "tool-vectors-dense")) == 1
    assert len(_entries(cache / "tool-vectors-multilingual")) == 1

    second = Assistant(settings, embedder=embedder)  # a restart: same data dir, same store
    cached = second.retriever.snapshot
    assert len(cached.tool_positions) > 0
    assert np.array_equal(cached.tool_vectors, stored.tool_vectors)
    assert cached.tool_vectors_multilingual is not None
    assert np.array_equal(cached.tool_vectors_multilingual, stored.tool_vectors_multilingual)
    question = "Wo gibt es Hitzewarnungen für unsere Stadt?"
    assert second.ask(question) == first.ask(question)
