"""Shared fixtures: the real packaged model (loaded once), real chromadb stores, real PDFs."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ingest.core.settings import Settings, configure_offline
from ingest.embed.tool_encoder import E5_SMALL

configure_offline()
# What reads the environment (the app, CLI and worker processes tests start, and `cli_here`)
# scores tools without the tool encoder: each such process would load and trace e5 and embed
# its tools' texts, 3-8 s apiece. e5 stays on where it is tested: in-process assistants
# (`Settings.from_env(environ={})` keeps the default), and the processes of the tests that
# name it (E5_ON: test_one_shot_ask, test_browser_answerpage).
os.environ.setdefault("TOOLBOX_TOOL_ENCODER", "none")
E5_ON = {"TOOLBOX_TOOL_ENCODER": E5_SMALL}

from ingest.embed.sentence_transformer import Embedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


# Store and end-to-end tests run against both: the embedded store and a real `chroma run`.
BACKENDS = ["embedded", "server"]


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server's URL: TEST_CHROMA_URL when CI started one (.ci/run), else our own."""
    given = os.environ.get("TEST_CHROMA_URL")
    if given:
        yield given
        return
    from .chroma_server import ChromaServer

    with ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data") as server:
        yield server.url


@pytest.fixture
def own_chroma_server(tmp_path: Path) -> Iterator[Any]:
    """A `chroma run` of this test's own, to freeze or kill; thawed and stopped afterwards
    whatever the test did."""
    from .chroma_server import ChromaServer

    own = ChromaServer(tmp_path / "chroma").start()
    yield own
    own.thaw()
    own.stop()


