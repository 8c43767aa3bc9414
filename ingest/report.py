"""What an ingest did, file by file, and the one-line summary the CLI ends with."""

from __future__ import annotations

from dataclasses import dataclass, field

STATUSES = ("indexed", "updated", "unchanged", "removed", "failed", "skipped")


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
        parts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES if self.count(s))
        chunks = sum(r.chunks for r in self.results if r.status in ("indexed", "updated"))
        return (f"{len(self.results)} files: {parts or 'nothing to do'}; "
                f"{chunks} chunks written in {self.seconds:.1f} s")
