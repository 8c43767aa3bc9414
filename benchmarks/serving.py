"""The app as users meet it: start-up to the first answer, 16 concurrent chat users over its HTTP
API, and the serving process' peak RSS, each against a floor measured in the same run.

- Start-up: `python -m assistant serve` on an existing index, from spawn until the first
  answer comes back over HTTP (the `/ask` endpoint the chat uses); median of
  runs. Floor: a bare process that loads the embedding model, opens the store and runs one
  k-NN (no app, no HTTP).
- Concurrency: 16 users, each with its own client, send a bounded number of questions each, all
  at once, on loopback: errors and latency p50/p95. Floor: one user alone, same questions.
- Peak RSS (VmHWM) of the app process after all of that.

    python benchmarks/serving.py [--corpus shipped|10k|100k] [--users 16] [--requests 8]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
from _common import ROOT, benchmark_queries, median, percentile
from scale import peak_rss_mb, settings_for

STARTUP_BAR_S = 15.0
P95_BAR_S = 1.0
RSS_BAR_MB = 1500
FLOOR = """
import sys, time
started = time.perf_counter()
from ingest.core.settings import Settings, configure_offline
configure_offline()
from assistant.service import open_store
from ingest.embed.sentence_transformer import Embedder
settings = Settings.from_env()
embedder = Embedder(settings.embed_model)
open_store(settings, embedder).nearest(embedder.embed_query(sys.argv[1]), 100)
print(time.perf_counter() - started)
"""


def free_port() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.chroma_server import free_port as port

    return port()


def env_for(corpus: str) -> dict[str, str]:
    settings = settings_for(corpus)
    return {**os.environ, "TOOLBOX_DATA_DIR": str(settings.data_dir),
            "TOOLBOX_COLLECTION": settings.collection,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


class Client:
    """A chat user over Gradio's HTTP API (`POST /gradio_api/call/ask`, then the answer as
    server-sent events), with plain httpx: gradio_client spends about 120 ms of its own CPU per
    call (measured: 150 ms per answer through it, 20-50 ms with plain HTTP), which on a 2-core
    machine shared with the app would be measured as the app's. Each user is one session (one
    `session_hash`, as a browser tab or gradio_client has): without it gradio makes a session per
    request, copying the whole app's component config each time (about 10 ms of the interpreter
    lock per answer) that no real user causes."""

    def __init__(self, url: str) -> None:
        self.url = f"{url}gradio_api/call/ask"
        self.http = httpx.Client(timeout=120)
        self.session = uuid.uuid4().hex[:11]

    def ask(self, question: str) -> list:
        posted = self.http.post(self.url, json={"data": [question, [], [], [], [], [], [], []],
                                                "session_hash": self.session})
        posted.raise_for_status()
        event = ""
        with self.http.stream("GET", f"{self.url}/{posted.json()['event_id']}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    if event == "error":
                        raise RuntimeError(f"the app answered with an error: {line[5:]}")
                    return json.loads(line[5:])
        raise RuntimeError("the answer stream ended without a result")


def ask(client: Client, question: str) -> float:
    """One chat turn over HTTP; seconds. Raises when the answer has no tools."""
    begin = time.perf_counter()
    history, tools, *_ = client.ask(question)
    if "tool-card" not in tools or history[-1]["role"] != "assistant":
        raise RuntimeError(f"no answer with tools for {question!r}: {history[-1]}")
    return time.perf_counter() - begin


def start_app(corpus: str, log: Path, chroma_url: str | None = None
              ) -> tuple[subprocess.Popen, str, float]:
    """Spawn the app (on a Chroma server when `chroma_url` is given); return it, its URL and
    the seconds until its first answer."""
    port = free_port()
    started = time.perf_counter()
    env = {**env_for(corpus), **({"TOOLBOX_CHROMA_URL": chroma_url} if chroma_url else {})}
    app = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)],
                           env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    client = Client(url)
    while True:
        if app.poll() is not None:
            raise RuntimeError(f"the app exited with {app.returncode}; see {log}")
        try:
            ask(client, "How do we start a heat action plan?")
            break
        except httpx.TransportError:  # not listening yet
            time.sleep(0.1)
    return app, url, time.perf_counter() - started


def users(urls: list[str], questions: list[str], count: int, per_user: int
          ) -> tuple[list[float], list[str]]:
    """`count` users at once, spread over the instances at `urls` (each user stays on one, as
    a proxy with sticky sessions keeps them)."""
    clients = [Client(urls[n % len(urls)]) for n in range(count)]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(count)

    def user(number: int) -> None:
        go.wait()
        for turn in range(per_user):
            question = questions[(number * per_user + turn) % len(questions)]
            try:
                seconds = ask(clients[number], question)
                with lock:
                    latencies.append(seconds)
            except Exception as err:  # counted, and the first few shown
                with lock:
                    errors.append(f"{type(err).__name__}: {err}"[:200])

    threads = [threading.Thread(target=user, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="shipped", choices=["shipped", "10k", "100k"])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--requests", type=int, default=8, help="questions per user")
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--instances", type=int, default=1,
                        help="more than 1: that many app processes on one `chroma run` server "
                             "(README, Running for many users), the users spread over them")
    args = parser.parse_args()
    if args.instances > 1:
        many_instances(args, [q["text"] for q in benchmark_queries()])
        return
    questions = [q["text"] for q in benchmark_queries()]
    log = ROOT / "benchmarks" / ".cache" / "serving-app.log"

    floors = [float(subprocess.run([sys.executable, "-c", FLOOR, questions[0]], check=True,
                                   env=env_for(args.corpus), cwd=ROOT, capture_output=True,
                                   text=True).stdout.split()[-1]) for _ in range(args.starts)]
    startups = []
    for run in range(args.starts):
        app, url, seconds = start_app(args.corpus, log)
        startups.append(seconds)
        if run < args.starts - 1:
            app.terminate()
            app.wait(timeout=60)
    try:
        alone = Client(url)
        single = [ask(alone, q) for q in questions[:args.requests * 2]]
        latencies, errors = users([url], questions, args.users, args.requests)
        rss = peak_rss_mb(app.pid)
    finally:
        app.terminate()
        app.wait(timeout=60)

    startup = median(startups)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    print(f"corpus {args.corpus}")
    print(f"start-up to first answer: median {startup:.1f} s of {startups} "
          f"(floor: model + store + one k-NN in a bare process {median(floors):.1f} s); "
          f"bar {STARTUP_BAR_S:.0f} s: {'met' if startup <= STARTUP_BAR_S else 'MISSED'}")
    print(f"{args.users} users x {args.requests} questions: {len(latencies)} answered, "
          f"{len(errors)} errors, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
          f"(floor: one user alone p50 {percentile(single, 50) * 1000:.0f} ms, p95 "
          f"{percentile(single, 95) * 1000:.0f} ms); bar no errors, p95 <= "
          f"{P95_BAR_S * 1000:.0f} ms: {'met' if not errors and p95 <= P95_BAR_S else 'MISSED'}")
    for error in errors[:3]:
        print(f"  error: {error}")
    print(f"app process peak RSS {rss:.0f} MB (bar at 100k: {RSS_BAR_MB} MB)")


def many_instances(args: argparse.Namespace, questions: list[str]) -> None:
    """16 users over several app instances sharing one Chroma server on the corpus' index."""
    sys.path.insert(0, str(ROOT))
    from tests.chroma_server import ChromaServer

    with ChromaServer(settings_for(args.corpus).chroma_path) as server:
        apps = [start_app(args.corpus, ROOT / "benchmarks" / ".cache" / f"serving-app-{n}.log",
                          server.url) for n in range(args.instances)]
        try:
            latencies, errors = users([url for _, url, _ in apps], questions, args.users,
                                      args.requests)
            rss = [peak_rss_mb(app.pid) for app, _, _ in apps]
            server_rss = peak_rss_mb(server.pid) if server.pid else float("nan")
        finally:
            for app, _, _ in apps:
                app.terminate()
                app.wait(timeout=60)
    p95 = percentile(latencies, 95)
    print(f"corpus {args.corpus}, {args.instances} app instances on one Chroma server")
    print(f"{args.users} users x {args.requests} questions: {len(latencies)} answered, "
          f"{len(errors)} errors, p50 {percentile(latencies, 50) * 1000:.0f} ms, p95 "
          f"{p95 * 1000:.0f} ms; bar no errors, p95 <= {P95_BAR_S * 1000:.0f} ms: "
          f"{'met' if not errors and p95 <= P95_BAR_S else 'MISSED'}")
    for error in errors[:3]:
        print(f"  error: {error}")
    print(f"peak RSS: apps {', '.join(f'{r:.0f}' for r in rss)} MB, server {server_rss:.0f} MB")


if __name__ == "__main__":
    main()
