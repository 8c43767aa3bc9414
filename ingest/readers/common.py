"""Helpers every reader shares: safe text decoding, document ids, and the tags a file carries."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import FileProblem
from ingest.records import HAZARDS, PHASES

_DOC_ID = re.compile(r"[^a-z0-9]+")
_UTF16_PROBE = 4096


def doc_id_for(path: Path) -> str:
    """A stable document id from the file name: lower case, digits and hyphens."""
    return _DOC_ID.sub("-", path.stem.lower()).strip("-") or "document"


def clean_doc_id(value: object) -> str:
    """A document id as a user wrote it (front matter, a flag, PDF keywords), normalised."""
    return _DOC_ID.sub("-", str(value or "").strip().lower()).strip("-")


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if not data.strip():
        raise FileProblem(path, "empty file")
    return data


def decode_text(path: Path, data: bytes) -> str:
    """Text by its byte-order mark: UTF-8 (with or without one) or UTF-16 (LE or BE, with one).

    Other encodings, and a NUL character anywhere (binary content), are refused with the fix in
    the message.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileProblem(path, "UTF-32 text is not read; save it as UTF-8")
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and _looks_like_utf16(data):
        raise FileProblem(path, "UTF-16 text without a byte-order mark; save it as UTF-8 "
                                "(or as UTF-16 with a byte-order mark)")
    nul = -1 if utf16 else data.find(b"\x00")
    if nul < 0:
        try:
            text = data.decode("utf-16" if utf16 else "utf-8-sig")
        except UnicodeDecodeError as err:
            raise FileProblem(path, f"not {'UTF-16' if utf16 else 'UTF-8'} text (byte "
                                    f"{err.start}); save it as UTF-8") from None
        nul = text.find("\x00")
        if nul < 0:
            return text
    raise FileProblem(path, f"binary content in a text file (wrong extension?); a NUL at "
                            f"{'character' if utf16 else 'byte'} {nul}")


def _looks_like_utf16(data: bytes) -> bool:
    """Most of the first bytes in even or odd places are NUL: ASCII text written as UTF-16."""
    probe = data[:_UTF16_PROBE]
    half = max(1, len(probe) // 2)
    return max(probe[0::2].count(0), probe[1::2].count(0)) >= 0.9 * half


def read_text(path: Path) -> str:
    return decode_text(path, read_bytes(path))


def first_line(texts: Iterable[str]) -> str:
    for text in texts:
        for line in text.splitlines():
            if line.strip():
                return line.strip()[:200]
    return ""


def keyword_tags(keywords: str) -> dict[str, list[str]]:
    """Tags in a Keywords field written as `hazards: heat, drought; phases: planning`."""
    tags: dict[str, list[str]] = {}
    for part in keywords.split(";"):
        name, _, values = part.partition(":")
        if values:
            tags[name.strip().lower()] = [v.strip() for v in values.split(",") if v.strip()]
    return tags


def document_tags(meta: Mapping[str, Any]) -> dict[str, Any]:
    """hazards, phases, supersedes from front matter or parsed keywords (unknown tags dropped)."""
    def listed(key: str) -> list[str]:
        value = meta.get(key) or ()
        return [value] if isinstance(value, str) else [str(v) for v in value]

    supersedes = listed("supersedes")
    return {
        "hazards": tuple(h for h in listed("hazards") if h in HAZARDS),
        "phases": tuple(p for p in listed("phases") if p in PHASES),
        "supersedes": clean_doc_id(supersedes[0]) if supersedes else "",
    }


def yaml_problem(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{problem} at line {mark.line + 1}" if mark else str(problem)
