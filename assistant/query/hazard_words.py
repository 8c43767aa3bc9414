"""Words that signal a hazard or a governance phase, in English and German.

Used to explain why a tool fits ("matches your hazard: heat"). Terms are matched on word stems,
so 'Hitzewellen' meets 'hitzewelle' and 'floods' meets 'flood'.
"""

from __future__ import annotations

from functools import lru_cache

from ingest.core.language import analyze

__all__ = ["HAZARD_TERMS", "PHASE_TERMS", "Term", "hazards_in", "phases_in"]

HAZARD_TERMS: dict[str, tuple[str, ...]] = {
    "heat": ("heat", "heatwave", "hot", "hitze", "hitzewelle", "hitzeaktionsplan", "kühlung",
             "cooling", "überhitzung", "tropennacht", "hitzeschutz", "hitzewarnung",
             # comparatives and adjectives: "hottest districts", "wie heiß (heißer) es wird"
             "hottest", "heiß", "sommerhitze"),
    "heavy-rain": ("heavy rain", "cloudburst", "flash flood", "starkregen", "sturzflut",
                   "regenwasser", "stormwater", "rainwater", "sponge", "schwammstadt",
                   "überflutung", "rückstau", "backflow",
                   # the storms heavy rain comes with ("bei jedem Gewitter"), and DWA's word
                   # for heavy-rain planning; not the sewer itself ("Ratten in der
                   # Kanalisation" is no heavy rain)
                   "gewitter", "thunderstorm", "wolkenbruch", "platzregen",
                   "überflutungsvorsorge"),
    "river-flooding": ("river flood", "flood", "flooding", "hochwasser", "flusshochwasser",
                       "überschwemmung", "deich", "dyke",
                       # "die Stadt stand unter Wasser": both words anywhere in the question
                       "unter wasser", "under water"),
    "coastal-flooding": ("coastal", "storm surge", "sea level", "küste", "sturmflut",
                         "küstenschutz", "meeresspiegel", "coast", "tidal", "tide", "harbour"),
    "drought": ("drought", "dry", "soil moisture", "dürre", "trockenheit", "bodenfeuchte",
                "wassermangel", "bewässerung", "irrigation"),
    "storm": ("storm", "wind", "gale", "sturm", "orkan", "unwetter", "gust",
              # gusts in German compounds stem apart from "Böe": list the family
              "böe", "böen", "orkanböe", "orkanböen", "sturmböen", "windböen"),
    "wildfire": ("wildfire", "forest fire", "fire danger", "waldbrand", "brand", "feuer",
                 # a fire with what burns: "fires near the camp in the woods", "dry summer"
                 "fire wood", "fire dry", "fire grass", "bushfire", "vegetationsbrand",
                 "flächenbrand"),
}

PHASE_TERMS: dict[str, tuple[str, ...]] = {
    "awareness": ("awareness", "inform", "communication", "sensibilisierung", "aufklärung",
                  "kommunikation", "information"),
    "risk-analysis": ("risk", "vulnerability", "hazard map", "exposure", "assessment", "risiko",
                      "vulnerabilität", "gefahrenkarte", "betroffenheit", "risikoanalyse",
                      "analyse"),
    "goal-setting": ("goal", "target", "objective", "vision", "ziel", "leitbild", "strategie",
                     "strategy"),
    "planning": ("plan", "planning", "concept", "planung", "konzept", "bebauungsplan",
                 "bauleitplanung"),
    "implementation": ("implement", "measure", "build", "umsetzung", "maßnahme", "umsetzen",
                       "funding", "förderung"),
    "monitoring-evaluation": ("monitoring", "evaluation", "indicator", "review", "evaluierung",
                              "bewertung", "indikator", "erfolgskontrolle"),
    "participation": ("participation", "citizen", "stakeholder", "involve", "beteiligung",
                      "bürger", "partizipation", "mitwirkung", "öffentlichkeit"),
}


Term = tuple[frozenset[str], ...]  # per word of a term: its English and German stems


@lru_cache(maxsize=2)  # both tables: with 1 they evicted each other, so every call re-stemmed
def _stemmed(table: str) -> dict[str, tuple[Term, ...]]:
    source = HAZARD_TERMS if table == "hazards" else PHASE_TERMS
    return {key: tuple(tuple(frozenset(analyze(w)) for w in term.split()) for term in terms)
            for key, terms in source.items()}


def _matches(table: str, query_terms: set[str]) -> list[str]:
    """Keys with a term whose every word meets the query in either language's stem."""
    return [key for key, terms in _stemmed(table).items()
            if any(term and all(stems & query_terms for stems in term) for term in terms)]


def hazards_in(text: str) -> list[str]:
    """Hazards the text speaks of, in vocabulary order."""
    return _matches("hazards", set(analyze(text)))


def phases_in(text: str) -> list[str]:
    """Governance phases the text speaks of, in vocabulary order."""
    return _matches("phases", set(analyze(text)))
