"""Progress of long work (ingest, reindex) as events; tqdm bars for the command line.

The pipeline reports `ProgressEvent`s to a callback; the CLI passes `TqdmProgress` (bars with
rate and ETA on stderr), the app a callback that drives its own progress bar (`describe` gives
the same words and ETA).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tqdm import tqdm

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


class TqdmProgress:
    """One tqdm bar per stage on stderr; the pages bar restarts for each file."""

    # Events come from the caller's thread (ingest/writer.py), so no lock is needed here.

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
