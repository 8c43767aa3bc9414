"""Every error the project raises on purpose, in one family: the CLI turns them into one line
(exit code 1, or 2 for bad usage), the app into one sentence; anything else is a bug.

    ToolboxError
    ├── ConfigError        a TOOLBOX_* setting that does not parse (also a ValueError)
    ├── FileProblem        one input file cannot be used (names the file and the problem)
    ├── IndexMismatch      the index was built with other settings (names the rebuild command)
    ├── StoreUnavailable   the Chroma server does not answer (server mode); retried per request
    │   └── IngestInterrupted  ...while ingesting: names the files the next run will complete
    ├── Busy               another process holds the write lock
    ├── DiskFull           the data dir's disk ran out of space
    ├── WorkerFailed       the app's ingest worker could not start or stopped outside a file
    ├── EmptyQuestion      a question without words
    ├── NotAnEditor        an editor action from a session that did not log in
    ├── TooManyLogins      a client locked out after failed logins
    ├── LLMError           the optional LLM endpoint failed
    ├── DatasetProblem     a BEIR file that cannot be used (names the file and line)
    ├── UsageProblem       an evaluate request that is wrong, not its data (exit code 2)
    └── FeedbackProblem    a vote that cannot be stored, or nothing to export

Modules raise them where they belong (`ingest.core.lock` raises Busy) and re-export them by name.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ToolboxError", "ConfigError", "FileProblem", "IndexMismatch", "StoreUnavailable",
           "IngestInterrupted", "Busy", "DiskFull", "WorkerFailed", "EmptyQuestion", "NotAnEditor",
           "TooManyLogins", "LLMError", "DatasetProblem", "UsageProblem", "FeedbackProblem"]


class ToolboxError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(ToolboxError, ValueError):
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


class Busy(ToolboxError):
    """Another process is writing to the index."""


class DiskFull(ToolboxError):
    """The disk holding the index ran out of space during a write."""


class WorkerFailed(ToolboxError):
    """The ingest worker could not start or stopped outside any file."""


class EmptyQuestion(ToolboxError):
    """The question has no words to search for."""


class NotAnEditor(ToolboxError):
    """The session did not log in with the editor password (or lacks its login token)."""


class TooManyLogins(ToolboxError):
    """This client failed to log in too often; it must wait `wait_seconds`."""

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(f"too many failed logins; try again in {wait_seconds} s")
        self.wait_seconds = wait_seconds


class LLMError(ToolboxError):
    """The LLM endpoint failed, timed out or returned no usable text."""


class DatasetProblem(ToolboxError):
    """A BEIR file that cannot be used; the message names the file and line."""


class UsageProblem(ToolboxError):
    """The request is wrong (no such folder, unknown retriever or target), not the data."""


class FeedbackProblem(ToolboxError):
    """A vote that cannot be stored, or nothing to export."""
