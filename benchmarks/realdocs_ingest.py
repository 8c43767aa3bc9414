"""Ingest of a 150-page real report: the shared reports' pages repeated into one temporary PDF,
ingested by a real `python -m assistant ingest` in a subprocess (wall time, chunks/s, peak RSS),
and read + chunked alone in this process (pages/s).

    python benchmarks/realdocs_ingest.py [--pages 150] [--rounds 3] [--code DIR]

`--code DIR` runs the subprocess on another checkout's code (e.g. an export of the commit
before the reader change) for a before/after figure on the same file.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT
from pypdf import PdfReader, PdfWriter
from realdocs import REALDOCS, find_reports

from ingest.chunk.mentions import MentionFinder
from ingest.chunk.split import ChunkingParams, chunk_document
from ingest.parse.dispatch import parse_document

logging.getLogger("pypdf").setLevel(logging.ERROR)

# Started from a small Python, not from this process: Linux carries a parent's peak RSS over
# to the child it forks (the same measurement as benchmarks/ingest.py).
_MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(code, time.perf_counter() - started, peak)
"""


def long_report(reports: list[Path], pages: int, path: Path) -> Path:
    """The reports' pages one after another, from the first again, until `pages` pages."""
    writer = PdfWriter()
    readers = [PdfReader(report) for report in reports]
    sources = [(reader, i) for reader in readers for i in range(len(reader.pages))]
    for n in range(pages):
        reader, index = sources[n % len(sources)]
        writer.add_page(reader.pages[index])
    with path.open("wb") as out:
        writer.write(out)
    return path


def cli_ingest(path: Path, data: Path, code: Path) -> tuple[float, float, int]:
    """Wall time, peak RSS (MB) and chunk count of `python -m assistant ingest PATH`."""
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(data), "TOOLBOX_COLLECTION": "long",
           "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "assistant",
                          "ingest", str(path)], env=env, capture_output=True, text=True,
                         check=True, cwd=code).stdout.split()
    assert out[0] == "0", f"ingest of {path} failed"
    count = subprocess.run(
        [sys.executable, "-c", "from assistant.service import Assistant; from ingest.core.settings "
         "import Settings; print(Assistant(Settings.from_env()).store.count())"],
        env=env, capture_output=True, text=True, check=True, cwd=code).stdout.split()[-1]
    return float(out[1]), int(out[2]) / 1024, int(count)  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdocs", type=Path, default=REALDOCS)
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT)
    args = parser.parse_args()
    reports = find_reports(args.realdocs)
    with tempfile.TemporaryDirectory(prefix="realdocs-ingest-") as scratch:
        big = long_report(reports, args.pages, Path(scratch) / f"report-{args.pages}.pdf")
        if args.code == ROOT:
            reads = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                chunks = chunk_document(parse_document(big), ChunkingParams(1000, 150),
                                        MentionFinder([]))
                reads.append(time.perf_counter() - started)
            read = statistics.median(reads)
            print(f"read + chunk {args.pages} pages: {read:.1f} s ({args.pages / read:.1f} "
                  f"pages/s), {len(chunks)} chunks")
        runs = [cli_ingest(big, Path(scratch) / f"data-{n}", args.code)
                for n in range(args.rounds)]
        seconds = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        chunks_stored = runs[0][2]
        print(f"CLI ingest of {args.pages} pages ({args.code}): median {seconds:.1f} s over "
              f"{args.rounds} rounds, {chunks_stored} chunks, "
              f"{chunks_stored / seconds:.1f} chunks/s, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
