"""Retrieval -> ranked tools, each with the reasons it fits and the passages that vouch for it.

Pure. A tool's rank fuses (reciprocal rank) how well its own description matches, per signal,
with how early a guide passage that names it was found: a guide that recommends a tool for the
situation asked about is evidence too, and it carries the question across languages when the
guide is written in the question's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.query.filters import Filters
from assistant.query.hazard_words import hazards_in, phases_in
from assistant.query.places import lands_in
from assistant.query.publishers import publishers_in, publishers_of
from assistant.retrieval.fusion import CHUNK_RRF_K, TOOL_RRF_K, fuse, fusion_weights
from ingest.core.language import analyze, words
from ingest.core.records import Hit, Retrieval, Tool

__all__ = ["ELSEWHERE", "FACET_WEIGHT", "MAX_PASSAGES_PER_TOOL", "PASSAGE_EVIDENCE",
           "PASSAGE_DECAY", "PHASE_WEIGHT", "PROGRAMME_UNASKED", "RankedTool", "rank_tools",
           "tool_stems"]

# What a facet the question speaks of (hazard, kind, scale, Land, publisher) adds to a tool
# that has it, in first ranks (weight / (k + 1)). A phase counts a quarter: it is read from
# common words ('plan', 'measure', 'risk', 'information'; 132 of the 275 judged built-in
# questions have one, as many as have a hazard) that seldom say where in the cycle one stands.
# Chosen on halves of the built-in questions (benchmarks/generalise.py's collected runs; grid
# 0.5-1.5 by 0.25, phases 0-1.5): half a rank for every facet, as before, gave tools nDCG@10
# 0.761 and follow-ups 0.732 (gap 0.037); these give 0.774 (odd ids 0.759 -> 0.768, even 0.764 ->
# 0.780, q001-q150 0.778 -> 0.781, the rest 0.741 -> 0.766; metadata questions 0.693 -> 0.735)
# and follow-ups 0.773 (gap 0.025). Chosen on one half and judged on the other, every fold took
# phases at 0.25 or 0 and three of four gained (+0.004 to +0.018), one lost 0.011.
FACET_WEIGHT = 1.0
PHASE_WEIGHT = 0.25
# A funding programme answers "who pays?", not "how?": unless the question asks about money it
# loses half a first rank, as it did when the facets counted half.
PROGRAMME_UNASKED = 0.5
# Below any fused score (at most about 0.9: the signals' weights, three passages and every facet
# over k + 1): a programme limited to other Länder than the question names comes after every
# other tool.
ELSEWHERE = 1.0
MAX_PASSAGES_PER_TOOL = 3
# How many of the passages naming a tool count as evidence for it, the n-th (from 0) at
# PASSAGE_DECAY ** n of its reciprocal rank: 1 counts only the best passage. 3 with the fusion
# values in fusion.py (chosen together by cross-validation, benchmarks/generalise.py --cv).
PASSAGE_EVIDENCE = 3
PASSAGE_DECAY = 0.5


@dataclass(frozen=True)
class RankedTool:
    tool: Tool
    score: float
    reasons: tuple[str, ...]
    passages: tuple[Hit, ...] = field(default_factory=tuple)


def rank_tools(query: str, retrieval: Retrieval, tools: Mapping[str, Tool], filters: Filters,
               top_k: int, facets: Filters = Filters()) -> list[RankedTool]:
    """The top_k tools for the query, best first, restricted to tools the filters accept.

    `facets` (hazards, phases, kinds, scales the question speaks of) lift matching tools by
    FACET_WEIGHT per matching facet (phases by PHASE_WEIGHT), in the units of one first rank.
    """
    evidence: dict[str, list[Hit]] = {}
    passage_ranks: dict[str, list[int]] = {}
    weights = fusion_weights(retrieval.language)
    for hit in retrieval.hits:
        if hit.chunk.kind == "passage":
            for tool_id in hit.chunk.tool_ids:
                evidence.setdefault(tool_id, []).append(hit)
    for rank, hit in enumerate(_by_reciprocal_rank(retrieval.hits, weights), start=1):
        if hit.chunk.kind == "passage":
            for tool_id in hit.chunk.tool_ids:
                passage_ranks.setdefault(tool_id, []).append(rank)
    scores, _ = fuse(retrieval.tool_rankings, weights, TOOL_RRF_K)
    # A passage counts at its rank among all chunks, tool descriptions included: in a small
    # knowledge base every passage is "found", but only a good one outranks the descriptions.
    passage_weight = weights.get("passages", 1.0)
    for tool_id, ranks in passage_ranks.items():
        scores[tool_id] = scores.get(tool_id, 0.0) + passage_weight * sum(
            PASSAGE_DECAY ** n / (TOOL_RRF_K + rank)
            for n, rank in enumerate(ranks[:PASSAGE_EVIDENCE]))
    if facets:
        for tool_id in scores:
            if tool_id in tools:
                scores[tool_id] += FACET_WEIGHT * _facet_matches(tools[tool_id], facets) / (
                    TOOL_RRF_K + 1)
                if _only_elsewhere(tools[tool_id], facets.funding.lands):
                    scores[tool_id] -= ELSEWHERE  # after every tool one can apply to
    named = publishers_in(query)
    if named:  # 'Angebote des Umweltbundesamts': a facet, as a Land named is
        for tool_id in scores:
            if tool_id in tools and named & publishers_of(tools[tool_id].provider or ""):
                scores[tool_id] += FACET_WEIGHT / (TOOL_RRF_K + 1)
    if not _asks_for_money(filters, facets):  # a programme answers "who pays?", not "how?"
        for tool_id in scores:
            if tool_id in tools and tools[tool_id].kind == "funding-programme":
                scores[tool_id] -= PROGRAMME_UNASKED / (TOOL_RRF_K + 1)
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


def _by_reciprocal_rank(hits: list[Hit], weights: Mapping[str, float]) -> list[Hit]:
    """The hits in reciprocal-rank order, whatever fusion ordered them for citing: the tools'
    own signals are fused by rank, and a passage's evidence is counted on the same scale.
    (Passages evidence in convex-fusion order widened the follow-up gap from 0.038 to 0.063;
    benchmarks/generalise.py.)"""
    rankings = {s: [h for _, h in sorted((h.ranks[s], i) for i, h in enumerate(hits)
                                          if s in h.ranks)] for s in weights}
    scores, _ = fuse(rankings, weights, CHUNK_RRF_K, method="rrf")
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return [hits[i] for i in order]


def _asks_for_money(filters: Filters, facets: Filters) -> bool:
    wanted = "funding-programme"
    return wanted in filters.kinds or wanted in facets.kinds or bool(filters.funding)


def _facet_matches(tool: Tool, facets: Filters) -> float:
    """How many of the question's facets the tool has: a hazard, kind, scale or Land counts
    one, a phase PHASE_WEIGHT (most tools list several phases)."""
    shared = [bool(set(wanted) & set(have)) for wanted, have in (
        (facets.hazards, tool.hazards), (facets.kinds, (tool.kind,)), (facets.scales, tool.scale))]
    phase = bool(set(facets.phases) & set(tool.phases))
    return sum(shared) + _land_match(tool, facets.funding.lands) + PHASE_WEIGHT * phase


def _land_match(tool: Tool, lands: tuple[str, ...]) -> int:
    """1 for a tool of a Land asked about: a programme limited to it, or a tool whose name or
    provider names it."""
    if not lands:
        return 0
    if tool.funding is not None and tool.funding.lands:
        return int(bool(set(lands) & set(tool.funding.lands)))
    return int(bool(set(lands) & _lands_named(tool.name, tool.name_de or "",
                                               tool.provider or "")))


def _only_elsewhere(tool: Tool, lands: tuple[str, ...]) -> bool:
    """Whether the tool is a programme limited to Länder other than those asked about: a
    municipality there cannot apply to it."""
    return bool(lands and tool.funding is not None and tool.funding.lands
                and not set(lands) & set(tool.funding.lands))


@lru_cache(maxsize=4096)
def _lands_named(name: str, name_de: str, provider: str) -> frozenset[str]:
    return frozenset(lands_in(f"{name} {name_de} {provider}"))


def _content_words(text: str) -> dict[str, str]:
    """Stem -> the word as the user wrote it, for the words that carry meaning."""
    out: dict[str, str] = {}
    for word in words(text):
        for stem in analyze(word):
            out.setdefault(stem, word)
    return out


def tool_stems(tool: Tool) -> frozenset[str]:
    """Stems of a tool's name, description and example (what reasons and evidence match)."""
    return _stems_of(tool.name, tool.description, tool.example_use)


@lru_cache(maxsize=4096)  # a tool's text is stemmed once, not on every question that shows it
def _stems_of(name: str, description: str, example_use: str) -> frozenset[str]:
    return frozenset(analyze(f"{name} {description} {example_use}"))


def _reasons(tool: Tool, hazards: set[str], phases: set[str], query_words: dict[str, str],
             evidence: list[Hit]) -> tuple[str, ...]:
    reasons: list[str] = []
    matched_hazards = [h for h in tool.hazards if h in hazards]
    if matched_hazards:
        reasons.append("hazard: " + ", ".join(h.replace("-", " ") for h in matched_hazards))
    matched_phases = [p for p in tool.phases if p in phases]
    if matched_phases:
        reasons.append("phase: " + ", ".join(p.replace("-", " ") for p in matched_phases))
    stems = tool_stems(tool)
    terms = list(dict.fromkeys(w for s, w in query_words.items() if s in stems))
    if terms:
        reasons.append("matches: " + ", ".join(terms[:6]))
    for hit in evidence[:2]:
        reasons.append(f"named in “{hit.chunk.title}”, p. {hit.chunk.page_start}")
    return tuple(reasons)
