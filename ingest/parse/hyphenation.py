"""Words a PDF's text layer splits: hyphenated at a line end, or torn apart by a kerning gap.

Both are decided by a vocabulary: the words the same document prints whole elsewhere (a
report spells its own terms many times) and the domain glossary's words. A line-end hyphen
before a lower-case word is a syllable break ("Kommu-/nen") unless the document writes the
hyphenated form ("blau-grün-grau"); before an upper-case word, a digit or an abbreviation it is
a real hyphen ("Hochwasser-/Risikomanagement", "DWA-/M 119"); in English text an unknown join
is taken for a hyphenated compound ("pre-/constructed"); before "und"/"oder" it is the
suspended hyphen of "Sach- und Personenschäden" and stays with its space. A kerning gap ("F
ällen", "Dime nsion") is closed only when the joined word is known and neither part is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ingest.core.language import GLOSSARY_FILE

__all__ = ["GLOSSARY", "KNOWN_PART", "glossary_words", "Vocabulary", "join_broken", "repair",
           "close_gaps", "vocabulary_of"]

_LETTERS = "A-Za-zÄÖÜäöüßàâçéèêëîïôûùüÿñæœ"
_WORD = re.compile(f"[{_LETTERS}]+(?:-[{_LETTERS}]+)*")
# a word, a hyphen at the end of a line (or of a table cell's line, now a space), the next word
_BROKEN = re.compile(f"([{_LETTERS}0-9]+)-[ \\t]*(\\n|[ \\t])[ \\t]*"
                     f"([{_LETTERS}0-9][{_LETTERS}]*(?:-[{_LETTERS}]+)*)")
_GAP_WORD = re.compile(f"[{_LETTERS}]+")
# what follows the suspended hyphen of a compound's first part ("Dach- und Fassadenflächen")
_SUSPENDED = frozenset({"und", "oder", "bzw", "sowie", "bis", "als", "noch", "wie", "and", "or",
                        "to", "nor", "u", "o"})
GLOSSARY = GLOSSARY_FILE
KNOWN_PART = 2  # a part printed whole this often is a word of its own, not a kerning fragment


@lru_cache(maxsize=1)
def glossary_words(path: Path = GLOSSARY) -> frozenset[str]:
    """The glossary's words, lower case (both columns). Read as a file, since ingest does not
    import assistant; empty when the file is not there (the vocabulary is the document's)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    return frozenset(w.lower() for line in text.splitlines()[1:]
                     for column in line.split("\t")[:2] for w in _WORD.findall(column))


class Vocabulary:
    """Lower-case word counts of one document, line-end fragments left out."""

    def __init__(self, glossary: frozenset[str] | None = None, language: str = "de") -> None:
        self.counts: Counter[str] = Counter()
        self.glossary = glossary_words() if glossary is None else glossary
        # English writes compounds with a hyphen ("model-based"), German joins them
        self.hyphenates_compounds = language == "en"

    def add(self, text: str) -> None:
        self.counts.update(w.lower() for w in _WORD.findall(_BROKEN.sub(" ", text)))

    def knows(self, word: str) -> bool:
        lower = word.lower()
        return self.counts[lower] > 0 or lower in self.glossary

    def weight(self, word: str) -> int:
        """How often the document prints the word whole (1 when only the glossary has it)."""
        lower = word.lower()
        return self.counts[lower] or int(lower in self.glossary)

    def has_word(self, part: str) -> bool:
        """Whether a kerning part is a word of its own (one letter never counts as one)."""
        lower = part.lower()
        return len(part) > 1 and (self.counts[lower] >= KNOWN_PART or lower in self.glossary)


def join_broken(left: str, right: str, vocabulary: Vocabulary) -> tuple[str, str]:
    """How `left-` at a line end and `right` are joined, and what decided it."""
    if right.lower() in _SUSPENDED:
        return f"{left}- {right}", "suspended"
    if right[0].isupper() or right[0].isdigit() or left[-1].isdigit() or (
            len(left) > 1 and left.isupper()):
        return f"{left}-{right}", "real hyphen"
    joined, hyphenated = vocabulary.weight(left + right), vocabulary.weight(f"{left}-{right}")
    if hyphenated > joined:
        return f"{left}-{right}", "vocabulary"
    if joined:
        return left + right, "vocabulary"
    if vocabulary.hyphenates_compounds:  # an unknown English join is most often a compound
        return f"{left}-{right}", "default"
    return left + right, "default"


def repair(text: str, vocabulary: Vocabulary, decisions: list[tuple[str, str, str]] | None = None
           ) -> str:
    """The text with line-end hyphenation undone and kerning gaps closed (see the module)."""

    def broken(match: re.Match[str]) -> str:
        left, newline, right = match.group(1), match.group(2), match.group(3)
        if newline != "\n" and not vocabulary.knows(left + right) and (
                vocabulary.has_word(left) or vocabulary.has_word(right)):
            return match.group(0)  # "- " inside a line (a table cell's line ends): undone
            # only when the joined word is known or neither part is a word of its own
        joined, why = join_broken(left, right, vocabulary)
        if decisions is not None:
            decisions.append((left, right, why))
        return joined

    return close_gaps(_BROKEN.sub(broken, text), vocabulary)


def close_gaps(text: str, vocabulary: Vocabulary) -> str:
    """Join two words one space apart when only their join is a word the document prints."""
    out: list[str] = []
    last = 0
    words = list(_GAP_WORD.finditer(text))
    index = 0
    while index < len(words) - 1:
        left, right = words[index], words[index + 1]
        if (right.start() == left.end() + 1 and text[left.end()] == " "
                and vocabulary.counts[(left.group() + right.group()).lower()] > 0
                and not vocabulary.has_word(left.group())
                and not vocabulary.has_word(right.group())):
            out.append(text[last:left.end()])
            last = right.start()  # drop the space
            index += 2
            continue
        index += 1
    out.append(text[last:])
    return "".join(out)


def vocabulary_of(texts: Iterable[str], glossary: frozenset[str] | None = None,
                  language: str = "de") -> Vocabulary:
    vocabulary = Vocabulary(glossary, language)
    for text in texts:
        vocabulary.add(text)
    return vocabulary
