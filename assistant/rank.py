"""Hits -> ranked tools, each with the reasons it fits and the passages that vouch for it (pure).

A tool earns score from its own description chunk and, at a discount, from document passages
that name it: a guide that recommends a tool for the situation asked about is evidence too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.filters import Filters
from assistant.glossary import hazards_in, phases_in
from ingest.records import Hit, Tool
from ingest.text import analyze, words

OWN_WEIGHT = 1.0
MENTION_WEIGHT = 0.5
MAX_PASSAGES_PER_TOOL = 3


@dataclass(frozen=True)
class RankedTool:
    tool: Tool
    score: float
    reasons: tuple[str, ...]
    passages: tuple[Hit, ...] = field(default_factory=tuple)


def rank_tools(query: str, hits: list[Hit], tools: dict[str, Tool], filters: Filters,
               top_k: int) -> list[RankedTool]:
    """The top_k tools for the query, best first, restricted to tools the filters accept."""
    scores: dict[str, float] = {}
    evidence: dict[str, list[Hit]] = {}
    for hit in hits:
        chunk = hit.chunk
        if chunk.kind == "tool":
            for tool_id in chunk.tool_ids:
                scores[tool_id] = scores.get(tool_id, 0.0) + OWN_WEIGHT * hit.score
        else:
            share = MENTION_WEIGHT * hit.score / max(1, len(chunk.tool_ids)) ** 0.5
            for tool_id in chunk.tool_ids:
                scores[tool_id] = scores.get(tool_id, 0.0) + share
                evidence.setdefault(tool_id, []).append(hit)
    eligible = [t for t in scores if t in tools and filters.accepts_tool(tools[t])]
    eligible.sort(key=lambda t: (-scores[t], t))
    asked_hazards = set(filters.hazards) | set(hazards_in(query))
    asked_phases = set(filters.phases) | set(phases_in(query))
    query_words = _content_words(query)
    return [
        RankedTool(
            tool=tools[t], score=scores[t],
            reasons=_reasons(tools[t], asked_hazards, asked_phases, query_words,
                             evidence.get(t, [])),
            passages=tuple(evidence.get(t, [])[:MAX_PASSAGES_PER_TOOL]),
        )
        for t in eligible[:top_k]
    ]


def _content_words(text: str) -> dict[str, str]:
    """Stem -> the word as the user wrote it, for the words that carry meaning."""
    out: dict[str, str] = {}
    for word in words(text):
        for stem in analyze(word):
            out.setdefault(stem, word)
    return out


def _reasons(tool: Tool, hazards: set[str], phases: set[str], query_words: dict[str, str],
             evidence: list[Hit]) -> tuple[str, ...]:
    reasons: list[str] = []
    matched_hazards = [h for h in tool.hazards if h in hazards]
    if matched_hazards:
        reasons.append("hazard: " + ", ".join(h.replace("-", " ") for h in matched_hazards))
    matched_phases = [p for p in tool.phases if p in phases]
    if matched_phases:
        reasons.append("phase: " + ", ".join(p.replace("-", " ") for p in matched_phases))
    tool_stems = set(analyze(f"{tool.name} {tool.description} {tool.example_use}"))
    terms = list(dict.fromkeys(w for s, w in query_words.items() if s in tool_stems))
    if terms:
        reasons.append("matches: " + ", ".join(terms[:6]))
    for hit in evidence[:2]:
        reasons.append(f"named in “{hit.chunk.title}”, p. {hit.chunk.page_start}")
    return tuple(reasons)
