"""Why a tool fits and which words of a passage matched: the evidence shown with each tool (pure).

Matching works on the same stems as the lexical index (English and German), on the question as
searched plus its glossary translations, so 'Hitzewarnungen' in a question marks 'heat warning'
in an English passage too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.answer.labels import texts, value_label
from assistant.query.expand import default_glossary, expand
from assistant.query.filters import Filters
from assistant.retrieval.tool_ranking import RankedTool, tool_stems
from ingest.core.language import STOPWORDS, analyze, split_sentences, words

__all__ = ["MAX_TERMS", "MAX_NAMED_IN", "GENERIC_WORDS", "MAX_SNIPPET", "Why", "query_stems",
           "highlight", "highlighter", "Highlighter", "is_table", "passage_html",
           "whole_sentences", "why", "why_text", "STATED_FIELDS", "stated_chips", "chip_filters"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A word of escaped text; an entity (&amp;, &#x27;) is one token, so no word matches inside it.
_ESCAPED_TOKEN = re.compile(r"&(?:[a-z]+|#x?[0-9a-f]+);|[^\W_]+", re.UNICODE)
MAX_TERMS = 6
MAX_NAMED_IN = 1  # the card's passage names its document too
# words nearly every question and tool share: naming them says nothing about the fit
GENERIC_WORDS = frozenset("""tool tools werkzeug werkzeuge help helps helfen hilft need needs
brauchen municipality municipalities kommune kommunen gemeinde gemeinden town towns city cities
stadt städte find finden finde""".split())
MAX_SNIPPET = 700  # characters of a source shown: whole sentences up to about this
_SENTENCE_START = re.compile(r"^[\"'„“(\[]?[A-ZÄÖÜ0-9]")
_SENTENCE_STOP = re.compile(r"[.!?:…][\"'“”)\]]?$")


@dataclass(frozen=True)
class Why:
    """What a tool matched: the user's words, the hazards and phases asked, guides naming it."""

    terms: tuple[str, ...]
    hazards: tuple[str, ...]
    phases: tuple[str, ...]
    named_in: tuple[tuple[str, int], ...]  # (document title, page)


def query_stems(query: str) -> frozenset[str]:
    """Stems of the query's words and of their glossary translations."""
    return frozenset(analyze(" ".join((query, *expand(query).translations))))


@lru_cache(maxsize=8192)
def _stems(word: str) -> frozenset[str]:
    return frozenset(analyze(word))


def highlight(text: str, stems: frozenset[str]) -> str:
    """`text` as HTML with the words whose stems are in `stems` wrapped in <mark>.

    The text is escaped before any markup is added, so nothing from it can open a tag; in the
    escaped text an entity such as &amp; is not a word, so a query term never matches inside it.
    """
    return highlighter(stems).mark(text)


@lru_cache(maxsize=64)
def highlighter(stems: frozenset[str]) -> Highlighter:
    """The Highlighter for one question's stems, shared by its tool cards and its sources."""
    return Highlighter(stems)


class Highlighter:
    """Marks the words of passages whose stems are in `stems`, for many passages of one answer.

    Whether a word is marked depends on the word alone, so each distinct word is stemmed once
    per question, and a passage shown twice (on a card and among the sources) is marked once.
    An answer highlights about 28 passages of ~570 characters, 21 of them distinct, with about
    760 distinct words. A regex of the marked words per passage was tried: compiling it cost
    more than the per-word callback it saved (py-spy, 16 users at 100k chunks).
    Safe to share between threads: a word is added to the hits before it counts as known.
    """

    def __init__(self, stems: frozenset[str]) -> None:
        self.stems = stems
        self._known: set[str] = set()
        self._hits: set[str] = set()
        self._marked: dict[str, str] = {}

    def mark(self, text: str) -> str:
        done = self._marked.get(text)
        if done is not None:
            return done
        words = set(_WORD.findall(text))
        for word in words - self._known:
            if not self.stems.isdisjoint(_stems(word)):
                self._hits.add(word)
            self._known.add(word)
        escaped = html.escape(text)
        if not words.isdisjoint(self._hits):
            hits = self._hits
            escaped = _ESCAPED_TOKEN.sub(
                lambda m: f"<mark>{m.group()}</mark>" if m.group() in hits else m.group(), escaped)
        if len(self._marked) < 256:
            self._marked[text] = escaped
        return escaped


def is_table(text: str) -> bool:
    """A passage of pipe-table rows (ingest/chunk/split.py keeps a table's rows together)."""
    lines = text.strip().splitlines()
    return bool(lines) and all(line.startswith("|") and line.endswith("|") for line in lines)


