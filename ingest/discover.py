"""Which files an ingest reads: the given files, and the supported files under given folders.

Refused, each with a reason: a path with `..` in it, and a symlink under a folder that points
out of that folder (a way to pull in files nobody meant to publish). Hidden entries and
patterns of a folder's `.toolboxignore` are skipped.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ingest.parse import DOCUMENT_SUFFIXES, TOOL_SUFFIXES
from ingest.report import FileResult

IGNORE_FILE = ".toolboxignore"
SUFFIXES = DOCUMENT_SUFFIXES | TOOL_SUFFIXES


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Files to ingest under the given paths, and the paths refused (as failed results)."""
    found: list[Path] = []
    problems: list[FileResult] = []
    for path in paths:
        if ".." in path.parts:
            problems.append(FileResult(str(path), "failed",
                                       "path contains '..'; refused (name it without '..')"))
        elif path.is_dir():
            _walk(path, found, problems)
        elif path.is_file():
            found.append(path)
        else:
            problems.append(FileResult(str(path), "failed", "no such file or folder"))
    return found, problems


def _walk(folder: Path, found: list[Path], problems: list[FileResult]) -> None:
    root = folder.resolve()
    ignored = _ignore_patterns(folder)
    for directory, dirs, files in os.walk(folder, followlinks=False):
        here = Path(directory)
        for name in sorted(dirs):
            entry = here / name
            if name.startswith(".") or _ignored(entry.relative_to(folder), ignored, folder=True):
                dirs.remove(name)
            elif entry.is_symlink():
                dirs.remove(name)  # never followed: inside, its files are walked anyway
                _check_link(entry, root, problems)
        dirs.sort()
        for name in sorted(files):
            entry = here / name
            relative = entry.relative_to(folder)
            if name.startswith(".") or _ignored(relative, ignored):
                continue
            if entry.suffix.lower() not in SUFFIXES:
                continue
            if entry.is_symlink() and not _check_link(entry, root, problems):
                continue
            try:
                regular = stat.S_ISREG(entry.stat().st_mode)
            except OSError:
                problems.append(FileResult(str(entry), "failed", "broken link or unreadable"))
                continue
            if regular:
                found.append(entry)


def _check_link(entry: Path, root: Path, problems: list[FileResult]) -> bool:
    target = entry.resolve()
    if target == root or target.is_relative_to(root):
        return True
    problems.append(FileResult(str(entry), "failed",
                               f"symlink to {target} points outside {root}; refused"))
    return False


def _ignored(relative: Path, patterns: list[str], folder: bool = False) -> bool:
    text = relative.as_posix() + ("/" if folder else "")
    return any(fnmatch.fnmatch(text.rstrip("/"), pat.rstrip("/")) or text.startswith(
        pat.rstrip("/") + "/") for pat in patterns)


def _ignore_patterns(folder: Path) -> list[str]:
    ignore = folder / IGNORE_FILE
    if not ignore.is_file():
        return []
    lines = ignore.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
