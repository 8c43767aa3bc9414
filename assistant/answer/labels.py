"""The words the app shows around an answer, in the language of the question (English, German),
and the app's fixed texts (`UI`): TOOLBOX_UI_LANGUAGE's on the first screen, then the question's.

One table each, so a text is translated in one place and a test can check both languages have
every key. Vocabulary values (hazards, phases, ...) get display names here too; the stored values
stay the closed English lists of ingest/core/records.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.core.records import Tool

__all__ = ["TEXTS", "FIELDS", "texts", "value_label", "tool_name", "tool_description",
           "chip_label", "EXAMPLES", "UI", "examples", "ui"]

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "tools": "Recommended tools",
        "sources": "Sources",
        "no_tools": "No tools to show.",
        "no_passages": "No passages to show.",
        "why": "Why",
        "need": "matches your need",
        "hazards": "hazards",
        "phases": "phases",
        "named_in": "recommended in",
        "similar": "similar description",
        "description": "Description",
        "evidence": "Supporting passages",
        "page": "p.",
        "open_page": "open the document at this page",
        "searched_for": "Searched for",
        "chips": "Filters (remove one to search again without it)",
        "from_question": "from your question",
        "export": "Download answer (Markdown)",
        "answer": "Answer",
        "link": "Link",
        "provider": "Provider",
        "question": "Question",
        "rate": "Rate a tool shown",
        "more": "more",
        "cost_unknown": "cost unknown",
        "more_tools": "{n} more tools",
        "filters": "Filters",
    },
    "de": {
        "tools": "Empfohlene Werkzeuge",
        "sources": "Quellen",
        "no_tools": "Keine Werkzeuge gefunden.",
        "no_passages": "Keine Textstellen gefunden.",
        "why": "Warum",
        "need": "passt zu Ihrem Anliegen",
        "hazards": "Gefahren",
        "phases": "Phasen",
        "named_in": "empfohlen in",
        "similar": "ähnliche Beschreibung",
        "description": "Beschreibung",
        "evidence": "Belegstellen",
        "page": "S.",
        "open_page": "Dokument auf dieser Seite öffnen",
        "searched_for": "Gesucht nach",
        "chips": "Filter (entfernen Sie einen, um ohne ihn neu zu suchen)",
        "from_question": "aus Ihrer Frage",
        "export": "Antwort herunterladen (Markdown)",
        "answer": "Antwort",
        "link": "Link",
        "provider": "Anbieter",
        "question": "Frage",
        "rate": "Ein gezeigtes Werkzeug bewerten",
        "more": "mehr",
        "cost_unknown": "Kosten unbekannt",
        "more_tools": "{n} weitere Werkzeuge",
        "filters": "Filter",
    },
}

FIELDS: dict[str, dict[str, str]] = {
    "en": {"hazards": "Hazard", "phases": "Phase", "scales": "Scale", "languages": "Language",
           "kinds": "Kind", "costs": "Cost", "applicants": "Who may apply",
           "countries": "Country", "lands": "Land", "funding_types": "Funding type",
           "budget_bands": "Budget per project", "min_rate": "Minimum funding rate"},
    "de": {"hazards": "Gefahr", "phases": "Phase", "scales": "Ebene", "languages": "Sprache",
           "kinds": "Art", "costs": "Kosten", "applicants": "Antragsberechtigt",
           "countries": "Staat", "lands": "Bundesland", "funding_types": "Förderart",
           "budget_bands": "Projektvolumen", "min_rate": "Mindest-Förderquote"},
}
# The funding facet's chips (assistant/query/funding_filter.py CHIP_FIELDS): their values are
# Länder, countries and the funding card's vocabularies, not the tool vocabularies above.
_FUNDING_CHIPS = ("applicants", "countries", "lands", "funding_types", "budget_bands")

# German display names; English ones are the values with hyphens as spaces.
_GERMAN_VALUES: dict[str, str] = {
    "heat": "Hitze", "heavy-rain": "Starkregen", "river-flooding": "Flusshochwasser",
    "coastal-flooding": "Küstenhochwasser", "drought": "Dürre", "storm": "Sturm",
    "wildfire": "Waldbrand", "general": "allgemein",
    "awareness": "Sensibilisierung", "risk-analysis": "Risikoanalyse",
    "goal-setting": "Zielsetzung", "planning": "Planung", "implementation": "Umsetzung",
    "monitoring-evaluation": "Monitoring und Evaluation", "participation": "Beteiligung",
    "building": "Gebäude", "neighbourhood": "Quartier", "city": "Stadt", "region": "Region",
    "national": "national", "eu": "EU",
    "free": "kostenlos", "paid": "kostenpflichtig", "mixed": "teils kostenpflichtig",
    "de": "Deutsch", "en": "Englisch",
    "guide": "Leitfaden", "data-portal": "Datenportal", "network": "Netzwerk",
    "assessment-method": "Bewertungsmethode", "case-study-collection": "Praxisbeispiele",
    "checklist": "Checkliste", "training": "Schulung",
    "participation-method": "Beteiligungsmethode", "standard": "Norm",
    "map-service": "Kartendienst", "funding-programme": "Förderprogramm",
    "simulation-model": "Simulationsmodell", "software": "Software",
}
_ENGLISH_VALUES: dict[str, str] = {"de": "German", "en": "English", "eu": "EU"}


def texts(language: str) -> dict[str, str]:
    """The text table for `de` or `en` (English for anything else)."""
    return TEXTS.get(language, TEXTS["en"])


def value_label(value: str, language: str) -> str:
    """How a vocabulary value reads in the UI ('heavy-rain' -> 'heavy rain' / 'Starkregen')."""
    if language == "de" and value in _GERMAN_VALUES:
        return _GERMAN_VALUES[value]
    return _ENGLISH_VALUES.get(value, value.replace("-", " "))


def tool_name(tool: Tool, language: str) -> str:
    """The tool's German name for a German reader when it has one, else its English name."""
    return tool.name_de if language == "de" and tool.name_de else tool.name


