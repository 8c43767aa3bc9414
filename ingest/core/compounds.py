"""German compound splitting by a vocabulary: 'Kanalnetzüberlastung' -> kanal, netz, überlastung.

German writes as one word what English writes as several ('Starkregenereignisse', heavy rain
events), so a question's 'Überlastung' never met a report's 'Kanalnetzüberlastung' in BM25, nor
'Plan gegen Hitze' a 'Hitzeaktionsplan'. The lexical index (ingest/core/language.py's
index_terms, compound_terms) adds the parts of a German word as extra terms beside the whole word,
on chunks and questions alike, so an exact whole-word match still counts as before and a part
match counts too.

The parts are the words German texts of our own corpus use (compound_vocabulary_de.txt, written
by corpus/build_compound_vocabulary.py) and the glossary's German words; a part matches by its
folded form or its German stem, so inflected and shortened parts ('Schul-' of 'Schule') match
too. Between parts a linking element may stand: -s-, -es-, -n-, -en-, -er-.
No PyPI splitter was used: the package lists offer only charsplit-fst (a 2026 Rust build, not
installable offline here) and no compound-split or german-compound-splitter.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import Stemmer

__all__ = ["VOCABULARY_FILE", "MIN_PART", "MAX_COMPOUND", "SPLITTING", "reset",
           "split_compound", "compound_parts"]

VOCABULARY_FILE = Path(__file__).with_name("compound_vocabulary_de.txt")
_GLOSSARY_FILE = Path(__file__).with_name("glossary_de_en.tsv")
MIN_PART = 4  # shortest part from the corpus list; shorter ones only as glossary words ('amt')
_MIN_GLOSSARY_PART = 3
# Longest word taken apart: the search is quadratic in the word's length, and German compounds
# stay far below this; a longer token is a URL or a hash.
MAX_COMPOUND = 48
_LINKS = ("", "s", "es", "n", "en", "er")
# Word endings the corpus also lists as words ('innen' of 'Bürgerinnen' is a word, 'heit' not):
# a derivation, not a compound; never a part.
_NOT_PARTS = frozenset("""
innen chen lein heit keit schaft schaften lich liche lichen licher ische ischen isch ungen ung
ierung ierungen bar bare tion tionen ismus ende enden rinnen
""".split())
# Glossary words kept out of the parts: function words and short fragments that cut too much.
_FUNCTION_WORDS = frozenset("""
der die das den dem des ein eine und oder für mit von vom zum zur bei auf aus als wie was wer
ist sind nach vor über unter bis gegen ohne sich nicht auch noch nur
""".split())


@lru_cache(maxsize=1)
def _german_stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("german")


def _fold(text: str) -> str:
    # ingest/core/language.py's fold, repeated here because language.py imports this module
    import unicodedata
    return unicodedata.normalize("NFC", text).lower().replace("ß", "ss")


@lru_cache(maxsize=1)
def _glossary_words() -> frozenset[str]:
    """The glossary's one-word German terms, folded."""
    found: set[str] = set()
    if _GLOSSARY_FILE.is_file():
        with _GLOSSARY_FILE.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                term = _fold((row.get("de") or "").strip())
                if term.isalpha():
                    found.add(term)
    return frozenset(found)


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """The known parts: folded forms, and their German stems."""
    forms: set[str] = set()
    if VOCABULARY_FILE.is_file():
        forms.update(w for w in VOCABULARY_FILE.read_text(encoding="utf-8").split()
                     if len(w) >= MIN_PART)
    if _GLOSSARY_FILE.is_file():
        with _GLOSSARY_FILE.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                for word in _fold(row.get("de") or "").replace("-", " ").split():
                    word = word.strip("()[],.;:/'\"")
                    if len(word) >= _MIN_GLOSSARY_PART and word.isalpha() and \
                            word not in _FUNCTION_WORDS:
                        forms.add(word)
    forms -= _NOT_PARTS
    stems = {s for s in _german_stemmer().stemWords(sorted(forms)) if len(s) >= MIN_PART - 1}
    return frozenset(forms), frozenset(stems - _NOT_PARTS)


