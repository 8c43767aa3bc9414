"""The toolbox as a matrix of hazards x governance phases, for browsing without a question (pure).

A tool counts in every cell of its hazards and phases. The search box narrows the matrix and
the cell lists to tools whose name, provider or description holds every word searched for, in
either language (stems, plus the glossary's translations).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assistant.expand import expand
from ingest.records import HAZARDS, PHASES, Tool
from ingest.text import analyze, words


@dataclass(frozen=True)
class Matrix:
    hazards: tuple[str, ...]
    phases: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # one row per hazard, one column per phase
    total: int  # tools matching the search


def matching(tools: Iterable[Tool], search: str = "") -> list[Tool]:
    """Tools whose text holds every searched word (or a translation of it), by name."""
    wanted = [w for w in words(search) if analyze(w)]
    found = sorted(tools, key=lambda t: t.name.lower())
    if not wanted:
        return found
    options = [set(analyze(w)) | set(analyze(" ".join(expand(w).translations))) for w in wanted]
    out = []
    for tool in found:
        stems = set(analyze(" ".join((tool.name, tool.provider or "", tool.description,
                                      tool.example_use, *tool.aliases))))
        if all(option & stems for option in options):
            out.append(tool)
    return out


def matrix(tools: Iterable[Tool], search: str = "") -> Matrix:
    chosen = matching(tools, search)
    counts = tuple(tuple(sum(h in t.hazards and p in t.phases for t in chosen) for p in PHASES)
                   for h in HAZARDS)
    return Matrix(HAZARDS, PHASES, counts, len(chosen))


def cell(tools: Iterable[Tool], hazard: str, phase: str | None, search: str = ""
         ) -> list[Tool]:
    """The tools of one cell, by name; with no phase, every tool of the hazard."""
    return [t for t in matching(tools, search)
            if hazard in t.hazards and (phase is None or phase in t.phases)]


def at(row: int, column: int) -> tuple[str, str | None]:
    """The cell at a position of the table: column 0 is the hazard's name (the whole row)."""
    return HAZARDS[row], PHASES[column - 1] if column > 0 else None
