"""Which source a file is: its absolute, resolved path, the same from any working directory.

Indexes written before this stored paths as given on the command line, relative to the working
directory of that ingest, which nothing recorded. `migrate` rewrites them once, at the next
ingest or removal (under the write lock): a stored path is resolved against each candidate
folder (the data dir's parent, where `make run` and the README's commands run, then the
current directory) and the first where the file exists with the content the manifest recorded
wins; else the first where the file exists (it changed since); else the data dir's parent (the
file is gone; `--remove-missing` of its folder still finds it).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ingest.chunk.split import tool_source_id
from ingest.index.store import SourceRecord, Store
from ingest.parse.dispatch import parse_tools

__all__ = ["migrate"]

log = logging.getLogger(__name__)


def migrate(store: Store, bases: Sequence[Path]) -> int:
    """Give every manifest record with a relative path its absolute one; returns how many."""
    relative = [r for r in store.manifest().values() if not Path(r.path).is_absolute()]
    if not relative:
        return 0
    folders = list(dict.fromkeys(b.resolve() for b in bases))
    tools: dict[Path, dict[str, str]] = {}
    moved = [replace(r, path=str(_locate(r, folders, tools))) for r in relative]
    store.put_records(moved)
    log.info("gave %d sources of an older index their absolute paths", len(moved))
    return len(moved)


def _locate(record: SourceRecord, folders: list[Path], tools: dict[Path, dict[str, str]]
            ) -> Path:
    candidates = [(folder / record.path).resolve() for folder in folders]
    for candidate in candidates:
        if candidate.is_file() and _digest(record, candidate, tools) == record.content_hash:
            return candidate
    return next((c for c in candidates if c.is_file()), candidates[0])


def _digest(record: SourceRecord, path: Path, tools: dict[Path, dict[str, str]]) -> str:
    """What the manifest's content hash of this record would be if it came from `path`."""
    try:
        if record.kind != "tool":
            with path.open("rb") as handle:
                return hashlib.file_digest(handle, "sha256").hexdigest()
        if path not in tools:  # a many-tools file is read once for all its records
            tools[path] = {tool_source_id(t.id): hashlib.sha256(
                t.model_dump_json().encode()).hexdigest() for t in parse_tools(path)}
        return tools[path].get(record.source_id, "")
    except Exception:  # unreadable now: not proof of anything, the next candidate may be
        tools.setdefault(path, {})
        return ""
