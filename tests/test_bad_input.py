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

pytestmark = pytest.mark.integration

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


def _tool_yaml(field: str, value: str) -> bytes:
    lines = [ln for ln in UNKNOWN_HAZARD.replace("lava", "heat").splitlines()
             if not ln.startswith(f"{field}:")]
    return "\n".join([*lines, f"{field}: {value}", ""]).encode()


def _laughs(levels: int = 9) -> str:
    """A billion-laughs bomb: 9 ** 9 strings once its aliases are expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def _ignore_file(folder: Path) -> Path:
    return _write(folder / ".toolboxignore", "drafts/\nnotiz-\xfcber.md\n".encode("latin-1"))


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
    "date that does not exist": (
        lambda f: _write(f / "dated.yaml", _tool_yaml("id", "[2024-02-30]")),
        r"tool \['2024-02-30'\]: field id: Input should be a valid string"),
    "5,000-digit integer in YAML": (
        lambda f: _write(f / "huge-int.yaml", _tool_yaml("cost", "9" * 5000)),
        r"invalid YAML: a number of 5000 digits \(at most 100\) at line 13"),
    "5,000-digit integer in JSON": (
        lambda f: _write(f / "huge-int.json", b'[{"id": ' + b"9" * 5000 + b"}]"),
        r"invalid JSON: a number of 5000 digits \(at most 100\)"),
    "5,000-digit integer in front matter": (
        lambda f: _write(f / "huge-int.md", b"---\nyear: " + b"9" * 5000 + b"\n---\n# T\nx\n"),
        r"invalid front matter: a number of 5000 digits \(at most 100\) at line 1"),
    "deeply nested JSON": (lambda f: _write(f / "deep.json", b"[" * 100_000 + b"]" * 100_000),
                           "invalid JSON: nested too deeply"),
    "deeply nested YAML": (
        lambda f: _write(f / "deep.yaml", b"id: " + b"[" * 100_000 + b"]" * 100_000),
        r"invalid YAML: nested more than 50 levels deep at line 1"),
    "wrong type in front matter": (
        lambda f: _write(f / "typed.md", b"---\nhazards: 5\n---\n# Typed\nText.\n"),
        r"invalid front matter: hazards must be a name or a list of names, not '5'"),
    "non-UTF-8 .toolboxignore": (
        _ignore_file, r"not UTF-8 text \(byte 14\); its patterns were applied byte for byte"),
    "alias bomb in a tool id": (
        lambda f: _write(f / "bomb.yaml", (_laughs() + "id: *a8\n").encode()),
        r"invalid YAML: anchors and aliases \(& and \*\) are not allowed at line 1"),
    "alias bomb in a front-matter title": (
        lambda f: _write(f / "bomb.md", f"---\n{_laughs()}title: *a8\n---\n# B\nx\n".encode()),
        r"invalid front matter: anchors and aliases \(& and \*\) are not allowed at line 1"),
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
    report = Assistant(settings, embedder=embedder).ingest([folder])
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
    from ingest.core.settings import Settings

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


def test_command_line_reports_each_bad_file_on_one_line_and_exits_1(tmp_path: Path,
                                                                    cli_here) -> None:
    folder = _good_folder(tmp_path)
    bad = {case: make(folder) for case, (make, _) in CASES.items()}
    result = cli_here(["ingest", str(folder)], tmp_path / "data")
    assert result.returncode == 1, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("failed: ")]
    assert len(lines) == len(bad), result.stderr
    for case, path in bad.items():
        line = next(ln for ln in lines if ln.startswith(f"failed: {path}: "))
        assert re.search(CASES[case][1], line), (case, line)
    assert result.stdout.strip().splitlines()[-1].startswith(f"{len(bad) + 3} files: 3 indexed")


def test_dates_that_do_not_exist_stay_text(settings, embedder, tmp_path: Path) -> None:
    folder = _good_folder(tmp_path)
    _write(folder / "dated.yaml", _tool_yaml("source_note", "2024-02-30"))
    _write(folder / "dated.md", b"---\ndate: 2024-02-30\ntitle: Dated\n---\n# Dated\nText.\n")
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ingest([folder])
    assert not report.failed and report.count("indexed") == 5
    (tool,) = [t for t in assistant.status().tools if t.id == "heat-tool"]
    assert tool.title == "Lava map"


@pytest.mark.parametrize("where", ["tool id", "front-matter title"])
def test_an_alias_bomb_is_refused_fast_in_little_memory(where: str, tmp_path: Path) -> None:
    """Run in a child process so its peak memory is its own (ru_maxrss)."""
    folder = tmp_path / "kb"
    folder.mkdir()
    if where == "tool id":
        bomb = _write(folder / "bomb.yaml", (_laughs() + "id: *a8\n").encode())
    else:
        bomb = _write(folder / "bomb.md", f"---\n{_laughs()}title: *a8\n---\n# B\nx\n".encode())
    code = ("import resource, sys, time\nfrom pathlib import Path\n"
            "from ingest.core.errors import FileProblem\n"
            "from ingest.parse.dispatch import parse_document, "
            "parse_tools\npath = Path(sys.argv[1])\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "started = time.perf_counter()\ntry:\n"
            "    (parse_tools if path.suffix == '.yaml' else parse_document)(path)\n"
            "except FileProblem as err:\n    print(err)\n"
            "print(time.perf_counter() - started)\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n")
    result = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True,
                            text=True, timeout=60)
    message, seconds, grown_kb = result.stdout.strip().splitlines()
    assert message.startswith(f"{bomb}: invalid ") and "anchors and aliases" in message
    assert float(seconds) < 1.0
    assert int(grown_kb) < 20_000  # peak memory grew < 20 MB; expanded it is gigabytes


def test_a_toolboxignore_that_is_not_utf8_still_applies(settings, embedder,
                                                        tmp_path: Path) -> None:
    folder = _good_folder(tmp_path)
    _ignore_file(folder)
    (folder / "drafts").mkdir()
    (folder / "drafts" / "draft.md").write_text("# Draft\nNot yet.\n", "utf-8")
    secret = os.fsencode(folder) + "/notiz-\xfcber.md".encode("latin-1")
    with open(secret, "wb") as handle:  # a Latin-1 file name, as the ignore file spells it
        handle.write(b"# Private\nNot for publishing.\n")
    report = Assistant(settings, embedder=embedder).ingest([folder])
    assert [Path(r.path).name for r in report.failed] == [".toolboxignore"]
    assert report.count("indexed") == 3 and len(report.results) == 4


def test_skipped_files_are_listed_not_failed(tmp_path: Path, cli_here) -> None:
    folder = _good_folder(tmp_path)
    os.mkfifo(folder / "pipe.md")
    (folder / "notes.odt").write_bytes(b"PK\x03\x04")
    (folder / "Makefile").write_text("all:\n", "utf-8")
    (folder / ".hidden.md").write_text("# Hidden\n", "utf-8")
    result = cli_here(["ingest", str(folder)], tmp_path / "data")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"skipped: {folder / 'pipe.md'} (a FIFO, not a file)" in lines
    assert f"skipped: {folder / 'notes.odt'} (unknown file type .odt)" in lines
    assert f"skipped: {folder / 'Makefile'} (unknown file type (no extension))" in lines
    assert not any(".hidden.md" in ln for ln in lines)
    assert lines[-1].startswith("6 files: 3 indexed, 3 skipped;")


def test_file_names_are_printed_escaped(tmp_path: Path) -> None:
    # a real process: its stderr also carries what the log prints
    folder = _good_folder(tmp_path)
    (folder / "x\n\x1b[31mred\x1b[0m.md").write_bytes(b"")  # empty: fails, named
    (folder / "y\x07\u202e.odt").write_bytes(b"x")  # skipped, named
    result = _cli(tmp_path, folder)
    assert result.returncode == 1
    assert "\x1b" not in result.stderr + result.stdout and "\x07" not in result.stdout
    assert f"failed: {folder}/x\\n\\x1b[31mred\\x1b[0m.md: empty file" in result.stderr.splitlines()
    assert f"skipped: {folder}/y\\x07\\u202e.odt (unknown file type .odt)" in \
        result.stdout.splitlines()


def _cli(tmp_path: Path, *args: Path | str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(tmp_path / "data"),
           "TOOLBOX_COLLECTION": "bad-input"}
    return subprocess.run([sys.executable, "-m", "assistant", "ingest", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)
