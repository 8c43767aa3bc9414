"""Cross-lingual query expansion with a German-English domain glossary.

Most tool descriptions are English and many tool names and guides German, while most users
write German. The glossary (`glossary_de_en.tsv`, both directions) translates the terms of a
question, including the parts of German compounds ('Starkregengefahrenkarte' -> heavy rain,
hazard map), so the lexical signal can match the other language and the English embedding
model sees English words.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.core.compounds import split_compound
from ingest.core.language import GLOSSARY_FILE, STOPWORDS, language_score, stem, words

__all__ = ["GLOSSARY", "MAX_COMPOUND", "Expansion", "Glossary", "default_glossary", "expand",
           "question_language"]

GLOSSARY = GLOSSARY_FILE
_MAX_PHRASE = 3
_MIN_PART = 3  # shortest compound part worth a lookup ('see', 'amt')
# A known head alone stands for a compound only when it is a word of its own ('Grundwasser'),
# not a fragment ('Ver-', 'Anti-'), and leaves a part behind.
_MIN_HEAD, _MIN_HEAD_REST = 5, 5
# Longest word taken apart as a compound: splitting tries every cut and recurses on the tail,
# cubic in the word's length ('hitze' x 800 took 1.8 s); German compounds stay far below this.
MAX_COMPOUND = 64


@dataclass(frozen=True)
class Expansion:
    language: str
    translations: tuple[str, ...]  # other-language terms for the question's terms

    def lexical_text(self, query: str) -> str:
        """The question plus its translations: what BM25 scores."""
        return " ".join((query, *self.translations))


class Glossary:
    """Term lookup in both directions, on stemmed word sequences."""

    def __init__(self, pairs: list[tuple[str, list[str]]]) -> None:
        self._de: dict[tuple[str, ...], list[str]] = {}
        self._en: dict[tuple[str, ...], list[str]] = {}
        for german, english in pairs:
            self._de.setdefault(_key(german, "de"), []).extend(english)
            for term in english:
                self._en.setdefault(_key(term, "en"), []).append(german)
        self._de.pop((), None)
        self._en.pop((), None)

    @classmethod
    def load(cls, path: Path = GLOSSARY) -> Glossary:
        pairs: list[tuple[str, list[str]]] = []
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle, delimiter="\t"):
                    german, english = (row.get("de") or "").strip(), (row.get("en") or "").strip()
                    if german and english:
                        pairs.append((german, [e.strip() for e in english.split("|") if e.strip()]))
        return cls(pairs)

    def language_of(self, text: str) -> str:
        """`de` or `en`: function words and umlauts (ingest.core.language.language_score) plus
        one vote per content word the glossary knows in one language only; English when unsure.

        Short keyword questions ('starkregen karte', 'hochwasser vorhersage europa') have no
        function words and often no umlauts, and were taken for English: they then got no
        translation at all. The glossary's 2,295 terms (and German compounds by their parts)
        are a domain lexicon for both languages.
        """
        german = english = 0
        for token in (w for w in words(text) if w not in STOPWORDS and "-" not in w):
            is_german = (stem(token, "de"),) in self._de or self._split(token) is not None
            is_english = (stem(token, "en"),) in self._en
            german += is_german and not is_english
            english += is_english and not is_german
        return "de" if language_score(text) + german - english > 0 else "en"

    def translate(self, text: str, language: str) -> list[str]:
        """Other-language equivalents of the terms in `text`, in order of appearance."""
        table = self._de if language == "de" else self._en
        tokens = [w for w in words(text) if "-" not in w]  # a hyphenated word: its parts follow
        stems = [stem(t, language) for t in tokens]
        found: list[str] = []
        i = 0
        while i < len(stems):
            for n in range(min(_MAX_PHRASE, len(stems) - i), 0, -1):
                if n == 1 and tokens[i] in STOPWORDS:
                    break
                hit = table.get(tuple(stems[i:i + n]))
                if hit:
                    found.extend(hit)
                    i += n - 1
                    break
            else:
                if language == "de":
                    found.extend(self._compound(tokens[i]))
            i += 1
        return list(dict.fromkeys(found))

    def _compound(self, word: str) -> list[str]:
        """Translate the parts of a German compound the glossary does not know whole.

        Where the glossary's own parts do not cover the word, the parts the glossary knows
        are translated all the same: from the compound splitter's cut (ingest/core/compounds.py,
        whose vocabulary also holds words the glossary lacks: 'Wasserressourcenmanagement' ->
        Wasser, Ressourcen, Management -> water, resources), else from the longest head the
        glossary knows ('Grundwasseranreicherung' -> groundwater). An untranslated compound
        gave the English signals nothing of the question's topic.
        """
        parts = self._split(word) or split_compound(word) or self._head(word)
        return [t for part in parts for t in self._de.get((stem(part, "de"),), ())]

    def _head(self, word: str) -> tuple[str, ...]:
        """The longest leading part the glossary knows, with at least a part's length left."""
        if len(word) > MAX_COMPOUND:  # each cut stems its head: quadratic in a long token
            return ()
        for cut in range(len(word) - _MIN_HEAD_REST, _MIN_HEAD - 1, -1):
            head = word[:cut]
            for candidate in (head, head[:-1] if head.endswith(("s", "n")) else None):
                if candidate and len(candidate) >= _MIN_HEAD and \
                        (stem(candidate, "de"),) in self._de:
                    return (candidate,)
        return ()

    @lru_cache(maxsize=4096)  # noqa: B019  (one Glossary per process; words repeat)
    def _split(self, word: str) -> tuple[str, ...] | None:
        if not 2 * _MIN_PART <= len(word) <= MAX_COMPOUND:
            return None
        for cut in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):  # longest head first
            head, tail = word[:cut], word[cut:]
            for candidate in (head, head[:-1] if head.endswith(("s", "n")) else None):
                if not candidate or len(candidate) < _MIN_PART:
                    continue
                if (stem(candidate, "de"),) in self._de:
                    if (stem(tail, "de"),) in self._de:
                        return (candidate, tail)
                    rest = self._split(tail)
                    if rest:
                        return (candidate, *rest)
        return None


def _key(term: str, language: str) -> tuple[str, ...]:
    return tuple(stem(w, language) for w in words(term) if "-" not in w)


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    return Glossary.load()


def expand(query: str, glossary: Glossary | None = None) -> Expansion:
    if glossary is None:
        return _expand_default(query)
    language = glossary.language_of(query)
    return Expansion(language, tuple(glossary.translate(query, language)))


def question_language(text: str) -> str:
    """`de` or `en`: the one language detector of the question path (the answer's language,
    retrieval's, the feedback export's), the glossary's; see Glossary.language_of."""
    return _expand_default(text).language


@lru_cache(maxsize=1024)
def _expand_default(query: str) -> Expansion:
    # the highlighter and follow-ups read a query's expansion again: compute it once
    return expand(query, default_glossary())
