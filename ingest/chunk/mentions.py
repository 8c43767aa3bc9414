"""Find which tools a passage names, so document passages can vouch for tools."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable

from ingest.core.language import fold
from ingest.core.records import Tool

__all__ = ["aliases", "normalize", "MentionFinder", "tools_key"]

_PAREN = re.compile(r"\s*\(([^)]*)\)")
_QUOTES = re.compile(r"[\"'„“”‚‘’«»]")
_DASHES = re.compile(r"[‐‑‒–—]")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*$")
_MIN_ALIAS = 4


def aliases(tool: Tool) -> set[str]:
    """Names a document may use for the tool: the full name and its distinctive short forms.

    'Deutsches Klimavorsorgeportal (KLiVO)' is also 'Deutsches Klimavorsorgeportal' and 'KLiVO';
    'DWA-M 119: Risk management ...' is also 'DWA-M 119'.
    """
    name = tool.name.strip()
    found = {name, *tool.aliases}
    bare = _PAREN.sub("", name).strip()
    found.add(bare)
    for inner in _PAREN.findall(name):
        inner = inner.strip()
        if _ACRONYM.match(inner):
            found.add(inner)
    for separator in (" – ", " - ", ": "):
        head = bare.split(separator)[0].strip()
        if _ACRONYM.match(head) or _is_proper_name(head):
            found.add(head)
    return {a.strip() for a in found if len(a.strip()) >= _MIN_ALIAS}


def _is_proper_name(phrase: str) -> bool:
    """'Klimalotse 3.0' or 'Covenant of Mayors adaptation' name a thing; 'Assessing city
    resilience' is an ordinary phrase that documents use in passing."""
    words = phrase.split()
    return len(words) >= 2 and any(w[:1].isupper() or w[:1].isdigit() for w in words[1:])


def normalize(text: str) -> str:
    """Text as aliases are matched: folded, one kind of dash, no quotes, single spaces."""
    text = _QUOTES.sub("", _DASHES.sub("-", fold(text)))
    return re.sub(r"\s+", " ", text).strip()


class MentionFinder:
    """Matches all tool aliases in one pass; an alias two tools share is dropped as ambiguous."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        owners: dict[str, set[str]] = defaultdict(set)
        for tool in tools:
            for alias in aliases(tool):
                owners[normalize(alias)].add(tool.id)
        self._owner = {alias: next(iter(ids)) for alias, ids in owners.items() if len(ids) == 1}
        ordered = sorted(self._owner, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(a) for a in ordered) + r")(?!\w)")
            if ordered else None
        )

    def find(self, text: str) -> tuple[str, ...]:
        """Tool ids named in the text, in order of first mention."""
        if self._pattern is None:
            return ()
        flat = normalize(text)
        seen: dict[str, None] = {}
        for match in self._pattern.finditer(flat):
            seen.setdefault(self._owner[match.group(1)], None)
        return tuple(seen)


def tools_key(tools: Iterable[Tool]) -> str:
    """Fingerprint of every alias of every tool: mentions change exactly when it does."""
    lines = sorted(f"{t.id}\t{'|'.join(sorted(aliases(t)))}" for t in tools)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
