"""What a user gets who installs the package today: `pip install .` into a fresh venv, with the
pip that Python brings (no upgrade), the newest versions pyproject.toml's ranges allow; a smoke
test on that install; and what differs from the lock (requirements/lock.txt) that `make install`
uses.

The smoke test: ingest the corpus and an HTML page, one `ask --json` in English and one in
German (each must name tools), and one question over HTTP to the served app. Nothing of the
project's own venv or data dir is used; the throwaway venv and data live in a temporary folder
(kept with --keep).

    python3 scripts/check_latest.py [--keep] [--no-http]

Standard library only, so it runs with any Python 3.11 before anything is installed. Exit code
0 when the install and the smoke test pass (a difference to the lock is information, not a
failure), 1 when they do not.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)
# What the install copies of the project: the sources pip builds from, and the corpus.
_SKIP = shutil.ignore_patterns(".git", ".venv*", "data", "build", "*.egg-info", "__pycache__",
                               ".pytest_cache", ".ruff_cache", ".mypy_cache", ".hypothesis",
                               "test-artifacts", ".cache", "out")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--no-http", action="store_true", help="skip the question over HTTP")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="toolbox-latest-"))
    try:
        installed = install(work)
        print_differences(locked(LOCK.read_text()), installed)
        smoke(work, http=not args.no_http)
        print("check-latest: the newest allowed versions install and pass the smoke test")
        return 0
    except (subprocess.CalledProcessError, SmokeFailure) as err:
        print(f"check-latest: FAILED: {err}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


class SmokeFailure(Exception):
    pass


def install(work: Path) -> dict[str, str]:
    """A fresh venv with `pip install .` of a copy of the project; returns its pins."""
    source = work / "project"
    shutil.copytree(ROOT, source, ignore=_SKIP)
    venv = work / "venv"
    step("venv with the pip Python brings", [sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    step("pip version", [*pip, "--version"])
    # torch first, the CPU build on this disk, as the README tells a user (a plain range would
    # pull a CUDA build of several GB)
    step("torch", [*pip, "install", "--quiet", "-c", str(CONSTRAINTS), "torch==2.13.0"])
    step("pip install . (newest allowed)", [*pip, "install", "--quiet", "-c", str(CONSTRAINTS),
                                            str(source)])
    step("pip check", [*pip, "check"])
    frozen = subprocess.run([*pip, "freeze", "--exclude-editable"], check=True,
                            capture_output=True, text=True).stdout
    return locked(frozen)


def locked(text: str) -> dict[str, str]:
    return {_canonical(name): version for name, version in _PIN.findall(text)}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def print_differences(lock: dict[str, str], latest: dict[str, str]) -> None:
    latest = {n: v for n, v in latest.items() if n != "resilience-toolbox-assistant"}
    changed = sorted(n for n in lock.keys() & latest.keys() if lock[n] != latest[n])
    added = sorted(latest.keys() - lock.keys())
    # the lock also holds the dev tools (tests, lint), which `pip install .` does not bring
    print(f"compared with {LOCK.relative_to(ROOT)}: {len(changed)} newer or other, "
          f"{len(added)} not in the lock")
    for name in changed:
        print(f"  {name}: lock {lock[name]} -> latest {latest[name]}")
    for name in added:
        print(f"  {name}: not in the lock -> latest {latest[name]}")


def smoke(work: Path, http: bool) -> None:
    venv_bin = work / "venv" / "bin"
    cli = str(venv_bin / "toolbox-assistant")
    project = work / "project"
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(work / "data"),
           "TOOLBOX_CORPUS_DIR": str(project / "corpus"), "HF_HUB_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("PYTHONPATH", None)  # the installed package, not a checkout, must answer
    step("ingest the corpus", [cli, "ingest", str(project / "corpus")], env=env, cwd=work)
    page = work / "html" / "hitze.html"  # the corpus holds no HTML: the reader that broke
    page.parent.mkdir()
    page.write_text("<html lang='de'><head><title>Hitzeschutz</title></head><body><main>"
                    "<h1>Hitzeschutz in der Gemeinde</h1><p>Trinkbrunnen, Schatten und ein "
                    "Hitzewarnsystem schützen ältere Menschen an heißen Tagen.</p></main>"
                    "</body></html>", encoding="utf-8")
    step("ingest an HTML page", [cli, "ingest", str(page)], env=env, cwd=work)
    for question in ("How do we start a heat action plan?",
                     "Welche Werkzeuge helfen bei Starkregen in unserer Gemeinde?"):
        run = subprocess.run([cli, "ask", question, "--json", "--top-k", "3"], env=env, cwd=work,
                             capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            raise SmokeFailure(f"ask {question!r}: exit {run.returncode}: {run.stderr[-500:]}")
        names = [tool["name"] for tool in json.loads(run.stdout)["tools"]]
        if not names:
            raise SmokeFailure(f"ask {question!r} named no tools")
        print(f"ok: ask {question!r}: {', '.join(names)}")
    if http:
        ask_over_http(cli, env, work)


def ask_over_http(cli: str, env: dict[str, str], work: Path) -> None:
    """`serve` on a free loopback port, one chat question through Gradio's HTTP API."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = work / "serve.log"
    with log.open("w") as out:
        app = subprocess.Popen([cli, "serve", "--port", str(port)], env=env, cwd=work,
                               stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/gradio_api/call/ask"
    question = "Which tools warn us of heat waves?"
    body = json.dumps({"data": [question, [], [], [], [], [], [], []],
                       "session_hash": uuid.uuid4().hex[:11]}).encode()
    try:
        deadline = time.monotonic() + 240
        while True:
            if app.poll() is not None:
                raise SmokeFailure(f"serve exited with {app.returncode}: "
                                   f"{log.read_text()[-1000:]}")
            try:
                request = urllib.request.Request(url, data=body,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as posted:
                    event_id = json.load(posted)["event_id"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SmokeFailure("serve did not answer within 240 s") from None
                time.sleep(1)
        with urllib.request.urlopen(f"{url}/{event_id}", timeout=120) as stream:
            answer = stream.read().decode()
        if "event: complete" not in answer or "tool-card" not in answer:
            raise SmokeFailure(f"the question over HTTP got no tools: {answer[-500:]}")
        print(f"ok: asked {question!r} over HTTP on port {port}")
    finally:
        app.terminate()
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.kill()


def step(what: str, command: list[str], **kwargs: object) -> None:
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if run.returncode != 0:
        print(run.stdout[-2000:], run.stderr[-4000:], sep="\n", file=sys.stderr)
        raise subprocess.CalledProcessError(run.returncode, what)
    shown = run.stdout.strip().splitlines()[-1:] if "version" in what else []
    print(f"ok: {what} ({time.monotonic() - started:.0f} s){': ' + shown[0] if shown else ''}")


if __name__ == "__main__":
    sys.exit(main())