def passage_html(text: str, stems: frozenset[str], limit: int = MAX_SNIPPET,
                 max_rows: int | None = None, about: tuple[str, ...] = ()) -> str:
    """A passage as HTML, escaped and marked: a table as a <table>, running text as whole
    sentences (empty when the passage holds none, e.g. a chunk's tail after the overlap).

    A table cut to `max_rows` keeps the rows that vouch most, in their order: those naming
    one of `about` (a tool's names) first, then those with most of the question's words; the
    first rows of a guide's table were often about other tools."""
    if is_table(text):
        rows = [[cell.strip() for cell in line.strip()[1:-1].split("|")]
                for line in text.strip().splitlines()]
        head, *body = rows
        if max_rows is not None and len(body) > max_rows:
            names = [n.casefold() for n in about if len(n) >= 4]
            def vouches(row: list[str]) -> tuple[bool, int]:
                joined = " ".join(row)
                return (any(n in joined.casefold() for n in names),
                        sum(not stems.isdisjoint(_stems(w)) for w in _WORD.findall(joined)))
            kept = sorted(sorted(range(len(body)), key=lambda i: vouches(body[i]),
                                 reverse=True)[:max_rows])
            body = [body[i] for i in kept]
        marker = highlighter(stems)
        cells = "".join(f"<th>{marker.mark(c)}</th>" for c in head)
        lines = "".join("<tr>" + "".join(f"<td>{marker.mark(c)}</td>" for c in row) + "</tr>"
                        for row in body)
        return f'<table class="passage-table"><tr>{cells}</tr>{lines}</table>'
    return highlight(whole_sentences(text, limit), stems)


def whole_sentences(text: str, limit: int = MAX_SNIPPET) -> str:
    """The passage's complete sentences, in order, up to about `limit` characters: a chunk may
    start or end inside a sentence (chunks overlap), and a cut sentence reads as a wrong one."""
    sentences = split_sentences(text)
    if sentences and not _SENTENCE_START.match(sentences[0]):
        sentences = sentences[1:]
    if sentences and not _SENTENCE_STOP.search(sentences[-1]):
        sentences = sentences[:-1]
    kept: list[str] = []
    length = 0
    for sentence in sentences:
        if kept and length + len(sentence) > limit:
            break
        kept.append(sentence)
        length += len(sentence) + 1
    return " ".join(kept)


def why(ranked: RankedTool, query: str, asked: Filters) -> Why:
    """The evidence for one ranked tool; `asked` holds the hazards and phases the user chose or
    the question implied (the UI filters merged with the answer's chips)."""
    tool = ranked.tool
    stems = tool_stems(tool)
    # the question's own words, matched directly or through a translation: a German question
    # lists German words, an English one English words ('city', never 'stadt, städte')
    language = expand(query).language
    glossary = default_glossary()
    terms: dict[str, None] = {}
    for word in words(query):
        if "-" in word or word in STOPWORDS or word in GENERIC_WORDS or word in terms:
            continue  # a compound's parts follow it
        if _stems(word) & stems or any(_stems(t) & stems
                                       for t in glossary.translate(word, language)):
            terms.setdefault(word, None)
    named = dict.fromkeys((h.chunk.title, h.chunk.page_start) for h in ranked.passages)
    return Why(terms=tuple(terms)[:MAX_TERMS],
               hazards=tuple(h for h in tool.hazards if h in asked.hazards),
               phases=tuple(p for p in tool.phases if p in asked.phases),
               named_in=tuple(named)[:MAX_NAMED_IN])


def why_text(evidence: Why, language: str) -> str:
    """The evidence as one line of plain text in the question's language (escape to show)."""
    t = texts(language)
    parts = []
    if evidence.terms:
        parts.append(f"{t['need']}: {', '.join(evidence.terms)}")
    for key, values in (("hazards", evidence.hazards), ("phases", evidence.phases)):
        if values:
            parts.append(f"{t[key]}: {', '.join(value_label(v, language) for v in values)}")
    parts += [f"{t['named_in']} „{title}“, {t['page']} {page}" if language == "de" else
              f"{t['named_in']} “{title}”, {t['page']} {page}" for title, page in evidence.named_in]
    return "; ".join(parts) or t["similar"]


# What a question states and a chip may show: its hazards, and the conditions that filter (cost,
# language). Phases, kinds and scales it seems to lean to only raise tools ('Bürger' is no
# request for participation methods), so they are not shown as if they were filters.
STATED_FIELDS = ("hazards", "costs", "languages")


def stated_chips(chips: Sequence[str]) -> tuple[str, ...]:
    """The chips (`field:value`) inferred from a question that it states."""
    return tuple(c for c in chips if c.partition(":")[0] in STATED_FIELDS)


def chip_filters(chips: tuple[str, ...]) -> Filters:
    """Chips (`field:value`) as Filters, for the hazards and phases a question implied."""
    values: dict[str, list[str]] = {}
    for chip in chips:
        name, _, value = chip.partition(":")
        values.setdefault(name, []).append(value)
    return Filters(hazards=tuple(values.get("hazards", ())),
                   phases=tuple(values.get("phases", ())), scales=tuple(values.get("scales", ())),
                   languages=tuple(values.get("languages", ())),
                   kinds=tuple(values.get("kinds", ())), costs=tuple(values.get("costs", ())))
