"""The toolbox as a matrix of hazards x governance phases, for browsing without a question (pure).

A tool counts in every cell of its hazards and phases. The search box narrows the matrix and
the cell lists to tools whose name, provider or description holds every word searched for, in
either language (stems, plus the glossary's translations). A funding facet set narrows both to
the programmes whose funding facts it accepts, as in the Ask tab.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from assistant.query.expand import default_glossary
from assistant.query.funding_filter import FundingFilter
from ingest.core.language import analyze, words
from ingest.core.records import HAZARDS, PHASES, Tool

__all__ = ["Matrix", "matching", "Phrase", "matrix", "cell", "at"]


@dataclass(frozen=True)
class Matrix:
    hazards: tuple[str, ...]
    phases: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # one row per hazard, one column per phase
    total: int  # tools matching the search


def matching(tools: Iterable[Tool], search: str = "", funding: FundingFilter = FundingFilter()
             ) -> list[Tool]:
    """Tools whose text holds every searched word (or a translation of it), by name; with a
    funding facet, only the programmes it accepts."""
    wanted = [w for w in words(search) if "-" not in w and analyze(w)]
    found = sorted((t for t in tools if funding.accepts(t)), key=lambda t: t.name.lower())
    if not wanted:
        return found
    options = [_alternatives(w) for w in wanted]
    return [t for t in found if all(_meets(option, _tool_stems(t)) for option in options)]


Phrase = tuple[frozenset[str], ...]  # per word of a phrase: its English and German stems


@lru_cache(maxsize=1024)
def _alternatives(word: str) -> tuple[Phrase, ...]:
    """The word and its glossary translations (read as German and as English: one word says too
    little to tell its language), each a phrase whose every word must appear."""
    glossary = default_glossary()
    phrases = (word, *glossary.translate(word, "de"), *glossary.translate(word, "en"))
    return tuple(tuple(frozenset(analyze(w)) for w in words(p) if "-" not in w and analyze(w))
                 for p in phrases)


def _meets(alternatives: tuple[Phrase, ...], stems: frozenset[str]) -> bool:
    return any(phrase and all(word & stems for word in phrase) for phrase in alternatives)


def _tool_stems(tool: Tool) -> frozenset[str]:
    return _bilingual_stems(" ".join((tool.name, tool.provider or "", tool.description,
                                      tool.example_use, *tool.aliases, tool.name_de or "",
                                      tool.description_de or "")))


@lru_cache(maxsize=4096)
def _bilingual_stems(text: str) -> frozenset[str]:
    """Stems of a tool's text and of its glossary translations: tool texts mix both languages
    (German compounds such as 'Hinweiskarte Starkregengefahren' then meet 'map', 'heavy rain')."""
    glossary = default_glossary()
    translations = glossary.translate(text, "de") + glossary.translate(text, "en")
    return frozenset(analyze(" ".join((text, *translations))))


def matrix(tools: Iterable[Tool], search: str = "", funding: FundingFilter = FundingFilter()
           ) -> Matrix:
    chosen = matching(tools, search, funding)
    counts = tuple(tuple(sum(h in t.hazards and p in t.phases for t in chosen) for p in PHASES)
                   for h in HAZARDS)
    return Matrix(HAZARDS, PHASES, counts, len(chosen))


def cell(tools: Iterable[Tool], hazard: str, phase: str | None, search: str = "",
         funding: FundingFilter = FundingFilter()) -> list[Tool]:
    """The tools of one cell, by name; with no phase, every tool of the hazard."""
    return [t for t in matching(tools, search, funding)
            if hazard in t.hazards and (phase is None or phase in t.phases)]


def at(row: int, column: int) -> tuple[str, str | None]:
    """The cell at a position of the table: column 0 is the hazard's name (the whole row)."""
    return HAZARDS[row], PHASES[column - 1] if column > 0 else None
