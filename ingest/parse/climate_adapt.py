"""The Climate-ADAPT (EEA) mission funding export -> one funding-programme tool per programme.

The export is a spreadsheet saved as CSV: two header rows above the column names (row 3),
YES/NO matrices (adaptation-support-tool steps, applicants, sectors, funding types, budget
bands), free text with line breaks, `0` for an empty answer. Columns are found by their
names, not their positions, so an export with columns added or moved still reads.

A row that cannot be mapped (no name, no link, no step marked, an id already taken) is a
`RowProblem` naming its spreadsheet row; the other rows become tools. Descriptions are
written here from the row's facts; the export's own prose (objectives, priorities) is not
carried over: its README allows the facts, with attribution, not its sentences.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import HttpUrl, TypeAdapter, ValidationError

from ingest.core.errors import FileProblem
from ingest.core.records import Funding, Tool

__all__ = ["NAME_COLUMN", "RowProblem", "is_climate_adapt", "read_climate_adapt"]

NAME_COLUMN = "Name of the funding programme"
_HEADER_ROWS = 3  # the column names are on the third row; data starts on the fourth
_STEP_PHASES = {  # adaptation support tool (AST) step -> our governance phase
    "AST 1": "awareness", "AST 2": "risk-analysis", "AST 3": "goal-setting",
    "AST 4": "planning", "AST 5": "implementation", "AST 6": "monitoring-evaluation",
}
_APPLICANTS = {
    "Local authorities and administrative bodies": "municipality",
    "Social, cultural and educational institutions": "social-institution",
    "Companies, SMEs and private associations": "company",
    "NGOs": "ngo",
}
# Only sectors that name a hazard map to one; every programme also gets `general`.
_SECTOR_HAZARDS = {
    "Water management": ("heavy-rain", "river-flooding", "drought"),
    "Coastal Areas": ("coastal-flooding",), "Forestry": ("wildfire",),
    "Agriculture": ("drought",), "Health": ("heat",),
}
_SECTORS = ("Agriculture", "Buildings", "Disaster Risk Reduction", "Forestry", "Health",
            "Transport", "Water management", "Energy", "Tourism", "Biodiversity",
            "Coastal Areas", "Marine and Fisheries")
_TYPES = (("Grants", "grant"), ("Subsidies", "subsidy"), ("financial instruments",
          "financial-instrument"))
_TYPE_WORDS = {"grant": "grants", "subsidy": "subsidies", "financial-instrument":
               "financial instruments (loans, guarantees, equity)", "other": "other forms"}
_BANDS = (("< 50.000", "under-50k"), ("50.000 - 100.000", "50k-100k"),
          ("100.001 € - 1M", "100k-1m"), ("1M € - 10M", "1m-10m"), ("> 10M", "over-10m"))
_BAND_WORDS = {"under-50k": "under 50,000 €", "50k-100k": "50,000-100,000 €",
               "100k-1m": "100,000 € to 1 million €", "1m-10m": "1-10 million €",
               "over-10m": "over 10 million €"}
_APPLICANT_WORDS = {"municipality": "local authorities", "social-institution":
                    "social, cultural and educational institutions", "company":
                    "companies and associations", "ngo": "NGOs"}
_PHASE_WORDS = {"awareness": "getting started", "risk-analysis": "risk and vulnerability "
                "assessment", "goal-setting": "identifying options", "planning": "assessing "
                "options", "implementation": "implementation", "monitoring-evaluation":
                "monitoring and evaluation"}
_NATIONAL_LANGUAGE = {"Germany": "de", "Austria": "de", "Spain": "es", "France": "fr",
                      "Italy": "it", "Netherlands": "nl", "Belgium": "nl", "Poland": "pl"}
_URL = re.compile(r"https?://[^\s\"'<>,;]+")
_PERCENT = re.compile(r"(\d{1,3})(?:[.,]\d+)?\s*%")
_URL_CHECK = TypeAdapter(HttpUrl)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_MAX_FACT = 90  # a stated fact (rate, authority) longer than this is cut: it is prose


@dataclass(frozen=True)
class RowProblem:
    row: int  # the spreadsheet row, as an editor sees it (the column names are row 3)
    reason: str


def is_climate_adapt(text: str) -> bool:
    """Whether a CSV is this export: its third row holds the programme-name column."""
    rows = list(csv.reader(io.StringIO(text[:20_000])))
    return len(rows) >= _HEADER_ROWS and NAME_COLUMN in (c.strip() for c in rows[2])


def read_climate_adapt(path: Path, text: str) -> tuple[list[Tool], list[RowProblem]]:
    """Tools for the rows that map, and a problem for each row that does not."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise FileProblem(path, f"invalid CSV: {err}") from None
    if len(rows) <= _HEADER_ROWS:
        raise FileProblem(path, "a Climate-ADAPT export with column names but no programmes")
    if NAME_COLUMN not in (" ".join(c.split()) for c in rows[_HEADER_ROWS - 1]):
        raise FileProblem(path, f"row {_HEADER_ROWS} must name the columns ({NAME_COLUMN!r}, ...)")
    columns = _Columns(rows[_HEADER_ROWS - 1])
    checked = datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
    tools: list[Tool] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows[_HEADER_ROWS:], start=_HEADER_ROWS + 1):
        if not any(c.strip() for c in cells):
            continue
        try:
            tool = _tool(columns.row(cells), number, path.name, checked)
        except ValueError as err:  # the row cannot become a tool; the message says why
            problems.append(RowProblem(number, str(err)))
            continue
        if tool.id in seen:
            problems.append(RowProblem(number, f"id {tool.id!r} already made from row "
                                               f"{seen[tool.id]} (same worksheet name)"))
            continue
        seen[tool.id] = number
        tools.append(tool)
    return tools, problems