_UNKNOWN, _EXACT, _BY_STEM = 0, 1, 2


@lru_cache(maxsize=262144)  # the same substrings recur across words ('wasser', 'regen')
def _known(part: str) -> int:
    """_EXACT: a listed word; _BY_STEM: an inflected or shortened form of one; else _UNKNOWN."""
    if part in _NOT_PARTS:
        return _UNKNOWN
    forms, stems = _vocabulary()
    if part in forms:
        return _EXACT
    if len(part) >= MIN_PART and _german_stemmer().stemWord(part) in stems:
        return _BY_STEM
    return _UNKNOWN


@lru_cache(maxsize=65536)
def split_compound(word: str) -> tuple[str, ...]:
    """A folded German word's parts (two or more, linking elements dropped), or () when it is no
    compound of known words. Fewest parts win, then fewest parts known only by their stem, then
    the longest shortest part: 'kanalnetzüberlastung' gives kanalnetz + überlastung.

    A part known only by its stem takes no linking element after it: 'abwass' (the stem of
    'Abwasser') + -er- + 'pumpsystemen' would cut the word in the wrong place.
    """
    n = len(word)
    if not 2 * _MIN_GLOSSARY_PART <= n <= MAX_COMPOUND or not word.isalpha():
        return ()
    # best[i]: the best split of word[i:] as (parts, parts known by stem, -shortest, parts)
    best: dict[int, tuple[int, int, int, tuple[str, ...]] | None] = {n: (0, 0, -n, ())}
    for start in range(n - _MIN_GLOSSARY_PART, -1, -1):
        found: tuple[int, int, int, tuple[str, ...]] | None = None
        for end in range(start + _MIN_GLOSSARY_PART, n + 1):
            part = word[start:end]
            known = _UNKNOWN if start == 0 and end == n else _known(part)  # not the word itself
            if known == _UNKNOWN:
                continue
            links = ("",) if end == n or known == _BY_STEM else _LINKS
            for link in links:
                after = end + len(link)
                # a link stands between parts, never last
                if link and (after == n or not word.startswith(link, end)):
                    continue
                rest = best.get(after)
                if rest is None:
                    continue
                count, by_stem, shortest, parts = rest
                candidate = (count + 1, by_stem + (known == _BY_STEM),
                             max(shortest, -len(part)), (part, *parts))
                if found is None or candidate[:3] < found[:3]:
                    found = candidate
        best[start] = found
    whole = best.get(0)
    return whole[3] if whole is not None and whole[0] >= 2 else ()


# What is split: "all" German compounds, glossary terms too ('Hochwasser': hoch, wasser);
# "keep-glossary": not the glossary's one-word terms; "off". A benchmark switch
# (benchmarks/compound_splitting.py runs the three side by side; the lexical cache's analyzer
# fingerprint includes it). "all" measured best: built-in German BM25 nDCG@10 0.668 against
# 0.638 keep-glossary and 0.635 off; real reports' BM25 nDCG@10 0.474 / 0.460 / 0.421.
SPLITTING = "all"


@lru_cache(maxsize=65536)
def _all_parts(word: str) -> tuple[str, ...]:
    if SPLITTING == "off" or (SPLITTING == "keep-glossary" and word in _glossary_words()):
        return ()
    parts = split_compound(word)
    return tuple(p for part in parts for p in (part, *_all_parts(part)))


def compound_parts(tokens: list[str]) -> list[str]:
    """The parts of every compound among folded German words, and their parts in turn
    ('kanalnetzüberlastung': kanalnetz, kanal, netz, überlastung), the words themselves not
    repeated: the extra terms the lexical index adds beside them."""
    return [part for token in tokens for part in _all_parts(token)]


def reset() -> None:
    """Forget computed splits (after SPLITTING or the word lists changed)."""
    _all_parts.cache_clear()
    split_compound.cache_clear()
    _known.cache_clear()
    _vocabulary.cache_clear()
    _glossary_words.cache_clear()
