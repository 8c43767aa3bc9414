"""A funding programme's facts for a tool card (HTML), for `ask --json` and for the terminal.

No deadline is shown, ever: the records hold none on purpose (calls open and close), so the
card says the status is unknown and sends the reader to the programme's link.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ingest.core.records import Tool

__all__ = ["TEXTS", "RATE_NOTE", "VALUE_LABELS", "label", "funding_rows", "funding_html",
           "funding_json", "funding_lines", "funding_title", "funding_controls"]

TEXTS = {
    "en": {"title": "Funding", "who": "Who may apply", "where": "Where", "type": "Funding type",
           "budget": "Budget per project", "rate": "Funding rate", "consortium": "Consortium",
           "language": "Application language", "authority": "Managing authority",
           "status": "Status unknown, check the link", "source": "Source", "checked": "checked",
           "required": "required", "not-required": "not required", "unspecified": "not stated",
           "up_to": "up to", "all_regions": "all regions",
           "rate_unknown": "not stated, check the link",
           "no_percent": "no percentage stated, check the link"},
    "de": {"title": "Förderung", "who": "Antragsberechtigt", "where": "Gebiet",
           "type": "Förderart", "budget": "Projektvolumen", "rate": "Förderquote",
           "consortium": "Verbund", "language": "Antragssprache",
           "authority": "Fördermittelgeber", "status": "Stand unbekannt, bitte Link prüfen",
           "source": "Quelle", "checked": "geprüft", "required": "erforderlich",
           "not-required": "nicht erforderlich", "unspecified": "keine Angabe",
           "up_to": "bis zu", "all_regions": "alle Regionen",
           "rate_unknown": "nicht angegeben, bitte Link prüfen",
           "no_percent": "keine Quote in Prozent angegeben, bitte Link prüfen"},
}
VALUE_LABELS = {
    "en": {"municipality": "municipalities", "social-institution": "social institutions",
           "company": "companies", "ngo": "NGOs", "grant": "grant", "subsidy": "subsidy",
           "financial-instrument": "loan or other financial instrument", "other": "other",
           "under-50k": "under €50k", "50k-100k": "€50k-100k", "100k-1m": "€100k-1m",
           "1m-10m": "€1m-10m", "over-10m": "over €10m"},
    "de": {"municipality": "Kommunen", "social-institution": "soziale Einrichtungen",
           "company": "Unternehmen", "ngo": "Vereine und NGOs", "grant": "Zuschuss",
           "subsidy": "Zuwendung", "financial-instrument": "Kredit oder anderes Finanzinstrument",
           "other": "Sonstiges", "under-50k": "unter 50.000 €", "50k-100k": "50.000-100.000 €",
           "100k-1m": "100.000 € - 1 Mio. €", "1m-10m": "1-10 Mio. €",
           "over-10m": "über 10 Mio. €"},
}
RATE_NOTE = "rate not stated, check the link"
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def label(value: str, language: str) -> str:
    return VALUE_LABELS.get(language, VALUE_LABELS["en"]).get(value, value)


def funding_rows(tool: Tool, language: str) -> list[tuple[str, str]]:
    """(label, value) per fact the programme states, in the card's order, unescaped."""
    funding = tool.funding
    if funding is None:
        return []
    t = TEXTS.get(language, TEXTS["en"])
    where = ", ".join(funding.countries)
    if funding.lands:
        where += f" ({', '.join(funding.lands)})"
    if funding.max_rate_percent is None:  # a rate in words ("per square metre") is no percent
        rate = f"{funding.rate} ({t['no_percent']})" if funding.rate else t["rate_unknown"]
    else:
        rate = funding.rate or f"{t['up_to']} {funding.max_rate_percent} %"
    rows = [(t["who"], ", ".join(label(a, language) for a in funding.applicants)),
            (t["where"], where),
            (t["type"], ", ".join(label(v, language) for v in funding.funding_types)),
            (t["budget"], ", ".join(label(b, language) for b in funding.budget_bands)),
            (t["rate"], rate),
            (t["consortium"], t[funding.consortium]),
            (t["language"], funding.application_language or ""),
            (t["authority"], funding.managing_authority)]
    return [(name, value) for name, value in rows if value]


def funding_html(tool: Tool, language: str) -> str:
    """The funding block of a card; empty for a tool that is no funding programme."""
    funding = tool.funding
    if funding is None:
        return ""
    t = TEXTS.get(language, TEXTS["en"])
    items = "".join(f"<li><b>{html.escape(name)}:</b> {html.escape(value)}</li>"
                    for name, value in funding_rows(tool, language))
    url = str(tool.url) if tool.url else None
    status = html.escape(t["status"])
    if url and _SAFE_URL.match(url):
        status = (f'<a href="{html.escape(url, quote=True)}" target="_blank" '
                  f'rel="noopener noreferrer nofollow">{status}</a>')
    source = f"{t['source']}: {funding.source} ({t['checked']} {funding.checked})"
    return (f'<div class="funding"><b>{html.escape(t["title"])}</b><ul>{items}</ul>'
            f'<div class="funding-status">{status}</div>'
            f'<div class="passage-source">{html.escape(source)}</div></div>')


def funding_json(tool: Tool) -> dict[str, Any] | None:
    """The `funding` object of a tool in `ask --json` (null for other tools); `rate_note` says
    when no percentage is stated (such a programme passes --min-rate and ranks last)."""
    if tool.funding is None:
        return None
    data: dict[str, Any] = tool.funding.model_dump(mode="json")
    data["status"] = TEXTS["en"]["status"]  # no deadline is known: the link has the calls
    data["rate_note"] = (RATE_NOTE if tool.funding.max_rate_percent is None else None)
    return data


def funding_lines(tool: Tool, language: str = "en") -> list[str]:
    """The funding facts as indented terminal lines (for `ask` without --json)."""
    if tool.funding is None:
        return []
    t = TEXTS.get(language, TEXTS["en"])
    lines = [f"   {name}: {value}" for name, value in funding_rows(tool, language)]
    return [*lines, f"   {t['status']}: {tool.url or tool.funding.source}"]


def funding_title(language: str) -> str:
    return TEXTS.get(language, TEXTS["en"])["title"]


def funding_controls(language: str) -> list[tuple[str, str, list[tuple[str, str]], bool]]:
    """The app's Funding accordion, in chat.FUNDING_FIELDS order: (field, label,
    (shown, value) choices, multiselect) per dropdown."""
    from ingest.core.records import APPLICANTS, BUDGET_BANDS, FUNDING_TYPES, LAENDER

    t = TEXTS.get(language, TEXTS["en"])
    land = "Bundesland" if language == "de" else "Land (Germany)"
    minimum = "Mindest-Förderquote" if language == "de" else "Minimum funding rate"
    any_rate = "beliebig" if language == "de" else "any"  # the empty choice, in words
    steps = (50, 60, 70, 80, 90, 100)
    return [("applicants", t["who"], [(label(a, language), a) for a in APPLICANTS], True),
            ("lands", land, [(v, v) for v in LAENDER], True),
            ("funding_types", t["type"], [(label(v, language), v) for v in FUNDING_TYPES],
             True),
            ("budget_bands", t["budget"], [(label(b, language), b) for b in BUDGET_BANDS], True),
            ("min_rate", minimum, [(any_rate, ""), *((f"≥ {s} %", str(s)) for s in steps)],
             False)]
