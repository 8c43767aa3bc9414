"""A standalone query -> retrieval and ranked tools: what `ask` and the evaluation share.

The steps: translate the query's terms with the glossary (expand.py), read the filters and
facets it implies (intent.py), retrieve with every signal (retrieve.py) and rank tools
(rank.py). Each step can be switched off, so evaluation can measure what it adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.query.analysis import Analysis, analyse
from assistant.query.filters import Filters
from assistant.query.intent import Intent
from assistant.retrieval.fusion import Mode
from assistant.retrieval.tool_ranking import RankedTool, rank_tools
from ingest.core.records import Retrieval

if TYPE_CHECKING:  # the retriever pulls in torch and chromadb; evaluation imports this early
    from assistant.retrieval.hybrid import Retriever

__all__ = ["Options", "search"]



@dataclass(frozen=True)
class Options:
    mode: Mode = "hybrid"
    expansion: bool = True  # glossary translation of the query's terms
    intent: bool = True  # filters and facets inferred from the query
    signals: frozenset[str] | None = None  # a subset of SIGNALS' names; None: the mode's


def search(retriever: Retriever, query: str, filters: Filters = Filters(),
           options: Options = Options(), top_k: int = 8,
           analysis: Analysis | None = None) -> tuple[Retrieval, list[RankedTool], Intent]:
    """Retrieve and rank tools for a standalone query.

    Args:
        analysis: the query's analysis when the caller has made it (`ask` does, for the
            answer's language and chips); else made here.
    """
    analysis = analysis or analyse(query, expansion=options.expansion, intent=options.intent)
    expanded, intent = analysis.expansion, analysis.intent
    effective = filters.merged(intent.filters)
    translated_text = None
    if expanded and expanded.language != "en" and expanded.translations:
        translated_text = " ".join(expanded.translations)
    retrieval = retriever.retrieve(query, effective, options.mode,
                                   translated_text=translated_text, language=analysis.language,
                                   signals=options.signals,
                                   translations=expanded.translations if expanded else ())
    tools = rank_tools(query, retrieval, retrieval.tools, effective, top_k,
                       facets=intent.facets)
    return retrieval, tools, intent
