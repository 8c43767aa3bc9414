"""A standalone query -> its analysis, worked out once per question: language, glossary
translations, and the filters and facets it implies. The answer's language, retrieval, tool
ranking, chips and feedback all read this one object."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.query.expand import Expansion, expand
from assistant.query.intent import Intent, infer

__all__ = ["Analysis", "analyse"]


@dataclass(frozen=True)
class Analysis:
    """What a standalone query says, worked out once per question: its language and glossary
    translations, and the filters and facets it implies."""

    query: str
    expansion: Expansion | None
    intent: Intent

    @property
    def language(self) -> str:
        return self.expansion.language if self.expansion else "en"


def analyse(query: str, *, expansion: bool = True, intent: bool = True,
            removed_chips: tuple[str, ...] = ()) -> Analysis:
    """The query's analysis; `expansion` and `intent` switch the glossary translation and the
    inferred filters off (evaluation measures what each adds); `removed_chips` (`field:value`)
    are inferred filters the user switched off."""
    expanded = expand(query) if expansion else None
    implied = infer(query, expanded.translations if expanded else ()) if intent else Intent()
    for chip in removed_chips:
        implied = implied.without(chip)
    return Analysis(query, expanded, implied)
