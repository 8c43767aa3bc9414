"""Language-aware text analysis shared by the lexical index, parsing and answers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import Stemmer

from ingest.core.compounds import compound_parts

__all__ = ["GLOSSARY_FILE", "STOPWORDS_EN", "STOPWORDS_DE", "STOPWORDS", "fold", "words", "stem",
           "content_words", "analyze", "detect_language", "language_score", "split_sentences",
           "INDEX_STOPWORDS", "OTHER_LANGUAGE", "index_terms", "query_terms", "compound_terms"]

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

# The index's stopwords per language: the Snowball lists (as bm25s ships them, NLTK's English
# and German) with ours above. Longer than the bilingual STOPWORDS, which must stay short: a
# German stopword there ('will', 'also', 'man') is an English content word and the reverse.
_SNOWBALL_EN = """
a about above after again against ain all am an and any are aren aren't as at be because been
before being below between both but by can couldn couldn't d did didn didn't do does doesn
doesn't doing don don't down during each few for from further had hadn hadn't has hasn hasn't
have haven haven't having he her here hers herself him himself his how i if in into is isn isn't
it it's its itself just ll m ma me mightn mightn't more most mustn mustn't my myself needn
needn't no nor not now o of off on once only or other our ours ourselves out over own re s same
shan shan't she she's should should've shouldn shouldn't so some such t than that that'll the
their theirs them themselves then there these they this those through to too under until up ve
very was wasn wasn't we were weren weren't what when where which while who whom why will with won
won't wouldn wouldn't y you you'd you'll you're you've your yours yourself yourselves
"""
_SNOWBALL_DE = """
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
anderm andern anderr anders auch auf aus bei bin bis bist da damit dann das dass dasselbe dazu
dein deine deinem deinen deiner deines dem demselben den denn denselben der derer derselbe
derselben des desselben dessen dich die dies diese dieselbe dieselben diesem diesen dieser dieses
dir doch dort du durch ein eine einem einen einer eines einig einige einigem einigen einiger
einiges einmal er es etwas euch euer eure eurem euren eurer eures für gegen gewesen hab habe
haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in
indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine
keinem keinen keiner keines können könnte machen man manche manchem manchen mancher manches
mein meine meinem meinen meiner meines mich mir mit muss musste nach nicht nichts noch nun nur ob
oder ohne sehr sein seine seinem seinen seiner seines selbst sich sie sind so solche solchem
solchen solcher solches soll sollte sondern sonst um und uns unser unsere unserem unseren unseres
unter viel vom von vor war waren warst was weg weil weiter welche welchem welchen welcher welches
wenn werde werden wie wieder will wir wird wirst wo wollen wollte während würde würden zu zum
zur zwar zwischen über
"""
INDEX_STOPWORDS = {"en": STOPWORDS_EN | frozenset(_SNOWBALL_EN.split()),
                   "de": STOPWORDS_DE | frozenset(_SNOWBALL_DE.split())}
OTHER_LANGUAGE = {"en": "de", "de": "en"}
_STEMMERS = {"en": "english", "de": "german"}

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


def index_terms(text: str, language: str | None = None, fallback: str = "en",
                cross: bool = False, split: bool = True) -> list[str]:
    """Index terms of a text in its language: that language's stopwords left out, its Snowball
    stems. `language` None: the language the text's function words and umlauts show, else
    `fallback` (a document's language, for a chunk without function words such as a table).

    `cross`: also every word's German stem, tagged (`de:regional`): the German view of any
    text, which German questions read (query_terms). So they meet the cognates of English tool
    texts ('regionale' and 'regional' share the German stem, not the English one), without
    German stems clouding English questions, as when every word got both stems untagged
    (BM25 nDCG@10 on CLIMATE-FEVER 0.346 then, 0.38 now; benchmarks/generalise.py). Every
    chunk gets the view, German ones too, so that it doubles every chunk's length alike.

    German text without `cross` (a question) also yields its compounds' parts
    (ingest/core/compounds.py) beside its terms, unless `split` is False (an English question's
    German translations, which read plain terms only). A chunk's parts are not among its terms
    but in a parts index of their own (compound_terms), so its length, and with it what every
    English question scores, stays what it was.
    """
    tokens = words(text)
    if language not in INDEX_STOPWORDS:
        score = _score(tokens)
        language = "de" if score > 0 else "en" if score < 0 or fallback not in \
            INDEX_STOPWORDS else fallback
    stop = INDEX_STOPWORDS[language]
    kept = [w for w in tokens if w not in stop and (len(w) > 1 or w.isdigit())]
    terms = _stemmer(_STEMMERS[language]).stemWords(kept)
    if cross:
        german = terms if language == "de" else _stemmer("german").stemWords(kept)
        return terms + [f"de:{t}" for t in german]
    if split and language == "de":  # a German question's compounds meet their parts' words
        terms += _stemmer("german").stemWords(compound_parts(kept))
    return terms


def compound_terms(text: str, fallback: str = "en") -> list[str]:
    """The German stems of the parts of a German text's compounds ('Kanalnetzüberlastung':
    kanalnetz, uberlast), none for English text: the terms of the lexical index's parts index,
    which only German questions read (assistant/retrieval/lexical.py)."""
    tokens = words(text)
    score = _score(tokens)
    language = "de" if score > 0 else "en" if score < 0 or fallback not in \
        INDEX_STOPWORDS else fallback
    if language != "de":
        return []
    stop = INDEX_STOPWORDS["de"]
    return _stemmer("german").stemWords(compound_parts(
        [w for w in tokens if w not in stop and len(w) > 1]))


def query_terms(query: str, language: str | None, translations: tuple[str, ...] = ()
                ) -> list[str]:
    """A question's index terms: its own in its language (a German question's in the German
    view of every text, index_terms' `cross`), and its translations' in the other language,
    each translated stem once. `language` None (not known): its English terms and its German
    view, the languages of the toolbox.

    Each stem of the translations counts once: the glossary gives a term several synonyms
    that share stems ('Kommunen': municipality, local authority, local government and their
    plurals: 'local' four times), so a repeated stem weighed one question word as several and
    the most synonymous word outweighed the rest. A German question's own words count once,
    in the German view, which meets German passages and English ones alike: counting its
    plain stems besides (a German passage's matches twice) only made up for its translations'
    weight before they were deduplicated. Measured together (benchmarks/generalise.py, hybrid
    nDCG@10): built-in tools 0.760 -> 0.771 (English 0.763 -> 0.775, German 0.756 -> 0.767),
    follow-ups 0.732 -> 0.768, CLIMATE-FEVER 0.440 -> 0.441, real reports hit@5 0.824 ->
    0.853 (nDCG@10 0.593 -> 0.584).
    """
    if language is None:
        return index_terms(query, "en") + [f"de:{t}" for t in index_terms(query, "de")]
    if language not in INDEX_STOPWORDS:
        language = "en"
    terms = index_terms(query, language)
    if language == "de":
        terms = [f"de:{t}" for t in terms]
    if translations:
        # an English question's German translations stay whole: their parts would meet
        # German texts' plain stems, which English questions read ('Plan', 'System')
        terms += dict.fromkeys(index_terms(" ".join(translations), OTHER_LANGUAGE[language],
                                           split=language != "en"))
    return terms


def detect_language(text: str) -> str:
    """Guess `de` or `en` from function words and umlauts; English when unsure."""
    return "de" if language_score(text) > 0 else "en"


def language_score(text: str) -> int:
    """Evidence for German (> 0) or English (< 0) from function words and umlauts."""
    return _score(words(text))


def _score(tokens: list[str]) -> int:
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