def tool_description(tool: Tool, language: str) -> str:
    """The tool's German description for a German reader when it has one, else the English."""
    return tool.description_de if language == "de" and tool.description_de else tool.description


def chip_label(chip: str, language: str, inferred: bool = False) -> str:
    """'costs:free' -> 'Cost: free' / 'Kosten: kostenlos', marked when the question implied it."""
    name, _, value = chip.partition(":")
    field = FIELDS.get(language, FIELDS["en"]).get(name, name)
    if name == "min_rate":
        shown = f"≥ {value} %"
    elif name in _FUNDING_CHIPS:
        from assistant.answer.funding_card import label as funding_label

        shown = funding_label(value, language)
    else:
        shown = value_label(value, language)
    label = f"{field}: {shown}"
    return f"{label} ({texts(language)['from_question']})" if inferred else label

# The Ask tab's example questions: one of each kind staff ask (English and German).
# The example questions under the chat, in the page's language (a German page listing English
# examples read as if the tool only half spoke German).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "en": ("How do we start a heat action plan?",
           "Where can we find a heavy-rain hazard map for our municipality?",
           "free tools in English for drought monitoring",
           "Our town flooded last summer, what now?"),
    "de": ("Wo finde ich eine Starkregengefahrenkarte für unsere Gemeinde?",
           "Wie fangen wir mit einem Hitzeaktionsplan an?",
           "kostenlose Werkzeuge zur Beobachtung von Dürre",
           "Wer fördert die Entsiegelung von Schulhöfen?"),
}


def examples(language: str) -> tuple[str, ...]:
    """The example questions for `de` or `en` (English for anything else)."""
    return EXAMPLES.get(language, EXAMPLES["en"])


