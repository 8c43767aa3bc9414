"""Follow-ups: turn a chat message plus the turns before it into one standalone query.

'And for small towns?' or 'nur kostenlose' mean nothing alone; joined to the topic of the turn
before they become a question that retrieval can answer. A message that names its own topic
starts afresh; a follow-up that names another hazard replaces the old one rather than adding
to it. The standalone query is shown to the user, so a wrong guess is visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.query.expand import expand
from assistant.query.hazard_words import hazards_in
from ingest.core.language import STOPWORDS, words

__all__ = ["MAX_FOLLOW_UP_WORDS", "Turn", "standalone_query", "is_follow_up"]

MAX_FOLLOW_UP_WORDS = 7
_OPENERS = re.compile(
    r"^\s*(and|also|but|only|what about|how about|and what about|same|now|then|und|auch|aber|"
    r"nur|was ist mit|wie ist es mit|und was|und wie|dasselbe|jetzt|dann|bitte nur|"
    r"for|für|in|on|with|without|mit|ohne|im|bei)\b", re.IGNORECASE)
_ANAPHORA = re.compile(
    r"\b(it|its|that|those|these|them|this one|such|dies\w*|davon|dafür|dazu|damit|darüber|"
    r"solche\w*)\b", re.IGNORECASE)  # not 'es'/'sie': 'gibt es' opens many new questions


@dataclass(frozen=True)
class Turn:
    """One earlier exchange: what the user wrote and what was searched for it."""

    message: str
    query: str


def standalone_query(message: str, history: list[Turn]) -> str:
    """The query to search for this message, given the conversation so far."""
    message = message.strip()
    if not history or not is_follow_up(message):
        return message
    previous = history[-1].query
    new_hazards = _hazards(message)
    old_hazards = _hazards(previous)
    if new_hazards and not new_hazards & old_hazards:
        previous = _without_hazard_words(previous, old_hazards)
    return f"{previous} {message}".strip()


def is_follow_up(message: str) -> bool:
    content = [w for w in words(message) if w not in STOPWORDS]
    if len(content) > MAX_FOLLOW_UP_WORDS:
        return False
    if _OPENERS.match(message) or _ANAPHORA.search(message):
        return True
    return len(content) <= 2  # 'kostenlos?', 'for drought', 'in English'


def _hazards(text: str) -> set[str]:
    """Hazards the text names, also inside German compounds ('Starkregenvorsorge')."""
    return set(hazards_in(text)) | set(hazards_in(" ".join(expand(text).translations)))


def _without_hazard_words(query: str, hazards: set[str]) -> str:
    """Drop the words that named the hazards the follow-up replaces."""
    return " ".join(w for w in query.split() if not _hazards(w) & hazards)
