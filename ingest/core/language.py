"""Language-aware text analysis shared by the lexical index, parsing and answers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import Stemmer

__all__ = ["GLOSSARY_FILE",
           "STOPWORDS_EN", "STOPWORDS_DE", "STOPWORDS", "fold", "words", "stem", "content_words",
           "analyze", "detect_language", "language_score", "split_sentences"]

# The German-English domain glossary: query expansion translates with it, the PDF reader's
# hyphen repair takes its German words as known words.
GLOSSARY_FILE = Path(__file__).with_name("glossary_de_en.tsv")

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9\"'(])")

STOPWORDS_EN = frozenset("""
a an and are as at be been but by can could do does for from has have how i if in into is it its
me my no not of on or our should so such than that the their them then there these they this to
us was we were what when where which who why will with would you your about any all also more
most other some what's which
""".split())
STOPWORDS_DE = frozenset("""
aber alle als also am an auch auf aus bei bin bis bitte da damit dann das dass dem den der des
die dies diese dieser du durch ein eine einem einen einer eines er es für gibt hat haben ich ihr
im in ist ja kann können man mit muss müssen nach nicht noch nur ob oder sich sie sind so um und
uns unser unsere unserer vom von vor war was welche welcher welches wer wie wir wird zu zum zur
über
""".split())
STOPWORDS = STOPWORDS_EN | STOPWORDS_DE

_GERMAN_HINTS = frozenset({"der", "die", "das", "und", "ist", "nicht", "für", "wie", "ich", "wir",
                           "mit", "eine", "ein", "auf", "sich", "unsere", "unser", "gibt", "welche",
                           "kann", "können", "zur", "zum", "bei", "oder", "es", "im", "dem", "den"})
_ENGLISH_HINTS = frozenset({"the", "and", "is", "not", "for", "how", "i", "we", "with", "a", "an",
                            "on", "our", "which", "can", "what", "to", "of", "in", "are", "do"})


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language)


def fold(text: str) -> str:
    """Compose characters (PDFs often decompose umlauts), lower-case, and write ß as ss."""
    return unicodedata.normalize("NFC", text).lower().replace("ß", "ss")


def words(text: str) -> list[str]:
    """Split into lower-cased words; hyphenated compounds stay whole and also yield their parts."""
    out: list[str] = []
    for match in _WORD.finditer(fold(text)):
        word = match.group()
        out.append(word)
        if "-" in word:
            out.extend(part for part in word.split("-") if part)
    return out


def stem(word: str, language: str) -> str:
    """One word's Snowball stem in `en` or `de` (the word as `words` yields it)."""
    return _stemmer("german" if language == "de" else "english").stemWord(word)


def content_words(text: str) -> str:
    """The text's words without stopwords (English and German), lower-cased, in order."""
    return " ".join(w for w in words(text) if w not in STOPWORDS)


def analyze(text: str) -> list[str]:
    """Index terms: each content word stemmed as English and as German (both kept when they differ).

    Documents and questions come in either language and a word's language is not known, so every
    word gets both stems; a German plural and an English plural then both meet their singular.
    """
    tokens = [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    english = _stemmer("english").stemWords(tokens)
    german = _stemmer("german").stemWords(tokens)
    terms: list[str] = []
    for en, de in zip(english, german, strict=True):
        terms.append(en)
        if de != en:
            terms.append(de)
    return terms


def detect_language(text: str) -> str:
    """Guess `de` or `en` from function words and umlauts; English when unsure."""
    return "de" if language_score(text) > 0 else "en"


def language_score(text: str) -> int:
    """Evidence for German (> 0) or English (< 0) from function words and umlauts."""
    tokens = words(text)
    german = sum(t in _GERMAN_HINTS for t in tokens) + 2 * sum(
        any(c in t for c in "äöüß") for t in tokens)
    english = sum(t in _ENGLISH_HINTS for t in tokens)
    return german - english


_ABBREVIATIONS = ("z d u o s v e i ca bzw vgl etc nr dr st abs ggf inkl bspw usw mio mrd jh e.g "
                  "i.e approx fig no vs").split()
# A sentence ends in an abbreviation (or an initial) when its reversed last characters start
# with one reversed: one anchored match, where a search for `(?:...)\.$` tried every position.
_ABBREVIATION_REVERSED = re.compile(
    r"\.(?:" + "|".join(re.escape(a[::-1]) for a in _ABBREVIATIONS) + r"|[A-Z])\b",
    re.IGNORECASE,
)
_ABBREVIATION_REACH = 16  # characters: the longest abbreviation ('approx.') and its boundary


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences, keeping each sentence's own characters untouched.

    A piece that ends in an abbreviation ('z. B.', 'e.g.', an initial) is joined to the next.
    Pieces are joined once a sentence is complete and only its last characters are tested for
    an abbreviation, so `"A. " * 20000` (one long sentence of initials) takes linear time.
    """
    flat = re.sub(r"\s+", " ", text).strip()
    sentences: list[str] = []
    current: list[str] = []
    tail = ""  # the last characters of the current sentence
    for piece in _SENTENCE_END.split(flat):
        piece = piece.strip()
        if not piece:
            continue
        if current and not _ABBREVIATION_REVERSED.match(tail[::-1]):
            sentences.append(" ".join(current))
            current, tail = [], ""
        current.append(piece)
        tail = f"{tail} {piece}"[-_ABBREVIATION_REACH:] if tail else piece[-_ABBREVIATION_REACH:]
    if current:
        sentences.append(" ".join(current))
    return sentences
