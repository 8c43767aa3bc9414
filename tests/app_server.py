"""The real app as a separate process, a headless Chromium for it, and the small knowledge base
the app and browser tests share (a few catalogue tools and one German guide as a PDF)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, copy_tools, write_pdf

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Playwright's own browser download does not work offline; these flags keep Chromium off the net.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="Debian chromium not installed (.ci/run installs it)")

def load_app(name: str) -> Any:
    """app.py loaded from its file as module `name`: app.py is the edge, and no module of ours
    imports it."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


SMALL_TOOLS = ["dwd-hitzewarnsystem", "halle-trinkbrunnen-entscheidungsmatrix", "efas",
               "bkg-hinweiskarte-starkregengefahren", "ufz-duerremonitor",
               "mannheim-hitzeaktionsplan"]
SMALL_PAGES = [
    "Hitzeschutz in der Kommune. Dieser Leitfaden erklärt, wie Städte ältere Menschen schützen.",
    "Hitzewarnungen. Das DWD heat warning system (hitzewarnungen.de, newsletter) warnt "
    "Gesundheitsamt und Pflegeheime vor Hitzewellen, damit die Stadt ihre Maßnahmen startet.",
    "Trinkbrunnen. Die Halle (Saale) decision matrix for siting public drinking fountains hilft "
    "bei der Wahl der Standorte.",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def small_corpus(target: Path) -> Path:
    """The shared small knowledge base under `target`: SMALL_TOOLS and 'Hitze-Leitfaden'."""
    corpus = copy_tools(target, SMALL_TOOLS)
    write_pdf(corpus / "hitze-leitfaden.pdf", SMALL_PAGES, title="Hitze-Leitfaden")
    return corpus


@contextmanager
def running_app(root: Path, corpus: Path, timeout: float = 240,
                **env: str) -> Iterator[tuple[str, Path]]:
    """`python app.py` on a free loopback port over `corpus` (it builds its index under
    root/data); yields its URL and log once it answers, and stops it afterwards."""
    port = free_port()
    environ = {**os.environ, "TOOLBOX_DATA_DIR": str(root / "data"), "TOOLBOX_PORT": str(port),
               "TOOLBOX_CORPUS_DIR": str(corpus), **env}
    log = root / "app.log"
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=root, env=environ,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"app exited: {log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"app did not answer within {timeout:.0f} s")
                time.sleep(0.5)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def browser_page(url: str) -> Iterator[Any]:
    """A fresh page of headless Debian Chromium (Playwright), opened at `url`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


def submit_question(page: Any, question: str) -> None:
    """Type a question, press Ask and wait for the question and its answer in the chat."""
    answers = page.locator("#chat .message-row").count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .message-row').length >= n + 2", arg=answers,
        timeout=90_000)