# The app's fixed texts: headings, buttons, tabs and its messages. The first screen shows
# TOOLBOX_UI_LANGUAGE's, then the page follows the latest question's language (the Evaluate
# tab's own texts are in assistant/web/page_texts.py).
UI: dict[str, dict[str, str]] = {
    "en": {
        "intro": "## Resilience Toolbox Assistant\nAsk in English or German which tools help "
                 "your municipality with heat, heavy rain, floods, drought or storms.",
        "question": "Your question",
        "placeholder": EXAMPLES["en"][0],
        "ask": "Ask",
        "new": "New conversation",
        "examples": "Examples",
        "filters": "Filters",
        "fits": "👍 fits",
        "does_not_fit": "👎 does not fit",
        "tab_ask": "Ask",
        "tab_browse": "Browse",
        "tab_evaluate": "Evaluate",
        "tab_ingest": "Ingest",
        "failed": "Something went wrong while answering; please try again. The error was "
                  "logged.",
        "only_answers": "Only answers can be rated.",
        "ask_first": "Ask a question first, then rate one of the tools shown.",
        "thanks": "Thank you: {vote} on {what} recorded.",
        "the_answer": "the answer",
        "tool": "tool {id}",
        "browse_search": "Search within the toolbox (English or German)",
        "browse_placeholder": "e.g. heat warning, drinking fountain, Starkregen",
        "browse_status": "Tools matching: {count}. Click a cell to list its tools.",
        "hazard_phase": "hazard \\ phase",
        "no_cell_tools": "No tools in this cell.",
        "password": "Editor password",
        "log_in": "Log in",
        "wrong_password": "Wrong password.",
        "locked": "too many failed logins; try again in {seconds} s.",
        "login_required": "editor login required: enter the editor password first",
        "files": "Reports and tool files",
        "supersedes": "Supersedes (optional): id of the document this one file replaces; the "
                      "old edition stays searchable on request",
        "ingest": "Ingest",
        "report": "Report",
        "knowledge_base": "### Knowledge base",
        "refresh": "Refresh",
    },
    "de": {
        "intro": "## Resilience Toolbox Assistant\nFragen Sie auf Deutsch oder Englisch, welche "
                 "Werkzeuge Ihrer Kommune bei Hitze, Starkregen, Hochwasser, Dürre oder Sturm "
                 "helfen.",
        "question": "Ihre Frage",
        "placeholder": EXAMPLES["de"][0],
        "ask": "Fragen",
        "new": "Neues Gespräch",
        "examples": "Beispiele",
        "filters": "Filter",
        "fits": "👍 passt",
        "does_not_fit": "👎 passt nicht",
        "tab_ask": "Fragen",
        "tab_browse": "Übersicht",
        "tab_evaluate": "Evaluation",
        "tab_ingest": "Einpflegen",
        "failed": "Beim Beantworten ist ein Fehler aufgetreten; bitte versuchen Sie es erneut. "
                  "Der Fehler wurde protokolliert.",
        "only_answers": "Nur Antworten können bewertet werden.",
        "ask_first": "Stellen Sie zuerst eine Frage und bewerten Sie dann eines der gezeigten "
                     "Werkzeuge.",
        "thanks": "Vielen Dank: Ihr {vote} für {what} wurde gespeichert.",
        "the_answer": "die Antwort",
        "tool": "das Werkzeug {id}",
        "browse_search": "In der Toolbox suchen (Deutsch oder Englisch)",
        "browse_placeholder": "z. B. Hitzewarnung, Trinkbrunnen, heavy rain",
        "browse_status": "Passende Werkzeuge: {count}. Klicken Sie auf eine Zelle, um ihre "
                         "Werkzeuge aufzulisten.",
        "hazard_phase": "Gefahr \\ Phase",
        "no_cell_tools": "Keine Werkzeuge in dieser Zelle.",
        "password": "Passwort der Redaktion",
        "log_in": "Anmelden",
        "wrong_password": "Falsches Passwort.",
        "locked": "Zu viele fehlgeschlagene Anmeldungen; bitte in {seconds} s erneut versuchen.",
        "login_required": "Anmeldung der Redaktion nötig: Geben Sie zuerst das Passwort ein",
        "files": "Berichte und Werkzeugdateien",
        "supersedes": "Ersetzt (optional): ID des Dokuments, das diese eine Datei ersetzt; die "
                      "alte Ausgabe bleibt auf Wunsch durchsuchbar",
        "ingest": "Einpflegen",
        "report": "Bericht",
        "knowledge_base": "### Wissensbasis",
        "refresh": "Aktualisieren",
    },
}


def ui(language: str) -> dict[str, str]:
    """The app's fixed texts for `de` or `en` (English for anything else)."""
    return UI.get(language, UI["en"])
