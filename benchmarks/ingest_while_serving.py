"""Other users' answers while an editor's upload ingests: p95 alone, p95 during, their ratio.

The app (`python -m assistant serve`, editor password set) runs on a copy of the shipped index.
`--users` chat users ask the benchmark questions over HTTP, one after another each: first
for `--alone` seconds with nothing else running, then while an editor uploads real reports
(/work/shared/realdocs: all three, 141 pages, by default) through the Ingest tab's endpoint, which
ingests them in the worker process (ingest/pipeline/worker.py); only answers that began and ended
during the ingest count. Each run starts from a fresh copy of the index; the figures printed
last are the medians over runs. Bar: p95 during <= 2x p95 alone.

    python benchmarks/ingest_while_serving.py [--runs 3] [--users 2] [--files all|largest]
                                               [--alone SECONDS]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import CORPUS, ROOT, benchmark_queries, median, percentile
from serving import Client, ask, free_port

REALDOCS = Path("/work/shared/realdocs")
RATIO_BAR = 2.0
PASSWORD = "bench-editor"
TEMPLATE = ROOT / "benchmarks" / ".cache" / "ingest-while-serving"


def start_app(data: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(data), "TOOLBOX_CORPUS_DIR": str(CORPUS),
           "TOOLBOX_COLLECTION": "bench", "TOOLBOX_EDITOR_PASSWORD": PASSWORD,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    app = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)],
                           env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    client = Client(url)
    deadline = time.monotonic() + 900  # the first start builds the template index
    while True:
        if app.poll() is not None:
            raise RuntimeError(f"the app exited with {app.returncode}; see {log}")
        try:
            ask(client, "How do we start a heat action plan?")
            return app, url
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def stop(app: subprocess.Popen) -> None:
    app.terminate()
    try:
        app.wait(timeout=60)
    except subprocess.TimeoutExpired:
        app.kill()


def asking(url: str, users: int, questions: list[str], until: threading.Event
           ) -> tuple[list[tuple[float, float]], list[str]]:
    """Users asking one question after another until `until` is set: (start, end) of each
    answer (perf_counter) and the errors."""
    spans: list[tuple[float, float]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def user(number: int) -> None:
        client, turn = Client(url), number * 1_000_000 + int(time.time() * 1000) % 1_000_000
        while not until.is_set():
            began = time.perf_counter()
            try:
                # a question once asked is cached (ingest/embed/query_cache.py): a new one each time
                ask(client, f"{questions[turn % len(questions)]} ({turn})")
                with lock:
                    spans.append((began, time.perf_counter()))
            except Exception as err:
                with lock:
                    errors.append(f"{type(err).__name__}: {err}"[:200])
            turn += 1

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    until.wait()
    for thread in threads:
        thread.join()
    return spans, errors


def one_run(args: argparse.Namespace, files: list[Path], questions: list[str]) -> dict:
    from gradio_client import Client as GradioClient
    from gradio_client import handle_file

    with tempfile.TemporaryDirectory(prefix="ingest-while-serving-") as scratch:
        data = Path(scratch) / "data"
        shutil.copytree(TEMPLATE, data)
        app, url = start_app(data, Path(scratch) / "app.log")
        try:
            for question in questions[:5]:  # warm-up, as a user who asked before
                ask(Client(url), question)
            done = threading.Event()
            threading.Timer(args.alone, done.set).start()
            alone, alone_errors = asking(url, args.users, questions, done)

            editor = GradioClient(url, verbose=False)
            editor.predict(PASSWORD, api_name="/editor_login")
            finished = threading.Event()
            outcome: dict = {}

            def upload() -> None:
                began = time.perf_counter()
                try:
                    report, summary, *_ = editor.predict([handle_file(str(f)) for f in files],
                                                         "", api_name="/editor_ingest")
                    outcome.update(summary=summary, rows=report["data"])
                finally:
                    outcome.update(began=began, ended=time.perf_counter())
                    finished.set()

            uploader = threading.Thread(target=upload)
            uploader.start()
            during, during_errors = asking(url, args.users, questions, finished)
            uploader.join()
        finally:
            stop(app)
    inside = [end - began for began, end in during
              if began >= outcome["began"] and end <= outcome["ended"]]
    return {"alone": [end - began for began, end in alone], "during": inside,
            "errors": alone_errors + during_errors, "ingest_s": outcome["ended"] -
            outcome["began"], "summary": outcome.get("summary", "(no report)")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=2, help="chat users asking meanwhile")
    parser.add_argument("--alone", type=float, default=30.0,
                        help="seconds of asking with no ingest, per run")
    parser.add_argument("--files", choices=["largest", "all"], default="all",
                        help="upload the largest report or all of them (default)")
    args = parser.parse_args()
    reports = sorted(REALDOCS.glob("*.pdf"), key=lambda p: p.stat().st_size, reverse=True)
    if not reports:
        sys.exit(f"no PDFs in {REALDOCS}")
    files = reports[:1] if args.files == "largest" else reports
    questions = [q["text"] for q in benchmark_queries()]
    if not TEMPLATE.exists():  # the shipped index, built once by the app's first start
        TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
        app, _ = start_app(TEMPLATE, TEMPLATE.parent / "ingest-while-serving-build.log")
        stop(app)

    results = []
    for run in range(args.runs):
        result = one_run(args, files, questions)
        results.append(result)
        alone_p95, during_p95 = percentile(result["alone"], 95), percentile(result["during"], 95)
        print(f"run {run + 1}: alone p95 {alone_p95 * 1000:.0f} ms ({len(result['alone'])} "
              f"answers), during ingest p95 {during_p95 * 1000:.0f} ms "
              f"({len(result['during'])} answers in {result['ingest_s']:.1f} s of ingest), "
              f"ratio {during_p95 / alone_p95:.2f}; {len(result['errors'])} errors; "
              f"ingest: {result['summary']}", flush=True)
        for error in result["errors"][:3]:
            print(f"  error: {error}")

    alone = median([percentile(r["alone"], 95) for r in results])
    during = median([percentile(r["during"], 95) for r in results])
    alone_p50 = median([percentile(r["alone"], 50) for r in results])
    during_p50 = median([percentile(r["during"], 50) for r in results])
    errors = sum(len(r["errors"]) for r in results)
    ratio = during / alone
    print(f"{args.users} users, upload of {', '.join(f.name for f in files)}; medians of "
          f"{args.runs} runs: p95 alone {alone * 1000:.0f} ms, during ingest "
          f"{during * 1000:.0f} ms (p50 {alone_p50 * 1000:.0f} / {during_p50 * 1000:.0f} ms); "
          f"ratio {ratio:.2f}, {errors} errors; bar <= {RATIO_BAR:.0f}x and no errors: "
          f"{'met' if ratio <= RATIO_BAR and not errors else 'MISSED'}")


if __name__ == "__main__":
    main()
