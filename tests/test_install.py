"""`pip install .` as a user does it: a fresh venv with the pip Python 3.11 brings (23.2, which
skips jusText's `lxml[html_clean]` extra), the newest versions the ranges allow, then ingest and
questions on that install (scripts/check_latest.py). Slow: several minutes of downloads and
installs; run with `pytest -m slow tests/test_install.py`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.integration


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_pip_install_with_the_bundled_pip_ingests_html_and_answers() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_latest.py")],
                         capture_output=True, text=True, timeout=3500)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "pip version" in run.stdout  # printed before anything is installed or upgraded
    assert "ok: ingest an HTML page" in run.stdout
    assert "ok: ingest the corpus" in run.stdout
    assert "ok: asked" in run.stdout