class _Columns:
    """Column names -> positions; the export repeats some names, the first one counts."""

    def __init__(self, header: list[str]) -> None:
        self.names = [" ".join(h.split()) for h in header]

    def row(self, cells: list[str]) -> _Row:
        values: dict[str, str] = {}
        repeated: dict[str, list[str]] = {}
        for name, cell in zip(self.names, cells, strict=False):
            value = cell.strip()
            value = "" if value in ("0", "NOT SPECIFIED") else value
            values.setdefault(name, value)
            repeated.setdefault(name, []).append(value)
        return _Row(values, repeated)


@dataclass(frozen=True)
class _Row:
    values: dict[str, str]
    repeated: dict[str, list[str]]

    def get(self, prefix: str) -> str:
        """The first column whose name starts with `prefix` (names are long questions)."""
        return next((v for k, v in self.values.items() if k.startswith(prefix)), "")

    def yes(self, prefix: str) -> bool:
        return self.get(prefix).upper().startswith("YES")

    def urls(self) -> list[str]:
        found = [u.rstrip(".)") for v in self.values.values() for u in _URL.findall(v)]
        found += [u.rstrip(".)") for vs in self.repeated.values() for v in vs[1:]
                  for u in _URL.findall(v)]
        return list(dict.fromkeys(found))


def _tool(row: _Row, number: int, file_name: str, checked: str) -> Tool:
    name = " ".join(row.get(NAME_COLUMN).split())
    if not name:
        raise ValueError("no programme name")
    worksheet = row.get("Worksheet") or name
    phases = [p for step, p in _STEP_PHASES.items() if row.yes(step)]
    if not phases:
        raise ValueError("no adaptation-support-tool step (AST 1-6) marked YES")
    applicants = [a for column, a in _APPLICANTS.items() if row.yes(column)]
    if not applicants:
        raise ValueError("no eligible applicant group marked YES")
    main_link = _URL.search(row.get("Provide a link to general information"))
    links = row.urls()
    if not main_link and not links:
        raise ValueError("no link to the programme (a card must send the reader somewhere)")
    url = main_link.group(0).rstrip(".)") if main_link else links[0]
    countries = _countries(row.get("For which country"))
    if not countries:
        raise ValueError("no country given")
    sectors = [s for s in _SECTORS if row.yes(s)]
    hazards = ["general", *dict.fromkeys(h for s in sectors for h in _SECTOR_HAZARDS.get(s, ()))]
    # "Other" names a sector column and then a funding-type column: the second is the type
    other = any(v.upper().startswith("YES") for v in row.repeated.get("Other", [])[1:2])
    types = [t for prefix, t in _TYPES if row.yes(prefix)] + (["other"] if other else [])
    types = types or ["other"]
    bands = [b for prefix, b in _BANDS if row.yes(prefix)]
    rate = _fact(row.get("How high is the funding rate"))
    language = _fact(row.get("Should the application be submited"))
    authority = _fact(row.get("Which authority administers")) or name
    consortium = {"YES": "required", "NO": "not-required"}.get(
        row.get("Is a Consortium required").upper(), "unspecified")
    try:
        return _validated(name, worksheet, url, links, number, file_name, checked, dict(
        applicants=applicants, countries=countries, funding_types=types, budget_bands=bands,
        rate=rate or None, max_rate_percent=_max_percent(rate), consortium=consortium,
        application_language=language or None, managing_authority=authority,
        links=[u for u in links if u != url and _valid_url(u)][:5],
        source=f"Climate-ADAPT (EEA) mission funding table, file {file_name}, row {number}",
        checked=f"{checked} (date of the export file)"), hazards, phases, sectors)
    except ValidationError as err:
        first = err.errors()[0]
        raise ValueError(f"field {'.'.join(str(p) for p in first['loc'])}: "
                         f"{str(first['msg']).removeprefix('Value error, ')}") from None


