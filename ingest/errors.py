"""Errors of the write side.

    ToolboxError
    ├── FileProblem        one input file cannot be used (names the file and the problem)
    └── IndexMismatch      the index was built with other settings (names the rebuild command)
"""

from __future__ import annotations

from pathlib import Path


class ToolboxError(Exception):
    """Base of every error this project raises on purpose."""


class FileProblem(ToolboxError):
    """One input file cannot be used; the batch it belongs to goes on without it."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class IndexMismatch(ToolboxError):
    """The index on disk was built with other settings than the ones asked for now."""
