"""The editors' commands: ingest, status, remove, reindex (exit 0 ok, 1 some input failed)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ingest.core.settings import Settings

__all__ = ["add_editor_commands", "EDITOR_COMMANDS"]


def add_editor_commands(commands: Any) -> None:
    ingest = commands.add_parser("ingest", help="index documents and tool files",
                                 description="Index files or folders; unchanged files are skipped.")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="files or folders (PDF, Markdown, text, HTML, Word; tools as YAML, "
                             "JSON, JSONL, CSV)")
    ingest.add_argument("--remove-missing", action="store_true",
                        help="remove what was indexed from these folders but is gone now")
    ingest.add_argument("--rebuild", action="store_true",
                        help="drop the whole index first (after changing the chunking)")
    ingest.add_argument("--supersedes", metavar="DOC_ID",
                        help="the one FILE given is a new edition of document DOC_ID, which "
                             "stays indexed but is left out of answers")
    ingest.add_argument("--replace", action="store_true",
                        help="let these files take over tool or document ids another file "
                             "holds, and supersede indexed documents their front matter or "
                             "keywords name (after moving or renaming a file)")
    ingest.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bars on stderr (default: when stderr is a terminal)")

    status = commands.add_parser("status", help="what the knowledge base holds",
                                 description="List documents and tools with chunk counts, the "
                                             "model, and when each was ingested.")
    status.add_argument("--json", action="store_true", help="print one JSON object")

    remove = commands.add_parser("remove", help="remove a document, tool or file",
                                 description="Remove what a document id, tool id or file path "
                                             "names from the index.")
    remove.add_argument("target", metavar="DOC_ID|PATH", help="a document or tool id, or a path")

    reindex = commands.add_parser(
        "reindex", help="re-embed everything with the configured model",
        description="Re-embed every chunk with TOOLBOX_EMBED_MODEL into a new index; the "
                    "current one keeps serving until the new one is complete.")
    reindex.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                         help="progress bar on stderr (default: when stderr is a terminal)")


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.service import Assistant
    from ingest.core.progress import TqdmProgress
    from ingest.embed.sentence_transformer import Embedder
    from ingest.index.generations import drop_all
    from ingest.index.store import connect

    if args.supersedes and (len(args.paths) != 1 or not args.paths[0].is_file()):
        print("error: --supersedes needs exactly one FILE", file=sys.stderr)
        return 2
    embedder = Embedder(settings.embed_model)
    if args.rebuild:
        drop_all(connect(settings), settings.collection)
    assistant = Assistant(settings, embedder=embedder)
    bars = TqdmProgress(enabled=_show_progress(args))
    editions = {args.paths[0]: args.supersedes} if args.supersedes else None
    try:
        report = assistant.ingest(list(args.paths), remove_missing=args.remove_missing,
                                  progress=bars, supersedes=editions, replace=args.replace)
    finally:
        bars.close()
    for failed, line in report.lines(verbose=args.verbose):
        print(line, file=sys.stderr if failed else sys.stdout)
    print(report.summary())
    return 1 if report.failed else 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.index.status import IndexStatus
    from ingest.index.store import Store, connect

    # The index as built, whatever model this process is configured with; no model loaded.
    status = IndexStatus.of(Store(connect(settings), settings.collection, None))
    if args.json:
        print(json.dumps(status.as_json(), ensure_ascii=False, indent=2))
        return 0
    for title, sources in (("documents", status.documents), ("tools", status.tools)):
        print(f"{title}:")
        for s in sources:
            when = datetime.fromisoformat(s.ingested_at).astimezone().strftime("%Y-%m-%d %H:%M")
            edition = f"  superseded by {s.superseded_by}" if s.superseded_by else ""
            print(f"  {s.id:<40} {s.chunks:>5} chunks  {when}  {s.path}{edition}")
    print(status.summary())
    return 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.service import Assistant

    removed = Assistant(settings).remove(args.target)
    for result in removed:
        print(f"removed: {result.path} ({result.detail}, {result.chunks} chunks)")
    print(f"{len(removed)} sources removed")
    return 0


def _reindex(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.core.progress import TqdmProgress
    from ingest.embed.sentence_transformer import Embedder
    from ingest.pipeline.reindex import reindex

    bars = TqdmProgress(enabled=_show_progress(args))
    try:
        report = reindex(settings, Embedder(settings.embed_model), progress=bars)
    finally:
        bars.close()
    print(report.summary())
    return 0


def _show_progress(args: argparse.Namespace) -> bool:
    return sys.stderr.isatty() if args.progress is None else bool(args.progress)


EDITOR_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "ingest": _ingest, "status": _status, "remove": _remove, "reindex": _reindex,
}
