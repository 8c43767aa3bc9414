"""What an ingest did, file by file, and the one-line summary the CLI ends with."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

__all__ = ["STATUSES", "shown", "FileResult", "IngestReport"]

STATUSES = ("indexed", "updated", "unchanged", "removed", "failed", "skipped")


def shown(text: str) -> str:
    """Text safe for a terminal line: control characters (newline, ANSI escapes, C1, bidi
    overrides) and undecodable bytes as Python escapes (`\\n`, `\\x1b`, `\\u202e`)."""
    return "".join(repr(ch)[1:-1] if _unsafe(ch) else ch for ch in text)


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch == "\\"


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

    def lines(self, verbose: bool = False) -> list[tuple[bool, str]]:
        """One line per file for a terminal, escaped: (is it a failure, the line)."""
        shown_lines = []
        for r in self.results:
            if r.status == "failed":
                shown_lines.append((True, f"failed: {shown(r.path)}: {shown(r.detail)}"))
            elif r.status == "skipped":
                shown_lines.append((False, f"skipped: {shown(r.path)} ({shown(r.detail)})"))
            elif verbose or r.status != "unchanged":
                chunks = f" ({r.chunks} chunks)" if r.chunks else ""
                shown_lines.append((False, f"{r.status}: {shown(r.path)}{chunks}"))
        return shown_lines

    def summary(self) -> str:
        parts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES if self.count(s))
        chunks = sum(r.chunks for r in self.results if r.status in ("indexed", "updated"))
        return (f"{len(self.results)} files: {parts or 'nothing to do'}; "
                f"{chunks} chunks written in {self.seconds:.1f} s")
