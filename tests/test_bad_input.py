"""The bad-input set: each bad file beside good ones gets one clear line naming it and the
problem, the good files are indexed, and the command line exits 1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.service import Assistant

from .conftest import copy_tools, write_pdf

GOOD_TOOLS = ["efas", "dwd-hitzewarnsystem"]
UNKNOWN_HAZARD = ("id: lava-tool\nname: Lava map\nprovider: P\nurl: null\nkind: guide\n"
                  "hazards: [lava]\nphases: [planning]\nscale: [city]\nlanguages: [de]\n"
                  "cost: free\ndescription: d\nexample_use: e\nsource_note: s\n")


def _scan(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50, style="F")  # marks on the page, no text layer
    pdf.output(str(path))
    return path


def _symlink_out(folder: Path) -> Path:
    secret = folder.parent / "outside" / "secret.md"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("# Not for publishing\nPrivate notes.\n", "utf-8")
    link = folder / "linked.md"
    link.symlink_to(secret)
    return link


def _dotdot(folder: Path) -> Path:
    (folder.parent / "elsewhere.md").write_text("# Elsewhere\nText.\n", "utf-8")
    return folder / ".." / "elsewhere.md"


def _big(folder: Path) -> Path:
    path = folder / "huge.pdf"
    with path.open("wb") as handle:  # sparse: 200 MB long, nothing written
        handle.truncate(200_000_000)
    return path


# name -> (make the bad input in the folder, expected problem)
CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "corrupt PDF": (lambda f: _write(f / "broken.pdf", b"%PDF-1.4\n1 0 obj garbage"),
                    "not a readable PDF"),
    "encrypted PDF": (lambda f: write_pdf(f / "locked.pdf", ["secret"], encrypt="pw"),
                      "encrypted PDF; save an unprotected copy and ingest that"),
    "scanned PDF": (lambda f: _scan(f / "scan.pdf"),
                    r"no text layer \(scanned PDF\?\); run OCR first, then ingest again"),
    "zero-byte file": (lambda f: _write(f / "empty.md", b""), "empty file"),
    "binary as text": (lambda f: _write(f / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
                       r"binary content in a text file \(wrong extension\?\)"),
    "non-UTF-8 text": (lambda f: _write(f / "latin1.md", "Hitze in Köln".encode("latin-1")),
                       r"not UTF-8 text \(byte 10\); save it as UTF-8"),
    "200 MB file": (_big, r"file is 200.0 MB, over the limit of 50 MB \(TOOLBOX_MAX_FILE_MB\)"),
    "corrupt Word file": (lambda f: _write(f / "report.docx", b"PK\x03\x04 not a zip"),
                          "not a readable Word file"),
    "invalid YAML": (lambda f: _write(f / "bad.yaml", b"id: x-y\nname: [unclosed\n"),
                     r"invalid YAML: .* at line 3"),
    "unknown vocabulary value": (lambda f: _write(f / "lava.yaml", UNKNOWN_HAZARD.encode()),
                                 r"tool 'lava-tool': field hazards: unknown hazards value "
                                 r"'lava'; allowed: heat, "),
    "duplicate tool id": (lambda f: _write(f / "zz-efas-copy.yaml",
                                           (f / "efas.yaml").read_bytes()),
                          r"duplicate tool id 'efas' \(already defined in .*efas.yaml\)"),
    "symlink out of the folder": (_symlink_out, r"symlink to .*secret.md points outside .*; "
                                                r"refused"),
    "path with ..": (_dotdot, r"path contains '\.\.'; refused"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _good_folder(root: Path) -> Path:
    folder = copy_tools(root / "kb", GOOD_TOOLS)
    (folder / "guide.md").write_text("# Heat guide\nShade and water help in hot summers.\n",
                                     "utf-8")
    return folder


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_named_and_good_files_are_indexed(case: str, settings, embedder,
                                                       tmp_path: Path) -> None:
    folder = _good_folder(tmp_path)
    make, problem = CASES[case]
    bad = make(folder)
    paths = [folder, bad] if ".." in bad.parts else [folder]
    report = Assistant(settings, embedder=embedder).ingest(paths)
    (failed,) = report.failed
    assert failed.path == str(bad)
    assert "\n" not in failed.detail
    assert re.search(problem, failed.detail), failed.detail
    assert report.count("indexed") == 3  # guide.md and both tools


def test_a_200_mb_file_is_refused_before_it_is_read(settings, embedder, tmp_path: Path) -> None:
    folder = _good_folder(tmp_path)
    _big(folder)
    io = Path("/proc/self/io")
    before = _read_chars(io)
    report = Assistant(settings, embedder=embedder).ingest([folder])
    assert [Path(r.path).name for r in report.failed] == ["huge.pdf"]
    assert _read_chars(io) - before < 20_000_000  # far less than the file's 200 MB


def test_the_size_limit_is_configurable(tmp_path: Path, embedder) -> None:
    from ingest.settings import Settings

    settings = Settings.from_env(environ={"TOOLBOX_MAX_FILE_MB": "1"},
                                 data_dir=tmp_path / "data", collection="limit")
    folder = _good_folder(tmp_path)
    (folder / "long.md").write_text("# Long\n" + "Shade helps. " * 100_000, "utf-8")  # 1.3 MB
    report = Assistant(settings, embedder=embedder).ingest([folder])
    assert [r.detail for r in report.failed] == [
        "file is 1.3 MB, over the limit of 1 MB (TOOLBOX_MAX_FILE_MB)"]


def _read_chars(io: Path) -> int:
    fields = dict(line.split(": ") for line in io.read_text().splitlines())
    return int(fields["rchar"])


def test_command_line_reports_each_bad_file_on_one_line_and_exits_1(tmp_path: Path) -> None:
    folder = _good_folder(tmp_path)
    bad = {case: make(folder) for case, (make, _) in CASES.items() if case != "path with .."}
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(tmp_path / "data"),
           "TOOLBOX_COLLECTION": "bad-input"}
    result = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(folder)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("failed: ")]
    assert len(lines) == len(bad), result.stderr
    for case, path in bad.items():
        line = next(ln for ln in lines if ln.startswith(f"failed: {path}: "))
        assert re.search(CASES[case][1], line), (case, line)
    assert result.stdout.strip().splitlines()[-1].startswith(f"{len(bad) + 3} files: 3 indexed")
