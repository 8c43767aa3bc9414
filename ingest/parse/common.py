"""Helpers every reader shares: safe text decoding, document ids, and the tags a file carries."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ingest.core.errors import FileProblem
from ingest.core.records import HAZARDS, PHASES

__all__ = ["MAX_YAML_DEPTH", "MAX_INT_DIGITS", "doc_id_for", "clean_doc_id", "read_bytes",
           "decode_text", "read_text", "first_line", "keyword_tags", "document_tags", "load_yaml",
           "front_matter", "yaml_problem"]

_DOC_ID = re.compile(r"[^a-z0-9]+")
MAX_YAML_DEPTH = 50
MAX_INT_DIGITS = 100
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
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

    supersedes = listed("supersedes")
    return {
        "hazards": tuple(h for h in listed("hazards") if h in HAZARDS),
        "phases": tuple(p for p in listed("phases") if p in PHASES),
        "supersedes": clean_doc_id(supersedes[0]) if supersedes else "",
    }


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML without what an editor never needs and an attacker uses: anchors and aliases
    (a billion-laughs bomb expands to gigabytes), nesting past `MAX_YAML_DEPTH` (Python's
    recursion limit), integers of more than `MAX_INT_DIGITS` digits (Python refuses to convert
    them), and dates (2024-02-30 raised ValueError): a date stays the text it was written as."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (& and *) are not allowed", event.start_mark)
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {digits} digits (at most {MAX_INT_DIGITS})",
                node.start_mark)
        return super().construct_yaml_int(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)


def load_yaml(text: str) -> Any:
    """The one YAML loader of every reader (tool files, front matter); raises yaml.YAMLError."""
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def front_matter(path: Path, text: str) -> Any:
    """A Markdown file's front matter, its tags checked: `hazards: 5` raised a bare TypeError."""
    try:
        meta = load_yaml(text) or {}
    except yaml.YAMLError as err:
        raise FileProblem(path, f"invalid front matter: {yaml_problem(err)}") from None
    for key in ("hazards", "phases", "supersedes") if isinstance(meta, dict) else ():
        value = meta.get(key)
        if value is not None and not isinstance(value, str | list):
            raise FileProblem(path, f"invalid front matter: {key} must be a name or a list of "
                                    f"names, not {str(value)[:60]!r}")
    return meta


def yaml_problem(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{problem} at line {mark.line + 1}" if mark else str(problem)
