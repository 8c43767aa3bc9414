"""Who owns an id: a tool id or document id belongs to the file that brought it in, and a
document may flag another as its older edition only when the editor said so.

Without these checks a file from anywhere (another folder, an upload) could take over an
indexed tool or guide by reusing its id, or hide any indexed document from answers with
`supersedes:`. Each refusal names both files; `ingest --replace` lets the editor move an id
to another file on purpose (a renamed or moved file).
"""

from __future__ import annotations

from pathlib import Path

from ingest.chunk.split import document_source_id, tool_source_id
from ingest.core.errors import FileProblem
from ingest.core.records import Tool
from ingest.index.store import SourceRecord
from ingest.parse.dispatch import parse_tools

__all__ = ["REPLACE_HINT", "check_tool", "check_document", "check_edition"]

REPLACE_HINT = "use `ingest --replace` if it moved there on purpose"


def check_tool(tool: Tool, path: Path, manifest: dict[str, SourceRecord],
               seen: dict[str, str], files: list[Path], replace: bool) -> None:
    """A tool id belongs to one file: the first of this run that defines it, else the one
    indexed with it, unless that file is part of this run and no longer defines it."""
    if tool.id in seen:
        raise FileProblem(path, f"duplicate tool id {tool.id!r} (already defined in "
                                f"{seen[tool.id]})")
    known = manifest.get(tool_source_id(tool.id))
    if known is None or known.path == str(path) or replace:
        return
    if Path(known.path) in files:
        try:
            if tool.id not in {t.id for t in parse_tools(Path(known.path))}:
                return
        except Exception:  # that file fails on its own; it cannot hold the id
            return
    raise FileProblem(path, f"duplicate tool id {tool.id!r} (already defined in {known.path}"
                            f"{_gone(known)}); refused: {REPLACE_HINT}")


def check_document(doc_id: str, path: Path, manifest: dict[str, SourceRecord],
                   claimed: dict[str, str], replace: bool) -> None:
    """A document id belongs to one file: the first of this run, else the indexed one."""
    source_id = document_source_id(doc_id)
    if source_id in claimed:
        raise FileProblem(path, f"duplicate document id {doc_id!r} (already used by "
                                f"{claimed[source_id]}); rename one of the files")
    known = manifest.get(source_id)
    if known and known.path != str(path) and not replace:
        raise FileProblem(path, f"duplicate document id {doc_id!r} (already used by "
                                f"{known.path}{_gone(known)}); refused: rename one of the "
                                f"files, or {REPLACE_HINT}")


def check_edition(edition: str, path: Path, manifest: dict[str, SourceRecord],
                  named: str, replace: bool) -> None:
    """A file's own `supersedes: X` of a document indexed before this run needs the editor's
    word: X named with `--supersedes` (or the upload's field), or `--replace`; a source that
    declared X when it was indexed keeps it."""
    older = manifest.get(document_source_id(edition))
    if not edition or edition == named or replace or older is None:
        return
    if any(r.path == str(path) and r.supersedes == edition for r in manifest.values()):
        return
    raise FileProblem(path, f"declares it supersedes {edition!r} ({older.path}), an indexed "
                            "document; refused: name the edition with `ingest --supersedes "
                            f"{edition} FILE` (or the upload's supersedes field), or use "
                            "`ingest --replace`")


def _gone(record: SourceRecord) -> str:
    return "" if Path(record.path).exists() else ", which no longer exists"
