"""Wall time and memory of a one-shot `toolbox-assistant ask`, the command a person types.

    python benchmarks/cli_ask.py [--rounds 3] [--questions 7]

Builds (once) the shipped corpus's index in benchmarks/.cache/cli_ask, then runs the installed
`toolbox-assistant ask` as a fresh process per question (German and English), round after round,
and prints the median and the maximum wall time, the largest peak RSS of any run, and whether
the 3 s bar (issue 21) is met by the maximum.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import CACHE, CORPUS, ROOT, median, shipped_settings

QUESTIONS = [
    "Which tools help a city plan for heat waves?",
    "Wie schützt sich eine Gemeinde vor Starkregen?",
    "flood risk maps for municipalities",
    "Welche Förderprogramme gibt es für Klimaanpassung in Sachsen?",
    "How can we assess drought vulnerability of our region?",
    "Hitzeaktionsplan Werkzeug für Kommunen",
    "sea level rise scenarios for coastal towns",
]
BAR_SECONDS = 3.0


def command() -> list[str]:
    installed = Path(sys.executable).with_name("toolbox-assistant")
    found = str(installed) if installed.exists() else shutil.which("toolbox-assistant")
    if found is None:
        raise SystemExit("toolbox-assistant is not installed (pip install -e .)")
    return [found, "ask"]


def environment() -> dict[str, str]:
    settings = shipped_settings("cli_ask")
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path,
            "TOOLBOX_DATA_DIR": str(settings.data_dir), "TOOLBOX_CORPUS_DIR": str(CORPUS),
            "TOOLBOX_COLLECTION": settings.collection, "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False"}


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process, from its own rusage (wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {process.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    args = parser.parse_args()
    env = environment()
    if not (CACHE / "cli_ask").is_dir():  # the first run builds the index; not measured
        subprocess.run([*command(), "warm-up"], env=env, check=True, stdout=subprocess.DEVNULL)
    run_once([*command(), "warm-up"], env)  # page cache and the chunk/BM25 caches
    walls: list[float] = []
    peaks: list[float] = []
    for _ in range(args.rounds):
        for question in QUESTIONS[:args.questions]:
            wall, peak = run_once([*command(), question], env)
            walls.append(wall)
            peaks.append(peak)
    load = os.getloadavg()[0]
    print(f"toolbox-assistant ask, {len(walls)} runs ({args.questions} questions x "
          f"{args.rounds} rounds), load average {load:.1f}")
    print(f"wall median {median(walls):.2f} s, max {max(walls):.2f} s; "
          f"max RSS {max(peaks):.0f} MB (median {median(peaks):.0f} MB)")
    print(f"bar {BAR_SECONDS:.0f} s: {'met' if max(walls) <= BAR_SECONDS else 'not met'}")


if __name__ == "__main__":
    main()
