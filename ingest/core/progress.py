"""Progress of long work (ingest, reindex) as events; tqdm bars for a terminal, lines for a log.

The pipeline reports `ProgressEvent`s to a callback; the CLI passes `TqdmProgress` (bars with
rate and ETA on stderr) when stderr is a terminal, the served app's first-start build
`progress_for(sys.stderr)` (bars on a terminal, `StageLines` in a log file), the app's Ingest tab
a callback that drives its own progress bar (`describe` gives the same words and ETA).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

from tqdm import tqdm

__all__ = ["STAGES", "ProgressEvent", "ProgressCallback", "no_progress", "Eta", "ClosingProgress",
           "progress_for", "StageLines", "TqdmProgress"]

STAGES = {"files": "files", "pages": "pages", "chunks": "embedding"}


@dataclass(frozen=True)
class ProgressEvent:
    stage: str  # files | pages | chunks
    done: int
    total: int
    item: str = ""  # the file being read, when there is one


ProgressCallback = Callable[[ProgressEvent], None]


def no_progress(event: ProgressEvent) -> None:
    """The callback for work nobody watches."""


class Eta:
    """Seconds left for a stage, from its rate since the stage started."""

    def __init__(self) -> None:
        self._started: dict[str, tuple[float, int]] = {}

    def seconds_left(self, event: ProgressEvent) -> float | None:
        now = time.monotonic()
        started, first = self._started.setdefault(event.stage, (now, event.done))
        done = event.done - first
        if done <= 0 or event.total <= event.done:
            return None
        return (now - started) / done * (event.total - event.done)

    def describe(self, event: ProgressEvent) -> str:
        """`embedding 120/500 chunks, about 40 s left`."""
        left = self.seconds_left(event)
        eta = f", about {left:.0f} s left" if left is not None else ""
        return f"{STAGES.get(event.stage, event.stage)} {event.done}/{event.total}" \
               f" {'chunks' if event.stage == 'chunks' else event.stage}{eta}"


class ClosingProgress(Protocol):
    def __call__(self, event: ProgressEvent) -> None: ...

    def close(self) -> None: ...


def progress_for(stream: TextIO) -> ClosingProgress:
    """Bars when `stream` is a terminal; else one plain line per stage (a log file would get
    hundreds of lines of carriage returns and control characters from tqdm)."""
    return TqdmProgress() if stream.isatty() else StageLines(stream)


class StageLines:
    """One line per stage when the work is done: `embedding: 687/687 chunks in 41.2 s`."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._stages: dict[str, tuple[float, ProgressEvent]] = {}

    def __call__(self, event: ProgressEvent) -> None:
        if event.stage == "pages":  # restarts for every file: the files line says enough
            return
        started = self._stages.get(event.stage, (time.monotonic(), event))[0]
        self._stages[event.stage] = (started, event)

    def close(self) -> None:
        now = time.monotonic()
        for stage, (started, last) in self._stages.items():
            unit = "chunks" if stage == "chunks" else stage
            print(f"{STAGES.get(stage, stage)}: {last.done}/{last.total} {unit} in "
                  f"{now - started:.1f} s", file=self.stream, flush=True)
        self._stages.clear()


class TqdmProgress:
    """One tqdm bar per stage on stderr; the pages bar restarts for each file."""

    # Events come from the caller's thread (ingest/pipeline/writer.py), so no lock is needed here.

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bars: dict[str, tqdm] = {}
        self._items: dict[str, str] = {}

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        bar = self._bars.get(event.stage)
        if bar is not None and event.stage == "pages" and self._items.get("pages") != event.item:
            bar.close()
            bar = None
        if bar is None:
            unit = "chunk" if event.stage == "chunks" else event.stage.rstrip("s")
            bar = tqdm(total=event.total, desc=STAGES.get(event.stage, event.stage), unit=unit,
                       position=list(STAGES).index(event.stage) if event.stage in STAGES else 0,
                       leave=event.stage != "pages", dynamic_ncols=True)
            self._bars[event.stage] = bar
            self._items[event.stage] = event.item
        if bar.total != event.total:
            bar.total = event.total
        bar.update(event.done - bar.n)
        if event.item:
            bar.set_postfix_str(event.item[-40:], refresh=False)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
