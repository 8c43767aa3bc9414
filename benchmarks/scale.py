"""Query latency at the shipped corpus, 10k and 100k chunks, embedded and server mode, against
the floor measured in the same process; and the serving process' peak RSS.

Each (corpus, mode) runs in a fresh process that opens the index, warms up, then for every
benchmark question measures the floor (embedding the question + one Chroma k-NN) and `ask`
(everything: question understanding, all embeddings, dense + BM25, tool ranking, the answer),
with every query-embedding cache cleared before each, so no cache helps. Figures are medians
over rounds of each round's p50/p95. Server mode serves the same cached index with
`chroma run --path` on loopback (never while an embedded process has it open).

    python benchmarks/scale.py [--corpora shipped,10k,100k] [--modes embedded,server] [--rounds 3]

Build the larger corpora first (once; cached): python benchmarks/scale_corpus.py 10000 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, ask_against_floor, benchmark_queries, shipped_settings
from scale_corpus import built, scale_settings

from ingest.core.settings import Settings

BARS = {"shipped": 100.0, "10k": 250.0, "100k": 250.0}  # p95 ms (ARCHITECTURE.md; 10k: 100k's)
RSS_BAR_MB = 1500


def settings_for(corpus: str, chroma_url: str | None = None) -> Settings:
    overrides = {"chroma_url": chroma_url} if chroma_url else {}
    if corpus == "shipped":
        return shipped_settings(**overrides)
    return scale_settings(int(corpus[:-1]) * 1000, **overrides)


def measure(corpus: str, chroma_url: str | None, rounds: int) -> dict[str, float]:
    """In this process: open, warm up, then time floor and ask per question."""
    from assistant.service import Assistant

    started = time.perf_counter()
    assistant = Assistant(settings_for(corpus, chroma_url))
    assistant.ensure_index()
    load_s = time.perf_counter() - started
    store = assistant.store
    questions = [q["text"] for q in benchmark_queries()]
    figures = ask_against_floor(assistant, questions, rounds)
    figures.update(chunks=store.count(), load_s=load_s, questions=len(questions),
                   rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_case(corpus: str, mode: str, rounds: int) -> dict[str, float]:
    """One (corpus, mode) in a fresh process; server mode starts its own `chroma run`."""
    sys.path.insert(0, str(ROOT))
    from tests.chroma_server import ChromaServer

    server = None
    command = [sys.executable, __file__, "--child", corpus, "--rounds", str(rounds)]
    if mode == "server":
        server = ChromaServer(settings_for(corpus).chroma_path).start()
        command += ["--chroma-url", server.url]
    try:
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        if server and server.pid:
            figures["server_rss_mb"] = peak_rss_mb(server.pid)
    finally:
        if server:
            server.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="shipped,10k,100k")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--chroma-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.chroma_url, args.rounds)))
        return
    print(f"{'corpus':8} {'mode':9} {'chunks':>7} {'ask p50':>8} {'ask p95':>8} "
          f"{'floor p50':>9} {'floor p95':>9} {'p95/floor':>9} {'bar p95':>8} {'load s':>7} "
          f"{'RSS MB':>7}  verdict", flush=True)
    for corpus in args.corpora.split(","):
        if corpus != "shipped" and not built(int(corpus[:-1]) * 1000):
            print(f"{corpus:8} not built: python benchmarks/scale_corpus.py "
                  f"{int(corpus[:-1]) * 1000}", flush=True)
            continue
        for mode in args.modes.split(","):
            f = run_case(corpus, mode, args.rounds)
            ratio = f["ask_p95"] / f["floor_p95"]
            rss = f"{f['rss_mb']:.0f}" + (f"+{f['server_rss_mb']:.0f}" if "server_rss_mb" in f
                                          else "")
            ok = f["ask_p95"] <= BARS[corpus] and ratio <= 2.0 and (
                corpus != "100k" or f["rss_mb"] <= RSS_BAR_MB)
            print(f"{corpus:8} {mode:9} {f['chunks']:>7} {f['ask_p50']:8.1f} {f['ask_p95']:8.1f} "
                  f"{f['floor_p50']:9.1f} {f['floor_p95']:9.1f} {ratio:9.2f} "
                  f"{BARS[corpus]:8.0f} {f['load_s']:7.1f} {rss:>7}  "
                  f"{'meets the bars' if ok else 'MISSES a bar'}", flush=True)
    print(f"bars: p95 <= 100 ms shipped, <= 250 ms at 100k, <= 2x the floor's p95; app RSS <= "
          f"{RSS_BAR_MB} MB at 100k (RSS: app process, +server process in server mode)")


if __name__ == "__main__":
    main()
