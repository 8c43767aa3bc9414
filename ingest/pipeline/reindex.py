"""Re-embed the whole knowledge base into a new generation, then make it live.

The chunk texts and metadata come from the store (the source of truth), not from the files.
Vectors of an encoder that did not change are copied, not recomputed (turning the multilingual
encoder on re-embeds with that one only).
The live generation keeps serving meanwhile; the pointer moves only when the new one holds
every source, and the old one is dropped after. An interrupted reindex leaves a partial new
generation that nobody reads; the next reindex resumes it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.core.diskfull import check_space, disk_full_explained
from ingest.core.errors import ToolboxError
from ingest.core.lock import write_lock
from ingest.core.progress import ProgressCallback, ProgressEvent, no_progress
from ingest.core.settings import Settings
from ingest.embed.multilingual import make_multilingual_embedder
from ingest.embed.protocol import Encoder
from ingest.embed.sentence_transformer import Embedder
from ingest.index.generations import drop_generation, live_generation, set_live
from ingest.index.store import SourceRecord, Store, connect, index_spec
from ingest.pipeline.writer import Writer

__all__ = ["ReindexReport", "reindex"]

log = logging.getLogger(__name__)
_CATCH_UP_ROUNDS = 5
_SOURCES_PER_READ = 200


@dataclass(frozen=True)
class ReindexReport:
    old_generation: int
    new_generation: int
    old_model: str
    new_model: str
    sources: int
    chunks: int
    seconds: float
    multilingual_model: str = ""  # the second encoder of the new generation, "" for none

    def summary(self) -> str:
        second = f" and {self.multilingual_model}" if self.multilingual_model else ""
        return (f"re-embedded {self.chunks} chunks of {self.sources} sources with "
                f"{self.new_model}{second} (was {self.old_model}) in {self.seconds:.1f} s; "
                f"generation {self.new_generation} is live")


def reindex(settings: Settings, embedder: Embedder,
            progress: ProgressCallback = no_progress, multilingual: Encoder | None = None
            ) -> ReindexReport:
    """Args:
        multilingual: the second encoder; by default the one TOOLBOX_MULTILINGUAL_MODEL names
            (none when it says `none`).
    """
    started = time.perf_counter()
    if multilingual is None:
        multilingual = make_multilingual_embedder(settings.multilingual_model)
    space_dir = None if settings.chroma_url else settings.data_dir  # a server's disk: not ours
    with write_lock(settings.data_dir / "write.lock"), \
            disk_full_explained(settings.chroma_url or settings.data_dir, "the reindex"):
        client = connect(settings)
        old_generation = live_generation(client, settings.collection)
        old = Store(client, settings.collection, None, generation=old_generation)
        spec = index_spec(embedder, multilingual, old.spec.chunk_size, old.spec.chunk_overlap)
        # The whole new generation must fit beside the live one: refused before Chroma writes
        # anything (after a full disk mid-write its embedded core can hang the next write).
        chunks = sum(r.chunks for r in old.manifest().values())
        check_space(space_dir, chunks * spec.chunk_size,
                    chunks * 4 * (spec.dim + spec.multilingual_dim), "the reindex")
        target = old_generation + 1
        try:
            new = Store(client, settings.collection, spec, generation=target)
        except ToolboxError:  # a leftover of another model's interrupted reindex
            drop_generation(client, settings.collection, target)
            new = Store(client, settings.collection, spec, generation=target)
        new.sweep_orphans()
        for _ in range(_CATCH_UP_ROUNDS):  # ingests may land in the old one meanwhile
            if not _copy_missing(old, new, embedder, progress, multilingual, space_dir):
                break
        else:
            raise ToolboxError("the index kept changing during reindex; run it again when "
                               "no ingest is running")
        new.set_mentions_key(old.mentions_key())
        set_live(client, settings.collection, target)
        drop_generation(client, settings.collection, old_generation)
    manifest = new.manifest()
    return ReindexReport(old_generation, target, old.spec.model, spec.model, len(manifest),
                         sum(r.chunks for r in manifest.values()),
                         time.perf_counter() - started, spec.multilingual_model)


def _copy_missing(old: Store, new: Store, embedder: Embedder, progress: ProgressCallback,
                  multilingual: Encoder | None, space_dir: Path | None) -> bool:
    """Copy the sources the new generation lacks (or holds in another version); drop those gone
    from the old. Returns whether anything had to be done."""
    source, target = old.manifest(), new.manifest()
    todo: list[SourceRecord] = [r for sid, r in source.items() if target.get(sid) != r]
    gone = [sid for sid in target if sid not in source]
    for source_id in gone:
        new.remove_source(source_id)
    writer = Writer(new, embedder, progress, multilingual=multilingual, carry=old,
                    space_dir=space_dir, doing="the reindex")
    writer.expected = sum(r.chunks for r in todo)
    try:
        for start in range(0, len(todo), _SOURCES_PER_READ):
            batch = todo[start:start + _SOURCES_PER_READ]
            chunks: dict[str, list] = {r.source_id: [] for r in batch}
            for chunk in old.chunks([r.source_id for r in batch]):
                chunks[chunk.source_id].append(chunk)
            for record in batch:
                writer.add(record, sorted(chunks[record.source_id], key=_order))
            progress(ProgressEvent("files", start + len(batch), len(todo)))
        writer.flush()
    finally:
        writer.close()
    return bool(todo or gone)


def _order(chunk: object) -> tuple[int, str]:
    chunk_id = getattr(chunk, "chunk_id", "")
    tail = chunk_id.rsplit("#c", 1)[-1]
    return (int(tail) if tail.isdigit() else 0, chunk_id)
