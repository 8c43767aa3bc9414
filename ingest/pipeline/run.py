"""Incremental ingest: find files, skip the unchanged, (re)index the new and changed, report each.

One bad file is reported and skipped, whatever goes wrong reading it; the rest of the batch
goes on (only the store failing stops it). A source is its file's absolute path
(identity.py); who may claim which id is claims.py. Sources are written by
`Writer` in groups whose manifest entries come last, so an interrupted run leaves nothing a
reader trusts half-written; the next run sweeps such leftovers and completes the work.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ingest.chunk.mentions import MentionFinder, tools_key
from ingest.chunk.split import (
    ChunkingParams,
    chunk_document,
    chunk_tool,
    document_source_id,
    tool_source_id,
)
from ingest.core.diskfull import disk_full_explained
from ingest.core.errors import FileProblem, IngestInterrupted, StoreUnavailable, ToolboxError
from ingest.core.lock import write_lock
from ingest.core.progress import ProgressCallback, ProgressEvent, no_progress
from ingest.core.records import Tool
from ingest.embed.protocol import Encoder
from ingest.embed.sentence_transformer import Embedder
from ingest.index.store import SourceRecord, Store
from ingest.parse.dispatch import (
    READING_VERSION,
    TOOL_SUFFIXES,
    parse_document,
    parse_tool_file,
)
from ingest.pipeline.claims import check_document, check_edition, check_tool
from ingest.pipeline.discover import discover
from ingest.pipeline.editions import reconcile, superseding
from ingest.pipeline.identity import migrate
from ingest.pipeline.summary import FileResult, IngestReport
from ingest.pipeline.writer import Writer

log = logging.getLogger(__name__)

__all__ = ["FileResult", "IngestReport", "Ingestor"]


class Ingestor:
    """Brings the store in line with a set of files."""

    def __init__(self, store: Store, embedder: Embedder, params: ChunkingParams,
                 max_file_bytes: int, progress: ProgressCallback = no_progress,
                 lock_path: Path | None = None, space_dir: Path | None = None,
                 multilingual: Encoder | None = None, legacy_root: Path | None = None,
                 carry: Store | None = None) -> None:
        """`multilingual`: the second encoder, when the store keeps its vectors;
        `legacy_root`: where an older index's relative paths most likely start from;
        `carry`: an index of the same files whose vectors are copied, by chunk id, for the
        fields embedded alike (writer.carried_fields) instead of computed again."""
        self.store = store
        self.carry = carry
        self.embedder = embedder
        self.multilingual = multilingual
        self.params = params
        self.max_file_bytes = max_file_bytes
        self.progress = progress
        self.lock_path = lock_path
        self.space_dir = space_dir  # where an embedded store writes; None for a Chroma server
        self.bases = [b for b in (legacy_root, Path.cwd()) if b is not None]

    def ingest(self, paths: Sequence[Path], remove_missing: bool = False,
               supersedes: Mapping[Path, str] | None = None,
               replace: bool = False) -> IngestReport:
        """Index the files under `paths`; `supersedes` names editions for given files;
        `replace` lets them take ids (and editions) other files hold."""
        started = time.perf_counter()
        self.replace = replace
        with disk_full_explained(self._where, "the ingest"), write_lock(self.lock_path):
            migrate(self.store, self.bases)
            swept = self.store.sweep_orphans()
            if swept:
                log.warning("removed %d chunks an interrupted ingest left behind", swept)
            files, results = discover(paths)
            self._files = (0, len(files))
            writer = Writer(self.store, self.embedder, self.progress, space_dir=self.space_dir,
                            multilingual=self.multilingual, carry=self.carry)
            self._fresh: set[str] = set()  # documents chunked with this run's tools
            self._reached: set[str] = set()  # files with a result (written or not)
            try:
                try:
                    results += self._ingest_all(paths, files, remove_missing, supersedes, writer)
                finally:
                    writer.close()
                self._settle(self._fresh)
            except StoreUnavailable as lost:  # the Chroma server went away (server mode)
                uncommitted = writer.uncommitted_paths()
                unfinished = [str(f) for f in files
                              if str(f) not in self._reached or str(f) in uncommitted]
                raise IngestInterrupted(str(lost), unfinished) from None
        return IngestReport(results=results, seconds=time.perf_counter() - started)

    def _ingest_all(self, paths: Sequence[Path], files: list[Path], remove_missing: bool,
                    supersedes: Mapping[Path, str] | None, writer: Writer) -> list[FileResult]:
        results: list[FileResult] = []
        if remove_missing:  # first: a file renamed inside these folders frees its ids
            results += self._remove_missing(paths, files)
        tool_files = [f for f in files if f.suffix.lower() in TOOL_SUFFIXES]
        manifest, seen = self.store.manifest(), dict[str, str]()
        for tool_file in tool_files:
            results += self._ingest_tool_file(tool_file, manifest, seen, tool_files, writer)
        writer.flush()
        manifest = self.store.manifest()
        mentions = MentionFinder(_tools_of(manifest))
        editions = {Path(p).resolve(): s for p, s in (supersedes or {}).items()}
        claimed: dict[str, str] = {}
        results += [self._ingest_document(f, manifest, claimed, mentions, writer, editions)
                    for f in files if f.suffix.lower() not in TOOL_SUFFIXES]
        writer.flush()
        return results

    def remove(self, target: str) -> list[FileResult]:
        """Remove what a doc id, tool id or file path names; nothing matched raises."""
        with disk_full_explained(self._where, "removing"), write_lock(self.lock_path):
            migrate(self.store, self.bases)
            manifest = self.store.manifest()
            resolved = str(Path(target).resolve())
            matches = [r for r in manifest.values() if target in (r.doc_id, r.path)
                       or str(Path(r.path).resolve()) == resolved]
            if not matches:
                raise ToolboxError(f"nothing in the index is called {target!r}: give a document "
                                   "id, a tool id or a file path as `status` lists them")
            for record in matches:
                self.store.remove_source(record.source_id)
            self._settle(set())
        return [FileResult(r.path, "removed", f"{r.kind} {r.doc_id}", r.chunks) for r in matches]

    # -- tools -----------------------------------------------------------------------------

    def _ingest_tool_file(self, path: Path, manifest: dict[str, SourceRecord],
                          seen: dict[str, str], all_files: list[Path],
                          writer: Writer) -> list[FileResult]:
        """The file's result, then one failure per row that could not become a tool."""
        try:
            self._check_size(path)
            parsed = parse_tool_file(path)
            tools = parsed.tools
            for tool in tools:
                check_tool(tool, path, manifest, seen, all_files, self.replace)
        except Exception as err:
            return [self._done(_failure(path, err))]
        seen.update((t.id, str(path)) for t in tools)
        statuses = []
        for tool in tools:
            source_id = tool_source_id(tool.id)
            payload = tool.model_dump_json()
            digest = hashlib.sha256(payload.encode()).hexdigest()
            old = manifest.get(source_id)
            if old and old.content_hash == digest and old.path == str(path):
                statuses.append("unchanged")
                continue
            statuses.append("updated" if old else "indexed")
            record = SourceRecord(source_id, str(path), digest, tool.name, 1, time.time(),
                                  kind="tool", payload=payload)
            writer.add(record, [chunk_tool(tool, source_id)])
        kept = {tool_source_id(t.id) for t in tools}
        for gone in (r for r in manifest.values() if r.kind == "tool" and r.path == str(path)
                     and r.source_id not in kept):  # dropped from a many-tools file
            self.store.remove_source(gone.source_id)
            statuses.append("updated")
        status = next((s for s in ("indexed", "updated") if s in statuses), "unchanged")
        rows = [FileResult(str(path), "failed", problem) for problem in parsed.row_problems]
        return [self._done(FileResult(str(path), status, "tool", len(tools))), *rows]

    # -- documents -------------------------------------------------------------------------

    def _ingest_document(self, path: Path, manifest: dict[str, SourceRecord],
                         claimed: dict[str, str], mentions: MentionFinder, writer: Writer,
                         editions: dict[Path, str]) -> FileResult:
        try:
            self._check_size(path)
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except Exception as err:
            return self._done(_failure(path, err))
        known = next((r for r in manifest.values()
                      if r.path == str(path) and r.kind == "document"), None)
        if known and known.content_hash == digest and known.reading == READING_VERSION:
            claimed[known.source_id] = str(path)
            edition = editions.get(path, known.supersedes)
            if edition != known.supersedes:  # only the declared edition changed
                self.store.put_records([replace(known, supersedes=edition)])
            return self._done(FileResult(str(path), "unchanged", "", known.chunks))
        try:
            document = parse_document(path)
            edition = editions.get(path, document.supersedes)
            source_id = document_source_id(document.doc_id)
            check_document(document.doc_id, path, manifest, claimed, self.replace)
            claimed[source_id] = str(path)
            if edition == document.doc_id:
                raise FileProblem(path, f"a document cannot supersede itself ({edition!r})")
            check_edition(edition, path, manifest, editions.get(path, ""), self.replace)
            chunks = chunk_document(document, self.params, mentions, on_page=lambda done, total:
                                    self.progress(ProgressEvent("pages", done, total, str(path))))
            if not chunks:
                raise FileProblem(path, "no text to index")
        except Exception as err:
            return self._done(_failure(path, err))
        by = superseding(manifest).get(document.doc_id, "")
        if by:
            chunks = [replace(c, superseded=True) for c in chunks]
        record = SourceRecord(source_id, str(path), digest, document.title, len(chunks),
                              time.time(), supersedes=edition, superseded_by=by,
                              reading=READING_VERSION)
        writer.add(record, chunks)
        self._fresh.add(source_id)
        status = "updated" if source_id in manifest else "indexed"
        detail = f"supersedes {edition}" if edition else ""
        return self._done(FileResult(str(path), status, detail, len(chunks)))

    def _remove_missing(self, paths: Sequence[Path], files: list[Path]) -> list[FileResult]:
        present = {str(f) for f in files}
        folders = [str(p.resolve()).rstrip("/") + "/" for p in paths if p.is_dir()]
        results = []
        for record in self.store.manifest().values():
            if any(record.path.startswith(f) for f in folders) and record.path not in present:
                self.store.remove_source(record.source_id)
                results.append(FileResult(record.path, "removed", record.kind, record.chunks))
        return results

    # -- shared ----------------------------------------------------------------------------

    def _settle(self, fresh: set[str]) -> None:
        """Repair what depends on several sources: edition flags, and which tools passages
        name (`fresh` documents were chunked with the current tools already). Both are
        recorded in the store, so a run killed before this repeats it."""
        manifest = self.store.manifest()
        if changed := reconcile(self.store, manifest):
            log.info("updated the edition flags of %d documents", changed)
        tools = _tools_of(manifest)
        key = tools_key(tools)
        if key == self.store.mentions_key():
            return
        log.info("updating which tools passages mention")
        finder = MentionFinder(tools)
        older = [sid for sid, r in manifest.items() if r.kind == "document" and sid not in fresh]
        for start in range(0, len(older), 500):
            stale = {c.chunk_id: found for c in self.store.chunks(older[start:start + 500])
                     if (found := finder.find(f"{c.section}\n{c.text}")) != c.tool_ids}
            if stale:
                self.store.update_mentions(stale)
        self.store.set_mentions_key(key)

    @property
    def _where(self) -> str:
        return str(self.lock_path.parent) if self.lock_path else "the index's disk"

    def _done(self, result: FileResult) -> FileResult:
        self._reached.add(result.path)
        done, total = self._files
        self._files = (done + 1, total)
        self.progress(ProgressEvent("files", done + 1, total, result.path))
        return result

    def _check_size(self, path: Path) -> None:
        """Refuse big files from their size alone, before a byte is read."""
        size = path.stat().st_size
        if size > self.max_file_bytes:
            raise FileProblem(path, f"file is {size / 1e6:.1f} MB, over the limit of "
                                    f"{self.max_file_bytes / 1e6:.0f} MB (TOOLBOX_MAX_FILE_MB)")


def _tools_of(manifest: dict[str, SourceRecord]) -> list[Tool]:
    return [Tool.model_validate_json(r.payload) for r in manifest.values() if r.kind == "tool"]


def _failure(path: Path, err: Exception) -> FileResult:
    """One file's failure as one line: ours say what is wrong; anything else a reader raised
    (a library's ValueError, RecursionError, TypeError...) is named, with the traceback in the
    log. StoreUnavailable and MemoryError are no file's fault and pass on."""
    if isinstance(err, StoreUnavailable | MemoryError):
        raise err
    if isinstance(err, FileProblem):
        return FileResult(str(path), "failed", " ".join(err.problem.split()))
    if isinstance(err, OSError):
        return FileResult(str(path), "failed", f"cannot read ({err.strerror or err})")
    log.warning("%s: unexpected %s while reading", path, type(err).__name__, exc_info=err)
    return FileResult(str(path), "failed", f"cannot be read: {_first(str(err)) or 'no details'} "
                                           f"({type(err).__name__})")


def _first(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 3] + "..."
