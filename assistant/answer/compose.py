"""The answer: a few sentences taken from the best passages, each with a checked citation.

No language model is needed: every sentence is quoted from a passage that is shown with the
answer, and `verify` drops any sentence whose citation does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.retrieval.tool_ranking import RankedTool
from ingest.core.language import analyze, split_sentences
from ingest.core.records import Hit

# RankedTool: the type of Answer.tools, so presentation need not reach into retrieval
__all__ = ["RankedTool", "MAX_ANSWER_SENTENCES", "MAX_PASSAGES", "TEXTS", "Answer", "compose",
           "verify", "cited_sentences"]

MAX_ANSWER_SENTENCES = 3
MAX_PASSAGES = 5
_CITATION = re.compile(r"\s*\[(\d+)\]")
_WHOLE = re.compile(r"^[\"'„“(]?[A-ZÄÖÜ0-9].*[.!?…][\"'“”)]?$", re.DOTALL)

TEXTS = {
    "en": {
        "tools": "Tools that fit your question: {names}.",
        "none": "I found no tool or passage for this question. Try other words, or remove "
                "filters.",
        "no_passage": "No guide passage speaks to this directly; the tools below match by "
                      "their descriptions.",
        "see_passages": "The passages below say more about these tools.",
        "empty": "Please type a question, e.g. “How do we start a heat action plan?”",
        "no_fit": "Nothing in the toolbox fits this question directly.",
        "nearest": "The nearest tools, not a direct match: {names}.",
        "not_direct": "Not a direct match: nothing in the toolbox fits this question directly; "
                      "these are the nearest tools.",
    },
    "de": {
        "tools": "Passende Werkzeuge für Ihre Frage: {names}.",
        "none": "Zu dieser Frage habe ich kein Werkzeug und keine Textstelle gefunden. "
                "Versuchen Sie andere Worte oder entfernen Sie Filter.",
        "no_passage": "Keine Textstelle der Leitfäden beantwortet das direkt; die Werkzeuge "
                      "unten passen nach ihrer Beschreibung.",
        "see_passages": "Mehr zu diesen Werkzeugen in den Textstellen unten.",
        "empty": "Bitte geben Sie eine Frage ein, z. B. „Wie starten wir einen "
                 "Hitzeaktionsplan?“",
        "no_fit": "Zu dieser Frage passt nichts im Werkzeugkasten direkt.",
        "nearest": "Die nächstliegenden Werkzeuge, keine direkte Entsprechung: {names}.",
        "not_direct": "Keine direkte Entsprechung: Zu dieser Frage passt nichts im "
                      "Werkzeugkasten direkt; das sind die nächstliegenden Werkzeuge.",
    },
}


@dataclass(frozen=True)
class Answer:
    query: str
    text: str
    tools: tuple[RankedTool, ...]
    passages: tuple[Hit, ...]
    language: str
    search_query: str = ""  # what was searched, when it differs from what was asked
    chips: tuple[str, ...] = ()  # filters and facets inferred from the question (field:value)
    note: str = ""  # told to the user beside the answer, e.g. why the LLM's prose is not shown
    # False: nothing fits directly (assistant/retrieval/abstain.py); tools are the nearest
    fits: bool = True


def compose(query: str, tools: list[RankedTool], hits: list[Hit], language: str,
            fits: bool = True) -> Answer:
    """Build the answer text from the ranked tools and the best document passages.

    Args:
        fits: whether the evidence says anything fits (assistant/retrieval/abstain.py). When
            not, the text says so first and names the tools as the nearest, not as fitting;
            sentences of passages that share words with the question are still quoted, so a wrong
            "nothing fits" keeps its evidence in sight (nonsense shares none and gets none).
    """
    texts = TEXTS.get(language, TEXTS["en"])
    passages = tuple(h for h in hits if h.chunk.kind == "passage")[:MAX_PASSAGES]
    if not tools and not passages:
        return Answer(query, texts["none"], (), (), language, fits=False)
    parts: list[str] = [] if fits else [texts["no_fit"]]
    if tools:
        names = ", ".join(t.tool.name for t in tools[:3])
        parts.append(texts["tools" if fits else "nearest"].format(names=names))
    quoted = _quote(query, passages)
    if quoted:
        parts.extend(quoted)
    elif fits:  # never "no passage" above passages shown as evidence
        parts.append(texts["see_passages" if passages else "no_passage"])
    text = verify(" ".join(parts), passages)
    return Answer(query, text, tuple(tools), passages, language, fits=fits)


def _quote(query: str, passages: tuple[Hit, ...]) -> list[str]:
    """The sentence of each top passage that shares most words with the question, cited."""
    wanted = set(analyze(query))
    quoted: list[str] = []
    for number, hit in enumerate(passages, start=1):
        best, best_overlap = "", 0
        for sentence, terms in _sentences(hit.chunk.text):
            overlap = len(wanted & terms)
            if overlap > best_overlap:
                best, best_overlap = sentence, overlap
        if best:
            quoted.append(f"{best} [{number}]")
        if len(quoted) == MAX_ANSWER_SENTENCES:
            break
    return quoted


@lru_cache(maxsize=4096)  # top passages recur across questions; split and stem each once
def _sentences(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The quotable sentences of a passage (30-400 characters, whole: a chunk may start or end
    inside a sentence) with their terms."""
    return tuple((s, frozenset(analyze(s))) for s in split_sentences(text)
                 if 30 <= len(s) <= 400 and _WHOLE.match(s))


def verify(text: str, passages: tuple[Hit, ...]) -> str:
    """Keep only sentences whose every citation [n] points to a shown passage that contains them."""
    kept: list[str] = []
    for sentence in cited_sentences(text):
        numbers = [int(n) for n in _CITATION.findall(sentence)]
        if not numbers:
            kept.append(sentence)
            continue
        claim = _squash(_CITATION.sub("", sentence))
        if all(1 <= n <= len(passages) and claim in _squash(passages[n - 1].chunk.text)
               for n in numbers):
            kept.append(sentence)
    return " ".join(kept)


def cited_sentences(text: str) -> list[str]:
    # A citation belongs to the sentence before it, so split after "[n]" as well as after ".".
    pieces = re.split(r"(?<=\])\s+|(?<=[.!?])\s+(?=[^\[])", text)
    return [p.strip() for p in pieces if p.strip()]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
