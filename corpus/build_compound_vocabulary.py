"""Write ingest/core/compound_vocabulary_de.txt: the German words of our own corpus, the parts
the compound splitter (ingest/core/compounds.py) may cut a German word into.

    python corpus/build_compound_vocabulary.py

Words come from the German guide sources (front matter `language: de`) and the German fields
(`*_de`) of the tool records; the glossary's German terms are read by the splitter directly.
Only words of at least four letters that are not stopwords are kept, each in its folded form
(ingest/core/language.py's fold), so the list is a plain, reviewable word list.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest.core.compounds import VOCABULARY_FILE
from ingest.core.language import INDEX_STOPWORDS, words

CORPUS = Path(__file__).resolve().parent
_LETTERS = re.compile(r"^[a-zäöüß]+$")


def german_texts() -> list[str]:
    texts: list[str] = []
    for source in sorted((CORPUS / "sources").glob("*.md")):
        content = source.read_text(encoding="utf-8")
        if re.search(r"^language:\s*de\s*$", content, re.MULTILINE):
            texts.append(content)
    for record in sorted((CORPUS / "tools").glob("*.yaml")):
        data = yaml.safe_load(record.read_text(encoding="utf-8")) or {}
        texts.extend(str(v) for k, v in data.items() if k.endswith("_de") and v)
    return texts


def main() -> None:
    vocabulary = {w for text in german_texts() for w in words(text)
                  if len(w) >= 4 and _LETTERS.match(w) and w not in INDEX_STOPWORDS["de"]}
    VOCABULARY_FILE.write_text("\n".join(sorted(vocabulary)) + "\n", encoding="utf-8")
    print(f"{len(vocabulary)} words -> {VOCABULARY_FILE}")


if __name__ == "__main__":
    main()
