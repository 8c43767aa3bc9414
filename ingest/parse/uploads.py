"""Checks on files that arrive from outside (the app's uploads) before they are kept or read.

A client chooses an upload's name and bytes, so neither is trusted: the name is reduced to a
plain file name (no folders, no control or markup characters, no leading dot), the size is
checked before a byte is copied, and the content must be what the extension says (a `.md`
that is a PDF, a `.pdf` that is an executable, a `.docx` that is no zip: refused). Packages
(.docx is a zip) are checked for decompression bombs by `check_zip`, which the Word reader
runs for every file, uploaded or not.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ingest.core.errors import FileProblem
from ingest.parse.dispatch import DOCUMENT_SUFFIXES, TOOL_SUFFIXES
from ingest.parse.zipbomb import check_zip

__all__ = ["ALLOWED_SUFFIXES", "MAX_NAME_CHARS", "safe_name", "content_kind", "check_upload"]

ALLOWED_SUFFIXES = DOCUMENT_SUFFIXES | TOOL_SUFFIXES
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r"[^\w.() -]+")
_PROBE = 8192
_MAGIC = {b"%PDF-": "a PDF", b"PK\x03\x04": "a zip package", b"MZ": "a Windows program",
          b"\x7fELF": "a Linux program", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
          b"GIF8": "a GIF image", b"\xd0\xcf\x11\xe0": "an old Office file (.doc/.xls)"}


def safe_name(name: str) -> str:
    """A plain file name from whatever a client sent (`../../x.md`, `..\\x.md`, `<b>.md`).

    Raises FileProblem when nothing usable is left or the type is not one we read.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("-", base).strip(" .-")
    stem, dot, suffix = base.rpartition(".")
    stem = stem.strip(" .-")
    if not dot or not stem or f".{suffix.lower()}" not in ALLOWED_SUFFIXES:
        raise FileProblem(name[:200], "file name refused: give a plain name with one of the "
                                      f"types {', '.join(sorted(ALLOWED_SUFFIXES))}")
    return f"{stem[:MAX_NAME_CHARS - len(suffix) - 1]}.{suffix.lower()}"


def content_kind(head: bytes) -> str:
    """What the first bytes of a file say it is, by magic numbers; `text` when none match."""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head[:1024]:  # readers accept junk before the header; so do we, not more
        return "a PDF"
    return "binary data" if b"\x00" in head else "text"


def check_upload(path: Path, name: str, max_bytes: int) -> None:
    """Refuse an upload that is too big or whose content is not what its extension says."""
    size = path.stat().st_size
    if size > max_bytes:
        raise FileProblem(name, f"file is {size / 1e6:.1f} MB, over the limit of "
                                f"{max_bytes / 1e6:.0f} MB (TOOLBOX_MAX_FILE_MB)")
    with path.open("rb") as handle:
        head = handle.read(_PROBE)
    suffix = Path(name).suffix.lower()
    expected = {".pdf": "a PDF", ".docx": "a zip package"}.get(suffix, "text")
    found = content_kind(head)
    if found != expected:
        raise FileProblem(name, f"content is {found}, not what the extension {suffix} says; "
                                "refused (save it in the right format)")
    if suffix == ".docx":
        check_zip(path, name)
