"""Zip bomb checks for Word packages (a .docx is a zip), from the standard library alone.

Kept apart from the Word reader so that the upload check needs no python-docx: a broken
python-docx then fails .docx files only, not the app's start.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from ingest.core.errors import FileProblem

__all__ = ["MAX_UNPACKED_BYTES", "MAX_ZIP_ENTRIES", "MAX_RATIO", "check_zip"]

# python-docx holds every part of the package in memory, so the declared unpacked total is
# bounded, and each part is inflated once in 1 MB steps first: zipfile's one-call `read()`
# inflates all of an entry's compressed bytes before it cuts them to the declared size, so a
# part that lies about its size would otherwise be inflated whole (50 MB can hold 50 GB).
MAX_UNPACKED_BYTES = 200_000_000
MAX_ZIP_ENTRIES = 5000
MAX_RATIO = 200  # Word XML compresses about 10:1, a zip bomb's entries about 1000:1


def check_zip(path: Path, name: str | None = None) -> None:
    """Refuse zip bombs from the central directory alone, before anything is decompressed."""
    label = name or str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileProblem(label, "not a readable Word file (not a .docx package; an old .doc? "
                                 "save it as .docx)") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise FileProblem(label, f"package has {len(entries)} parts (over {MAX_ZIP_ENTRIES}); "
                                 "refused as a possible zip bomb")
    total = sum(e.file_size for e in entries)
    if total > MAX_UNPACKED_BYTES:
        raise FileProblem(label, f"package unpacks to {total / 1e6:.0f} MB (over "
                                 f"{MAX_UNPACKED_BYTES // 1_000_000} MB); refused as a "
                                 "possible zip bomb")
    for entry in entries:
        if entry.file_size > 1_000_000 and entry.file_size > MAX_RATIO * max(
                1, entry.compress_size):
            raise FileProblem(label, f"part {entry.filename!r} expands "
                                     f"{entry.file_size // max(1, entry.compress_size)}:1; "
                                     "refused as a possible zip bomb")
    try:
        with zipfile.ZipFile(path) as archive:
            for entry in entries:
                with archive.open(entry) as part:
                    while part.read(1 << 20):  # stops at the declared size; then the CRC
                        pass
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as err:
        raise FileProblem(label, f"not a readable Word file (a part is damaged or not the size "
                                 f"it declares: {err}); refused") from None
