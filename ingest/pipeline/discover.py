"""Which files an ingest reads: the given files, and the supported files under given folders.

Every path is made absolute and resolved (`..`, symlinks), so a file is the same source from
any working directory. Refused, each with a reason: a symlink under a folder that points out
of that folder (a way to pull in files nobody meant to publish) and a name that is not UTF-8.
Skipped with a reason (listed, not failed): files of an unknown type and entries that are no
regular file (FIFOs, sockets, devices). Hidden entries and patterns of a folder's
`.toolboxignore` are left out silently: someone chose to leave them out.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ingest.parse.dispatch import DOCUMENT_SUFFIXES, TOOL_SUFFIXES
from ingest.pipeline.summary import FileResult

__all__ = ["IGNORE_FILE", "SUFFIXES", "discover"]

IGNORE_FILE = ".toolboxignore"
SUFFIXES = DOCUMENT_SUFFIXES | TOOL_SUFFIXES
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"))


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Files to ingest (absolute, resolved, each once), and the paths refused or skipped."""
    found: list[Path] = []
    results: list[FileResult] = []
    for given in paths:
        path = Path(given).resolve()
        if path.is_dir():
            _walk(path, found, results)
        elif path.is_file():
            found.append(path)
        elif path.exists():
            results.append(FileResult(str(path), "skipped", f"{_kind(path)}, not a file"))
        else:
            results.append(FileResult(str(given), "failed", "no such file or folder"))
    return list(dict.fromkeys(found)), results


def _walk(root: Path, found: list[Path], results: list[FileResult]) -> None:
    ignored = _ignore_patterns(root, results)
    for directory, dirs, files in os.walk(root, followlinks=False):
        here = Path(directory)
        for name in sorted(dirs):
            entry = here / name
            if name.startswith(".") or _ignored(entry.relative_to(root), ignored, folder=True):
                dirs.remove(name)
            elif entry.is_symlink():
                dirs.remove(name)  # never followed: inside, its files are walked anyway
                _check_link(entry, root, results)
        dirs.sort()
        for name in sorted(files):
            entry = here / name
            if name.startswith(".") or _ignored(entry.relative_to(root), ignored):
                continue
            if not _utf8(name):
                results.append(FileResult(str(entry), "failed", "file name is not UTF-8; "
                                                                "rename the file"))
                continue
            if entry.suffix.lower() not in SUFFIXES:
                results.append(FileResult(str(entry), "skipped", "unknown file type "
                                          f"{entry.suffix.lower() or '(no extension)'}"))
                continue
            if entry.is_symlink() and not _check_link(entry, root, results):
                continue
            try:
                mode = entry.stat().st_mode
            except OSError:
                results.append(FileResult(str(entry), "failed", "broken link or unreadable"))
                continue
            if stat.S_ISREG(mode):
                found.append(entry.resolve())
            else:
                results.append(FileResult(str(entry), "skipped", f"{_kind(entry)}, not a file"))


def _kind(path: Path) -> str:
    try:
        mode = path.stat().st_mode
    except OSError:
        return "unreadable"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.walk gives undecodable bytes as surrogates
        return False
    return True


def _check_link(entry: Path, root: Path, results: list[FileResult]) -> bool:
    target = entry.resolve()
    if target == root or target.is_relative_to(root):
        return True
    results.append(FileResult(str(entry), "failed",
                              f"symlink to {target} points outside {root}; refused"))
    return False


def _ignored(relative: Path, patterns: list[str], folder: bool = False) -> bool:
    text = relative.as_posix() + ("/" if folder else "")
    return any(fnmatch.fnmatch(text.rstrip("/"), pat.rstrip("/")) or text.startswith(
        pat.rstrip("/") + "/") for pat in patterns)


def _ignore_patterns(folder: Path, results: list[FileResult]) -> list[str]:
    ignore = folder / IGNORE_FILE
    if not ignore.is_file():
        return []
    data = ignore.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        # Applied anyway, byte for byte as os.walk names files, so nothing meant to stay out
        # gets in; reported so the editor saves it as UTF-8.
        text = data.decode("utf-8", "surrogateescape")
        results.append(FileResult(str(ignore), "failed", f"not UTF-8 text (byte {err.start}); "
                                  "its patterns were applied byte for byte; save it as UTF-8"))
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
