"""A 300-page PDF: ingested page by page (never all pages' text at once) with a progress bar."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.service import Assistant
from ingest.core.progress import ProgressEvent
from ingest.core.records import Page

from .helpers import read_the_table_guide

pytestmark = pytest.mark.integration

PAGES = 300


def write_long_pdf(path: Path, pages: int = PAGES) -> Path:
    """A real PDF of `pages` full pages of text (fpdf2, one text line at a time: fast)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title("Three hundred pages on heat")
    pdf.set_font("Helvetica", size=10)
    for number in range(1, pages + 1):
        pdf.add_page()
        for line in range(40):
            pdf.text(15, 20 + line * 6.5, f"Page {number}, line {line}: shade trees, drinking "
                                          f"water and cool rooms help towns in hot summers.")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


@pytest.mark.slow
def test_300_pages_stream_through_with_progress(tmp_path: Path, settings, embedder) -> None:
    path = write_long_pdf(tmp_path / "docs" / "long-report.pdf")
    live_pages: list[int] = []

    def watch(event: ProgressEvent) -> None:
        if event.stage == "pages" and event.done % 50 == 0:
            gc.collect()
            live_pages.append(sum(type(o) is Page for o in gc.get_objects()))

    report = Assistant(settings, embedder=embedder).ingest([path], progress=watch)
    assert not report.failed and report.results[0].chunks >= PAGES
    assert len(live_pages) == PAGES // 50 and max(live_pages) <= 2, live_pages
    pages = {c.page_start for c in Assistant(settings, embedder=embedder).store.chunks()}
    assert pages == set(range(1, PAGES + 1))


@pytest.mark.slow
def test_cli_shows_a_progress_bar_with_eta(tmp_path: Path) -> None:
    path = write_long_pdf(tmp_path / "long-report.pdf", pages=120)
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "assistant", "ingest", "--progress",
                             str(path)], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "pages" in result.stderr and "120/120" in result.stderr
    assert "embedding" in result.stderr and "chunk/s" in result.stderr
    assert "<" in result.stderr  # tqdm's elapsed<remaining: the ETA


def test_pdfium_lets_the_file_go_once_the_last_page_is_read() -> None:
    # left to the interpreter's exit, pypdfium2 warns of each PDF document still open (in a
    # process where weakref's exit hook came before pypdfium2's, as in the test runner)
    done = read_the_table_guide("import weakref; weakref.finalize(type('Early', (), {})(), int)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("| How do we get from recommendations to tasks? | Arbeitshilfe")
    assert "still open" not in done.stderr, done.stderr
