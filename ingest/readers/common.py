"""Helpers every reader shares: safe text decoding, document ids, and the tags a file carries."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import FileProblem
from ingest.records import HAZARDS, PHASES

_DOC_ID = re.compile(r"[^a-z0-9]+")
_BINARY_PROBE = 8192


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
    """UTF-8 text, refusing binary content and other encodings with the fix in the message."""
    if b"\x00" in data[:_BINARY_PROBE]:
        raise FileProblem(path, "binary content in a text file (wrong extension?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileProblem(path, f"not UTF-8 text (byte {err.start}); save it as UTF-8") from None


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
