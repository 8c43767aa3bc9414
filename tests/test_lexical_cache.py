"""The on-disk BM25 cache: used only when it holds exactly the index a fresh build would give."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.retrieval import chunk_cache
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.lexical_cache import CacheKey, load_or_build
from ingest.core.records import Chunk

QUERIES = ["Hitzeaktionsplan for heat waves", "flood barriers along the river",
           "green roofs cool the city", "Starkregen Gefahrenkarte", "nothing matches zzz"]


def _chunks(extra: int = 0) -> list[Chunk]:
    texts = [
        "A heat action plan (Hitzeaktionsplan) protects older people during heat waves.",
        "Mobile flood barriers along the river bank hold back high water.",
        "Green roofs and street trees cool the city and retain rain water.",
        "Die Starkregen-Gefahrenkarte zeigt Senken, in denen sich Wasser sammelt.",
        "Cooling centres open in libraries when the heat warning is issued.",
        *[f"Additional report number {i} about drought and water supply." for i in range(extra)],
    ]
    return [Chunk(chunk_id=f"c{i}", kind="passage", source_id=f"s{i}", doc_id=f"d{i}",
                  title=f"Guide {i}", text=t, page_start=1, page_end=1)
            for i, t in enumerate(texts)]


def _scores(index: LexicalIndex) -> list[np.ndarray]:
    return [index.scores(q) for q in QUERIES]


def _entries(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if not p.name.startswith("."))


def _loaded_from_disk(index: LexicalIndex) -> bool:
    return isinstance(index._bm25.scores["data"], np.memmap)  # type: ignore[union-attr]


def test_a_cache_hit_scores_exactly_like_a_fresh_build(tmp_path: Path) -> None:
    chunks, key = _chunks(), CacheKey("toolbox", 1, 42)
    fresh = LexicalIndex(chunks)
    built = load_or_build(chunks, key, tmp_path)
    assert not _loaded_from_disk(built)
    assert len(_entries(tmp_path)) == 1
    cached = load_or_build(chunks, key, tmp_path)
    assert _loaded_from_disk(cached)
    for a, b in zip(_scores(fresh), _scores(cached), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(s.max() > 0 for s in _scores(cached))
    assert cached.search("heat", 3) == fresh.search("heat", 3)


def test_a_new_revision_is_rebuilt_and_the_old_entry_removed(tmp_path: Path) -> None:
    load_or_build(_chunks(), CacheKey("toolbox", 1, 42), tmp_path)
    old = _entries(tmp_path)
    chunks = _chunks(extra=3)
    index = load_or_build(chunks, CacheKey("toolbox", 1, 43), tmp_path)
    assert not _loaded_from_disk(index)
    assert len(index) == len(chunks)
    assert index.scores("drought")[-1] > 0
    new = _entries(tmp_path)
    assert len(new) == 1 and new != old


def test_other_chunks_under_the_same_revision_are_not_taken_from_the_cache(tmp_path: Path
                                                                            ) -> None:
    """The revision is read a moment before the chunks: a write in between must not slip by."""
    key = CacheKey("toolbox", 1, 42)
    load_or_build(_chunks(), key, tmp_path)
    chunks = _chunks(extra=1)
    index = load_or_build(chunks, key, tmp_path)
    assert not _loaded_from_disk(index)
    np.testing.assert_array_equal(index.scores("drought"), LexicalIndex(chunks).scores("drought"))


def test_a_corrupt_cache_file_is_rebuilt_not_used(tmp_path: Path) -> None:
    chunks, key = _chunks(), CacheKey("toolbox", 1, 42)
    fresh = _scores(LexicalIndex(chunks))
    load_or_build(chunks, key, tmp_path)
    (entry,) = _entries(tmp_path)
    data = entry / "data.csc.index.npy"
    raw = bytearray(data.read_bytes())
    raw[-4:] = b"\x00\x00\x80\x7f"  # the last score becomes +inf: loads fine, scores wrong
    data.write_bytes(bytes(raw))
    index = load_or_build(chunks, key, tmp_path)
    assert not _loaded_from_disk(index)
    for a, b in zip(fresh, _scores(index), strict=True):
        np.testing.assert_array_equal(a, b)
    repaired = load_or_build(chunks, key, tmp_path)  # the rewritten entry is good again
    assert _loaded_from_disk(repaired)
    for a, b in zip(fresh, _scores(repaired), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_missing_or_unreadable_part_is_rebuilt(tmp_path: Path) -> None:
    chunks, key = _chunks(), CacheKey("toolbox", 1, 42)
    load_or_build(chunks, key, tmp_path)
    (entry,) = _entries(tmp_path)
    (entry / "vocab.index.json").unlink()
    assert not _loaded_from_disk(load_or_build(chunks, key, tmp_path))
    (entry,) = _entries(tmp_path)
    (entry / "meta.json").write_text("{not json", encoding="utf-8")
    index = load_or_build(chunks, key, tmp_path)
    assert not _loaded_from_disk(index)
    assert index.scores("flood")[1] > 0


def test_an_abandoned_temporary_directory_is_never_read(tmp_path: Path) -> None:
    """What a crashed writer leaves is a `.tmp-` directory, which no lookup ever names."""
    chunks, key = _chunks(), CacheKey("toolbox", 1, 42)
    half = tmp_path / ".tmp-crashed"
    half.mkdir()
    (half / "data.csc.index.npy").write_bytes(b"\x93NUMPY half")
    index = load_or_build(chunks, key, tmp_path)
    assert not _loaded_from_disk(index)
    assert _loaded_from_disk(load_or_build(chunks, key, tmp_path))


def test_collections_keep_their_own_entries(tmp_path: Path) -> None:
    chunks = _chunks()
    load_or_build(chunks, CacheKey("toolbox", 1, 42), tmp_path)
    load_or_build(chunks, CacheKey("other", 1, 42), tmp_path)
    assert len(_entries(tmp_path)) == 2
    assert _loaded_from_disk(load_or_build(chunks, CacheKey("toolbox", 1, 42), tmp_path))
    assert not _loaded_from_disk(load_or_build(chunks, CacheKey("toolbox", 2, 42), tmp_path))


def test_no_chunks_no_files(tmp_path: Path) -> None:
    index = load_or_build([], CacheKey("toolbox", 1, 0), tmp_path)
    assert len(index) == 0 and not index.scores("heat").size
    assert len(load_or_build([], CacheKey("toolbox", 1, 0), tmp_path)) == 0


def test_a_restarted_assistant_takes_the_index_from_the_cache_and_answers_the_same(
        tmp_path: Path, settings, embedder) -> None:
    from assistant.service import Assistant

    from .conftest import write_pdf
    from .helpers import make_kb

    kb = make_kb(tmp_path)
    first = Assistant(settings, embedder=embedder)
    assert not first.ingest([kb]).failed
    cache = settings.data_dir / "cache" / "bm25"
    (entry,) = _entries(cache)
    assert not _loaded_from_disk(first.retriever.snapshot.lexical)
    questions = ["Where should we put public drinking fountains?",
                 "Wo gibt es Hitzewarnungen für unsere Stadt?"]
    answers = [first.ask(q) for q in questions]

    second = Assistant(settings, embedder=embedder)  # a restart: same data dir, same store
    assert _loaded_from_disk(second.retriever.snapshot.lexical)
    assert second.retriever.snapshot.chunks == list(first.store.chunks())
    assert len(_entries(settings.data_dir / "cache" / "chunks")) == 1
    assert chunk_cache.manifest_digest(second.store.manifest()) == \
        chunk_cache.manifest_digest(dict(reversed(second.store.manifest().items())))
    assert [second.ask(q) for q in questions] == answers

    write_pdf(tmp_path / "more" / "hail.pdf", ["Hail nets over allotment gardens protect "
                                               "fruit trees; the association lends them."],
              title="Hail nets")
    assert not second.ingest([tmp_path / "more"]).failed  # new revision: built, cached anew
    assert not _loaded_from_disk(second.retriever.snapshot.lexical)
    assert _entries(cache) != [entry] and len(_entries(cache)) == 1
    assert second.retriever.snapshot.lexical.scores("hail").max() > 0


def test_the_chunk_table_comes_back_exactly_and_only_for_its_store_state(tmp_path: Path) -> None:
    chunks = [*_chunks(), Chunk(chunk_id="t1", kind="tool", source_id="t", doc_id="t",
                                title="Heat plan", text="Plan for heat.", page_start=0,
                                page_end=0, hazards=("heat",), tool_ids=("heat-plan",),
                                superseded=True, language="de,en"),
              Chunk(chunk_id="c0-2", kind="passage", source_id="s0", doc_id="d0",
                    title="".join(["Guide ", "0"]), text="Page two.", page_start=2, page_end=2)]
    key, manifest = CacheKey("toolbox", 1, 42), "sources-a"
    assert chunk_cache.load(key, manifest, tmp_path) is None
    chunk_cache.save(key, manifest, tmp_path, chunks)
    loaded = chunk_cache.load(key, manifest, tmp_path)
    assert loaded == chunks
    same_source = [c for c in loaded if c.source_id == loaded[0].source_id]
    assert len(same_source) > 1 and same_source[0].title is same_source[1].title  # kept once
    assert chunk_cache.load(CacheKey("toolbox", 1, 43), manifest, tmp_path) is None
    assert chunk_cache.load(CacheKey("toolbox", 2, 42), manifest, tmp_path) is None
    # a write that crashed before moving the revision has changed the manifest already
    assert chunk_cache.load(key, "sources-b", tmp_path) is None
    (entry,) = _entries(tmp_path)
    table = entry / "chunks.jsonl"
    table.write_text(table.read_text(encoding="utf-8").replace("heat", "cold"), encoding="utf-8")
    assert chunk_cache.load(key, manifest, tmp_path) is None
