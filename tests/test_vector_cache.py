"""The tools' vectors cached between starts: used only for exactly the store state they are of."""

from __future__ import annotations

import hashlib
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


def test_the_shipped_seed_holds_every_shipped_tools_vector_by_the_tool_encoder(
        shipped_assistant) -> None:
    from assistant.retrieval.vector_cache import SEED
    from ingest.chunk.split import embedding_text
    from ingest.core.npy import load_arrays

    from .conftest import CORPUS

    encoder = shipped_assistant.tool_encoder
    seed = load_arrays(CORPUS / SEED)
    assert str(seed["identity"]) == encoder.identity, "run python corpus/build_tool_vectors.py"
    snapshot = shipped_assistant.retriever.snapshot
    texts = [embedding_text(snapshot.chunks[i]) for i in snapshot.tool_positions]
    shipped = dict(zip(seed["keys"].tolist(), seed["vectors"], strict=True))
    keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    stale = [t[:60] for t, k in zip(texts, keys, strict=True) if k not in shipped]
    assert not stale, f"run python corpus/build_tool_vectors.py; not in the seed: {stale[:3]}"
    fresh = encoder.embed_documents(texts[:3])
    for key, vector in zip(keys[:3], fresh, strict=True):
        assert float(shipped[key] @ vector) / float(np.linalg.norm(vector)) > 0.9999


def test_a_seed_fills_only_a_new_cache_and_only_for_its_encoder(
        tmp_path: Path, shipped_assistant, caplog) -> None:
    encoder = shipped_assistant.tool_encoder
    texts = ["Ein Hitzeaktionsplan für die Stadt", "A flood map for a small town"]
    vectors = np.random.default_rng(3).normal(size=(2, 384)).astype(np.float32)
    seed, cache = tmp_path / "seed.npz", tmp_path / "cache"
    vector_cache.write_seed(seed, "another-encoder@1", texts, vectors)
    assert vector_cache.seed(seed, encoder.identity, cache) == 0 and not cache.exists()
    vector_cache.write_seed(seed, encoder.identity, texts, vectors)
    assert vector_cache.seed(seed, encoder.identity, cache) == 2
    # the seeded vectors are what the cache gives, not embedded again (these are random)
    assert np.array_equal(vector_cache.embedded(encoder, texts, cache), vectors)
    vector_cache.write_seed(seed, encoder.identity, texts, -vectors)
    assert vector_cache.seed(seed, encoder.identity, cache) == 0  # a cache in use stays
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"not a zip")
    assert vector_cache.seed(damaged, encoder.identity, tmp_path / "other") == 0
    assert "damaged.npz: unusable" in caplog.text
