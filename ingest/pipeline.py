"""Incremental ingest: find files, skip the unchanged, (re)index the new and changed, report each.

One bad file is reported and skipped; the rest of the batch goes on. Each source is written by
`Store.replace_source`, whose manifest entry comes last, so an interrupted run leaves nothing a
reader trusts half-written, and the same run again completes it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ingest.chunk import (
    ChunkingParams,
    chunk_document,
    chunk_tool,
    document_source_id,
    embedding_text,
    tool_source_id,
)
from ingest.embed import Embedder
from ingest.errors import FileProblem
from ingest.mentions import MentionFinder
from ingest.parse import DOCUMENT_SUFFIXES, TOOL_SUFFIXES, parse_document, parse_tools
from ingest.records import Chunk, Tool
from ingest.store import SourceRecord, Store

log = logging.getLogger(__name__)

IGNORE_FILE = ".toolboxignore"
_EMBED_GROUP = 1024  # chunks embedded together (length-sorted batches pad less) before writing


@dataclass(frozen=True)
class FileResult:
    path: str
    status: str  # indexed | updated | unchanged | removed | failed | skipped
    detail: str = ""
    chunks: int = 0


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def summary(self) -> str:
        parts = ", ".join(
            f"{self.count(s)} {s}" for s in
            ("indexed", "updated", "unchanged", "removed", "failed", "skipped") if self.count(s))
        chunks = sum(r.chunks for r in self.results if r.status in ("indexed", "updated"))
        return (f"{len(self.results)} files: {parts or 'nothing to do'}; "
                f"{chunks} chunks written in {self.seconds:.1f} s")


@dataclass(frozen=True)
class _Work:
    record: SourceRecord
    chunks: list[Chunk]
    status: str


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Files to ingest under the given paths, honouring `.toolboxignore` patterns in folders."""
    found: list[Path] = []
    problems: list[FileResult] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            ignored = _ignore_patterns(path)
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = file.relative_to(path).as_posix()
                if any(part.startswith(".") for part in file.relative_to(path).parts):
                    continue
                if any(fnmatch.fnmatch(relative, pat) or relative.startswith(pat.rstrip("/") + "/")
                       for pat in ignored):
                    continue
                if file.suffix.lower() in DOCUMENT_SUFFIXES | TOOL_SUFFIXES:
                    found.append(file)
        else:
            problems.append(FileResult(str(path), "failed", "no such file or folder"))
    return found, problems


def _ignore_patterns(folder: Path) -> list[str]:
    ignore = folder / IGNORE_FILE
    if not ignore.is_file():
        return []
    lines = ignore.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