def _validated(name: str, worksheet: str, url: str, links: list[str], number: int,
               file_name: str, checked: str, facts: dict[str, object], hazards: list[str],
               phases: list[str], sectors: list[str]) -> Tool:
    funding = Funding.model_validate(facts)
    countries, applicants = funding.countries, funding.applicants
    language = funding.application_language or ""
    data = {
        "id": "ca-" + _slug(worksheet),
        "name": name, "provider": funding.managing_authority, "url": url,
        "kind": "funding-programme",
        "hazards": hazards, "phases": phases, "scale": _scales(countries, applicants),
        "languages": _languages(language, countries), "cost": "free",
        "description": _description(name, funding, phases, sectors),
        "example_use": f"Staff check whether a {_PHASE_WORDS[phases[-1]]} project fits "
                       f"{name} before the next call, following the link for open calls.",
        "source_note": f"Facts from the Climate-ADAPT (EEA) mission funding table "
                       f"({file_name}, row {number}); description written from those facts.",
        "funding": funding,
    }
    return Tool.model_validate(data)


def _valid_url(text: str) -> bool:
    try:
        _URL_CHECK.validate_python(text)
    except ValidationError:
        return False
    return True


def _slug(text: str) -> str:
    """A tool id part: umlauts spelled out (ü -> ue), other accents dropped, hyphens."""
    text = text.lower().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "programme"


def _countries(cell: str) -> list[str]:
    names = [" ".join(c.split()) for c in re.split(r"[,;\n]| and ", cell) if c.strip()]
    return [n for n in dict.fromkeys(names) if n and n != "0"]


def _fact(cell: str) -> str:
    """A short stated fact on one line; a long answer is cut, it is prose, not a fact."""
    text = " ".join(cell.split())
    return text if len(text) <= _MAX_FACT else text[:_MAX_FACT - 3].rsplit(" ", 1)[0] + "..."


def _max_percent(rate: str) -> int | None:
    found = [int(p) for p in _PERCENT.findall(rate) if int(p) <= 100]
    return max(found) if found else None


def _scales(countries: list[str], applicants: list[str]) -> list[str]:
    wide = len(countries) > 1 or any(c.startswith("EU") for c in countries)
    return [*(["city"] if "municipality" in applicants else []), "region",
            "eu" if wide else "national"]


def _languages(language: str, countries: list[str]) -> list[str]:
    codes = ["en"] if "engl" in language.lower() or "either" in language.lower() else []
    if len(countries) == 1 and countries[0] in _NATIONAL_LANGUAGE:
        codes.append(_NATIONAL_LANGUAGE[countries[0]])
    return list(dict.fromkeys(codes)) or ["en"]  # the table itself is in English


def _description(name: str, funding: Funding, phases: list[str], sectors: list[str]) -> str:
    where = ", ".join(funding.countries[:6]) + (" and others" if len(funding.countries) > 6
                                                else "")
    parts = [f"{name} is a funding programme for {where}.",
             f"It can pay for {', '.join(_PHASE_WORDS[p] for p in phases)}.",
             "Who may apply: " + ", ".join(_APPLICANT_WORDS[a] for a in funding.applicants) + "."]
    if sectors:
        parts.append(f"Sectors: {', '.join(s.lower() for s in sectors)}.")
    kinds = ", ".join(_TYPE_WORDS[t] for t in funding.funding_types)
    parts.append(f"Support comes as {kinds}.")
    if funding.budget_bands:
        parts.append("Typical project budgets: "
                     + "; ".join(_BAND_WORDS[b] for b in funding.budget_bands) + ".")
    if funding.max_rate_percent is not None:
        parts.append(f"It covers up to {funding.max_rate_percent} % of the costs.")
    if funding.consortium == "required":
        parts.append("Applicants must form a consortium.")
    parts.append(f"Managing authority: {funding.managing_authority}")
    return " ".join(parts)
