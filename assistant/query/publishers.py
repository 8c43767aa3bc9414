"""The publishers a question names ('Angebote des Umweltbundesamts', 'DWD data portals',
'guides from the environment agency'), and the publishers of a tool, as the same keys.

Staff often look for what one agency offers. A tool's publishers are the abbreviations its
`provider` gives in parentheses ('Umweltbundesamt (UBA)' -> 'uba'); a question names one by
that abbreviation or, for the federal agencies staff name most, by its name in German or
English, declined ('des Deutschen Wetterdienstes').
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["publishers_in", "publishers_of"]

# Abbreviation -> its names beside the abbreviation itself (regular expressions, casefolded).
_NAMES: dict[str, tuple[str, ...]] = {
    "uba": (r"umweltbundesamt\w*", r"(?<!european )(?<!state )environment agency"),
    "dwd": (r"deutsche[nrs]? wetterdienst\w*", r"german (?:weather|meteorological) service"),
    "bbsr": (r"bundesinstitut\w* für bau-, stadt- und raumforschung",),
    "bbk": (r"bundesamt\w* für bevölkerungsschutz\w*",
            r"federal office of civil protection\w*"),
    "bfn": (r"bundesamt\w* für naturschutz", r"federal agency for nature conservation"),
    "difu": (r"deutsche[nrs]? institut\w* für urbanistik", r"german institute of urban affairs"),
    "eea": (r"european environment agency", r"europäische[nr]? umweltagentur"),
    "jrc": (r"joint research centre",),
}
# An abbreviation in a provider: two or more capitals, digits or '-' ('UBA'; 'StEB' not).
_ABBREVIATION = re.compile(r"\(([A-ZÄÖÜ][A-ZÄÖÜ0-9-]+)\)")


def _pattern(key: str) -> re.Pattern[str]:
    forms = (re.escape(key), *_NAMES.get(key, ()))
    return re.compile(r"(?<![\w-])(?:" + "|".join(forms) + r")(?![\w-])")


_NAMED = {key: _pattern(key) for key in _NAMES}


def publishers_of(provider: str) -> frozenset[str]:
    """The abbreviations a tool's provider text gives, casefolded."""
    return _publishers_of(provider)


@lru_cache(maxsize=4096)
def _publishers_of(provider: str) -> frozenset[str]:
    return frozenset(m.group(1).casefold() for m in _ABBREVIATION.finditer(provider))


def publishers_in(text: str) -> frozenset[str]:
    """The publishers the text names: by a name in _NAMES (any case), or by an abbreviation
    of three letters or more written in capitals ('DWA'; 'Zug' is not the ZUG, and 'EU'
    names no publisher a question means). Casefolded, as publishers_of gives them."""
    named = {key for key, pattern in _NAMED.items() if pattern.search(text.casefold())}
    capitals = {m.casefold() for m in re.findall(r"(?<![\w-])[A-ZÄÖÜ][A-ZÄÖÜ0-9-]{2,}(?![\w-])",
                                                 text)}
    return frozenset(named | capitals)