class Ingestor:
    """Brings the store in line with a set of files."""

    def __init__(self, store: Store, embedder: Embedder, params: ChunkingParams,
                 max_file_bytes: int, progress: bool = False) -> None:
        self.store = store
        self.embedder = embedder
        self.params = params
        self.max_file_bytes = max_file_bytes
        self.progress = progress

    def ingest(self, paths: Sequence[Path], remove_missing: bool = False) -> IngestReport:
        started = time.perf_counter()
        files, results = discover(paths)
        manifest = self.store.manifest()
        tool_files = [f for f in files if f.suffix.lower() in TOOL_SUFFIXES]
        doc_files = [f for f in files if f.suffix.lower() in DOCUMENT_SUFFIXES]
        tool_results, tools_changed = self._ingest_tools(tool_files, manifest)
        results += tool_results
        manifest = self.store.manifest()
        if remove_missing:
            removed = self._remove_missing(paths, files, manifest)
            results += removed
            tools_changed |= any(r.detail == "tool" for r in removed)
            manifest = self.store.manifest()
        mentions = MentionFinder(_tools_of(manifest))
        results += self._ingest_documents(doc_files, manifest, mentions)
        if tools_changed:
            self._refresh_mentions(mentions)
        return IngestReport(results=results, seconds=time.perf_counter() - started)

    # -- tools -----------------------------------------------------------------------------

    def _ingest_tools(self, files: list[Path], manifest: dict[str, SourceRecord]
                      ) -> tuple[list[FileResult], bool]:
        results: list[FileResult] = []
        work: list[_Work] = []
        seen: dict[str, str] = {}
        for path in files:
            try:
                self._check_size(path)
                tools = parse_tools(path)
                for tool in tools:
                    _check_unique_tool(tool, path, seen, manifest)
            except FileProblem as problem:
                results.append(FileResult(str(path), "failed", problem.problem))
                continue
            statuses = []
            for tool in tools:
                seen[tool.id] = str(path)
                source_id = tool_source_id(tool.id)
                payload = tool.model_dump_json()
                digest = hashlib.sha256(payload.encode()).hexdigest()
                old = manifest.get(source_id)
                if old and old.content_hash == digest:
                    statuses.append("unchanged")
                    continue
                status = "updated" if old else "indexed"
                chunk = chunk_tool(tool, source_id)
                record = SourceRecord(source_id, str(path), digest, tool.name, 1, time.time(),
                                      kind="tool", payload=payload)
                work.append(_Work(record, [chunk], status))
                statuses.append(status)
            status = next((s for s in ("indexed", "updated") if s in statuses), "unchanged")
            results.append(FileResult(str(path), status, "tool", len(tools)))
        self._write(work, "tools")
        return results, bool(work)

    # -- documents -------------------------------------------------------------------------

    def _ingest_documents(self, files: list[Path], manifest: dict[str, SourceRecord],
                          mentions: MentionFinder) -> list[FileResult]:
        results: list[FileResult] = []
        work: list[_Work] = []
        claimed: dict[str, str] = {}
        for path in files:
            try:
                self._check_size(path)
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                known = _record_for_path(manifest, path)
                if known and known.content_hash == digest:
                    results.append(FileResult(str(path), "unchanged", "", known.chunks))
                    claimed[known.source_id] = str(path)
                    continue
                document = parse_document(path)
                source_id = document_source_id(document.doc_id)
                _check_unique_document(source_id, path, claimed, manifest)
                claimed[source_id] = str(path)
                chunks = chunk_document(document, self.params, mentions)
                if not chunks:
                    raise FileProblem(path, "no text to index")
            except FileProblem as problem:
                results.append(FileResult(str(path), "failed", problem.problem))
                continue
            except OSError as err:
                results.append(FileResult(str(path), "failed", f"cannot read ({err.strerror})"))
                continue
            status = "updated" if source_id in manifest else "indexed"
            record = SourceRecord(source_id, str(path), digest, document.title, len(chunks),
                                  time.time())
            work.append(_Work(record, chunks, status))
            results.append(FileResult(str(path), status, "", len(chunks)))
        self._write(work, "documents")
        return results

    def _remove_missing(self, paths: Sequence[Path], files: list[Path],
                        manifest: dict[str, SourceRecord]) -> list[FileResult]:
        present = {str(f) for f in files}
        folders = [str(p).rstrip("/") + "/" for p in paths if p.is_dir()]
        results = []
        for record in manifest.values():
            under = any(record.path.startswith(folder) for folder in folders)
            if under and record.path not in present:
                self.store.remove_source(record.source_id)
                results.append(FileResult(record.path, "removed", record.kind, record.chunks))
        return results

    def _refresh_mentions(self, mentions: MentionFinder) -> None:
        """Tools changed: passages may now name a tool they did not before (or no longer)."""
        stale = [c for c in self.store.chunks()
                 if c.kind == "passage" and mentions.find(f"{c.section}\n{c.text}") != c.tool_ids]
        if stale:
            self.store.update_mentions(
                {c.chunk_id: mentions.find(f"{c.section}\n{c.text}") for c in stale})

    # -- shared ----------------------------------------------------------------------------

    def _check_size(self, path: Path) -> None:
        size = path.stat().st_size
        if size > self.max_file_bytes:
            raise FileProblem(path, f"file is {size / 1e6:.1f} MB, over the limit of "
                                    f"{self.max_file_bytes / 1e6:.0f} MB (TOOLBOX_MAX_FILE_MB)")

    def _write(self, work: list[_Work], what: str) -> None:
        """Embed in groups across sources (batches fill better), then write source by source."""
        total = sum(len(w.chunks) for w in work)
        bar = tqdm(total=total, desc=f"embedding {what}", unit="chunk", disable=not self.progress,
                   leave=False)
        group: list[_Work] = []
        for item in work:
            group.append(item)
            if sum(len(w.chunks) for w in group) >= _EMBED_GROUP:
                self._write_group(group, bar)
                group = []
        if group:
            self._write_group(group, bar)
        bar.close()

    def _write_group(self, group: list[_Work], bar: tqdm) -> None:
        texts = [embedding_text(c) for w in group for c in w.chunks]
        vectors = self.embedder.embed_documents(texts)
        self.store.replace_sources([(w.record, w.chunks) for w in group], vectors)
        bar.update(len(texts))


def _tools_of(manifest: dict[str, SourceRecord]) -> list[Tool]:
    return [Tool.model_validate_json(r.payload) for r in manifest.values() if r.kind == "tool"]


def _record_for_path(manifest: dict[str, SourceRecord], path: Path) -> SourceRecord | None:
    return next((r for r in manifest.values() if r.path == str(path) and r.kind == "document"),
                None)


def _check_unique_tool(tool: Tool, path: Path, seen: dict[str, str],
                       manifest: dict[str, SourceRecord]) -> None:
    other = seen.get(tool.id)
    if other is None:
        known = manifest.get(tool_source_id(tool.id))
        other = known.path if known and known.path != str(path) and Path(known.path).exists() \
            else None
    if other:
        raise FileProblem(path, f"duplicate tool id {tool.id!r} (already defined in {other})")


def _check_unique_document(source_id: str, path: Path, claimed: dict[str, str],
                           manifest: dict[str, SourceRecord]) -> None:
    other = claimed.get(source_id)
    if other is None:
        known = manifest.get(source_id)
        other = known.path if known and known.path != str(path) and Path(known.path).exists() \
            else None
    if other:
        doc_id = source_id.split(":", 1)[1]
        raise FileProblem(path, f"duplicate document id {doc_id!r} (already used by {other}); "
                                "rename one of the files")