def on_backend(settings: Settings, backend: str, request: pytest.FixtureRequest) -> Settings:
    """The same settings on the embedded store or on the session's Chroma server."""
    if backend == "embedded":
        return settings
    return replace(settings, chroma_url=request.getfixturevalue("chroma_url"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a fresh embedded store with a collection no other test uses."""
    return Settings.from_env(environ={}, data_dir=tmp_path / "data",
                             collection=f"test-{uuid.uuid4().hex[:12]}",
                             corpus_dir=tmp_path / "corpus")


def write_pdf(path: Path, pages: list[str], title: str = "Test document",
              keywords: str = "", encrypt: str | None = None) -> Path:
    """A real multi-page PDF with the given text on each page (fpdf2, core font)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    if keywords:
        pdf.set_keywords(keywords)
    if encrypt:
        pdf.set_encryption(owner_password=encrypt, user_password=encrypt)
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


@pytest.fixture
def pdf_factory(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str, pages: list[str], **kwargs: object) -> Path:
        return write_pdf(tmp_path / "docs" / name, pages, **kwargs)  # type: ignore[arg-type]
    return make


def copy_tools(target: Path, ids: list[str]) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for tool_id in ids:
        shutil.copy(CORPUS / "tools" / f"{tool_id}.yaml", target / f"{tool_id}.yaml")
    return target


SHIPPED_COLLECTION = "shipped"
# kept between test runs (CI may cache the folder): assistant/retrieval/vector_cache.embedded
TEXT_VECTORS = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") \
    / "toolbox-tests" / "text-vectors"


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A data dir with the whole shipped corpus indexed, built once for the session and closed.
    Building it took 60-120 s on this machine, each time: every user takes a copy
    (`copy_index`), so none sees another's writes and this one is never opened again."""
    from assistant.service import Assistant

    data = tmp_path_factory.mktemp("shipped-index") / "data"
    settings = Settings.from_env(environ={}, data_dir=data, corpus_dir=CORPUS,
                                 collection=SHIPPED_COLLECTION)
    # The tool encoder's vectors of the 152 tools (e5: 3-5 minutes on a busy CI machine) are
    # cached by text and encoder, so a copy kept between runs is never wrong, only incomplete.
    if TEXT_VECTORS.is_dir():
        shutil.copytree(TEXT_VECTORS, data / "cache" / "text-vectors")
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ensure_index()
    assert report is not None and not report.failed, report and report.failed
    assistant.store.close()
    if (data / "cache" / "text-vectors").is_dir():
        shutil.copytree(data / "cache" / "text-vectors", TEXT_VECTORS, dirs_exist_ok=True)
    return data


def copy_index(built: Path, data_dir: Path) -> Path:
    """A copy of a data dir the session built (`shipped_index`, collection SHIPPED_COLLECTION;
    `small_index`) as `data_dir`."""
    shutil.copytree(built, data_dir)
    return data_dir


@pytest.fixture(scope="session")
def shipped_assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder,
                      shipped_index: Path):
    """An assistant over the whole shipped corpus, on its own copy of the session's index."""
    from assistant.service import Assistant

    data = copy_index(shipped_index, tmp_path_factory.mktemp("shipped") / "data")
    settings = Settings.from_env(environ={}, data_dir=data, corpus_dir=CORPUS,
                                 collection=SHIPPED_COLLECTION)
    assistant = Assistant(settings, embedder=embedder)
    assert assistant.ensure_index() is None  # the copy is complete: nothing to build
    return assistant


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A data dir with app_server's small knowledge base indexed (collection `toolbox`, the
    default; the corpus beside it), built once and closed: an app that is not there to build
    its index starts on a copy (`copy_index`)."""
    from assistant.service import Assistant

    from .app_server import small_corpus

    root = tmp_path_factory.mktemp("small-index")
    assistant = Assistant(Settings.from_env(environ={}, data_dir=root / "data"),
                          embedder=embedder)
    report = assistant.ingest([small_corpus(root / "corpus")])
    assert report.results and not report.failed, report.failed
    assistant.store.close()
    return root / "data"


@pytest.fixture
def cli_here(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
             ) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`toolbox-assistant ARGS` on the data dir given, run in this process: what a subprocess
    would print and its exit code, without the 20-30 s a fresh interpreter spends importing
    torch and sentence-transformers. For tests of what the commands do; tests/test_cli.py and
    the one-shot and crash tests run the real console script."""
    import gc

    from assistant.cli.main import main

    def run(args: list[str], data: Path, collection: str = "cli"
            ) -> subprocess.CompletedProcess[str]:
        monkeypatch.setenv("TOOLBOX_DATA_DIR", str(data))
        monkeypatch.setenv("TOOLBOX_COLLECTION", collection)
        capsys.readouterr()
        collecting = gc.isenabled()  # `ask` pauses the collector, as a one-shot process may
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's bad usage
            code = exit_.code if isinstance(exit_.code, int) else 2
        finally:
            if collecting:
                gc.enable()
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


@pytest.fixture(scope="module")
def app_module() -> Any:
    """app.py, loaded from its file (no module of ours imports it)."""
    from .app_server import load_app

    return load_app("toolbox_app")


# Test lanes. `unit`: in this process only, the default for a test that declares no lane;
# `integration`: starts processes or servers (the CLI, `chroma run`, the app over HTTP);
# `browser`: drives a real Chromium. A test of a store fixture parametrized over both backends
# joins `integration` for its server case. `pytest -m unit` runs the fast lane alone.
LANES = ("unit", "integration", "browser")


def _needs_a_server(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec else ()
    return "server" in params or bool({"chroma_server", "own_chroma_server"}
                                      & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(lane) for lane in LANES):
            item.add_marker("integration" if _needs_a_server(item) else "unit")


@pytest.fixture(autouse=True)
def _unit_tests_stay_in_process(request: pytest.FixtureRequest,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit-lane test that starts a process fails, so the lanes stay what they say."""
    if request.node.get_closest_marker("unit") is None:
        return
    where = request.node.nodeid

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{where} starts a process: give its module "
                             "`pytestmark = pytest.mark.integration`")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(os, "fork", refuse)
