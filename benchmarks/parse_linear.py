"""Seconds per MB of parsing and chunking each pathological family (#22), and of the question
path, at several sizes: medians of 3. Linear work shows the same figure at every size; the
budget in tests/test_linear_time.py (2 s/MB + 0.5 s; 6 s/MB for questions) is set from these.

    python benchmarks/parse_linear.py [sizes in KB, default 64 256 1024]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_linear_time import FAMILIES, QUESTIONS, _ask, _ingest  # noqa: E402


def _median_seconds(work: Callable[[], None], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    sizes = [int(kb) * 1000 for kb in sys.argv[1:]] or [64_000, 256_000, 1_024_000]
    _ask("warm up the glossary")
    print(f"{'family':24}" + "".join(f"{s // 1000:>9} KB" for s in sizes) + "   (s/MB)")
    with tempfile.TemporaryDirectory() as scratch:
        for name, make in FAMILIES.items():
            row = []
            for size in sizes:
                path = Path(scratch) / name
                path.write_text(make(size), encoding="utf-8")
                mb = path.stat().st_size / 1e6
                row.append(_median_seconds(lambda p=path: _ingest(p)) / mb)
            print(f"{name:24}" + "".join(f"{v:12.3f}" for v in row), flush=True)
    for name, make in QUESTIONS.items():
        row = []
        for size in sizes:
            question = make(size)
            row.append(_median_seconds(lambda q=question: _ask(q)) / (len(question.encode()) / 1e6))
        print(f"{'question ' + name:24}" + "".join(f"{v:12.3f}" for v in row), flush=True)


if __name__ == "__main__":
    main()
