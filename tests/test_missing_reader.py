"""A reader whose library cannot be imported fails its own files and nothing else.

The failure is made the way it happened to users: with pip 23.2, jusText's `lxml[html_clean]`
extra was skipped, so `lxml_html_clean` was absent and `import trafilatura` failed. Here a
`sitecustomize` in a subprocess refuses to import `lxml_html_clean`; everything else is the
real install. Served from a log file, the first-start build writes plain lines, no bars.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .app_server import free_port
from .conftest import ROOT, copy_tools, write_pdf
from .helpers import read_the_table_guide, write_docx

pytestmark = pytest.mark.integration

BLOCKER = '''
import sys

class _Refuse:
    """Make lxml_html_clean unimportable, as a pip that skipped lxml's extra leaves it."""
    def find_spec(self, name, path=None, target=None):
        if name == "lxml_html_clean" or name.startswith("lxml_html_clean."):
            raise ImportError("No module named 'lxml_html_clean' (blocked by the test)")
        return None

sys.meta_path.insert(0, _Refuse())
'''


def corpus_of_every_format(folder: Path) -> Path:
    corpus = copy_tools(folder / "corpus", ["efas", "ufz-duerremonitor"])
    write_pdf(corpus / "hitze.pdf", ["Hitzeschutz in der Kommune: Trinkbrunnen und Schatten."])
    (corpus / "starkregen.md").write_text("# Starkregen\n\nRückhalteflächen planen.\n")
    (corpus / "notes.txt").write_text("Drought notes: water saving in parks.\n")
    write_docx(corpus / "plan.docx")
    (corpus / "page.html").write_text("<html><body><main><h1>Hitze</h1><p>Ein Text über "
                                      "Hitzeschutz in Städten und Gemeinden.</p></main></body>"
                                      "</html>")
    return corpus


def blocked_env(tmp_path: Path, corpus: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
            "TOOLBOX_DATA_DIR": str(tmp_path / "data"), "TOOLBOX_CORPUS_DIR": str(corpus),
            "HF_HUB_OFFLINE": "1"}


def test_the_block_reproduces_the_users_failure(tmp_path: Path) -> None:
    env = blocked_env(tmp_path, tmp_path)
    run = subprocess.run([sys.executable, "-c", "import trafilatura"], env=env,
                         capture_output=True, text=True)
    assert run.returncode != 0
    assert "lxml_html_clean" in run.stderr


def test_html_fails_alone_and_every_other_format_ingests(tmp_path: Path) -> None:
    corpus = corpus_of_every_format(tmp_path)
    env = blocked_env(tmp_path, corpus)
    run = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(corpus)], env=env,
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    lines = (run.stdout + run.stderr).splitlines()
    failed = [line for line in lines if line.startswith("failed:")]
    assert len(failed) == 1, lines
    assert "page.html" in failed[0] and "trafilatura" in failed[0]
    assert "Traceback" not in run.stdout + run.stderr
    status = subprocess.run([sys.executable, "-m", "assistant", "status", "--json"], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert status.returncode == 0, status.stderr
    listed = json.dumps(json.loads(status.stdout))
    for name in ("hitze.pdf", "starkregen.md", "notes.txt", "plan.docx", "efas.yaml",
                 "ufz-duerremonitor.yaml"):
        assert name in listed, name
    assert "page.html" not in listed


def test_serve_starts_and_logs_plain_lines_without_the_html_reader(tmp_path: Path) -> None:
    corpus = corpus_of_every_format(tmp_path)
    port = free_port()
    env = {**blocked_env(tmp_path, corpus), "TOOLBOX_PORT": str(port)}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        app = subprocess.Popen([sys.executable, "-m", "assistant", "serve"], env=env,
                               cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert app.poll() is None, log.read_text()[-3000:]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "the app did not answer within 300 s"
                time.sleep(0.5)
    finally:
        app.terminate()
        app.wait(timeout=30)
    text = log.read_text()
    assert "\r" not in text and "\x1b" not in text, "progress bar control characters in a log"
    assert "index built from" in text and "1 failed" in text
    assert any(line.startswith("files: 7/7 files in ") for line in text.splitlines()), text
    assert any(line.startswith("embedding: ") for line in text.splitlines()), text


def test_without_pypdfium2_pdfs_are_read_and_their_tables_found_by_pypdf() -> None:
    # PDFium only speeds up the table pass: without it, pypdf's layout mode sets the ruled
    # pages out and the table finder finds the same table
    done = read_the_table_guide("sys.modules['pypdfium2'] = None  # as if not installed")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("| How do we get from recommendations to tasks? | Arbeitshilfe")
