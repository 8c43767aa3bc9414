"""Errors of the write side.

    ToolboxError
    ├── BadSetting         a TOOLBOX_* setting that does not parse (also a ValueError)
    ├── FileProblem        one input file cannot be used (names the file and the problem)
    ├── IndexMismatch      the index was built with other settings (names the rebuild command)
    └── StoreUnavailable   the Chroma server does not answer (server mode); retried per request
        └── IngestInterrupted  ...while ingesting: names the files the next run will complete
"""

from __future__ import annotations

from pathlib import Path


class ToolboxError(Exception):
    """Base of every error this project raises on purpose."""


class BadSetting(ToolboxError, ValueError):
    """A setting's value cannot be used; the message names the variable and what it takes."""


class FileProblem(ToolboxError):
    """One input file cannot be used; the batch it belongs to goes on without it."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class IndexMismatch(ToolboxError):
    """The index on disk was built with other settings than the ones asked for now."""


class StoreUnavailable(ToolboxError):
    """The Chroma server stopped answering; the same client works again once it is back."""


class IngestInterrupted(StoreUnavailable):
    """An ingest lost the Chroma server; `unfinished` lists the files the next run completes."""

    def __init__(self, cause: str, unfinished: list[str]) -> None:
        self.unfinished = unfinished
        shown = ", ".join(unfinished[:20]) + (f" and {len(unfinished) - 20} more"
                                               if len(unfinished) > 20 else "")
        super().__init__(f"{cause}. Not completed ({len(unfinished)} files): {shown or 'none'}. "
                         "Everything else is indexed; run the same ingest again when the server "
                         "is back to complete them.")
