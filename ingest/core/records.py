"""The frozen records passed between stages, and the closed vocabularies they are checked on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = ["HAZARDS", "PHASES", "SCALES", "KINDS", "COSTS", "LANGUAGES", "VOCABULARIES",
           "ChunkKind", "Experience", "Tool", "Page", "Document", "Chunk", "Hit", "Retrieval",
           "APPLICANTS", "FUNDING_TYPES", "BUDGET_BANDS", "LAENDER", "Funding"]

HAZARDS = ("heat", "heavy-rain", "river-flooding", "coastal-flooding", "drought", "storm",
           "wildfire", "general")
PHASES = ("awareness", "risk-analysis", "goal-setting", "planning", "implementation",
          "monitoring-evaluation", "participation")
SCALES = ("building", "neighbourhood", "city", "region", "national", "eu")
KINDS = ("guide", "data-portal", "network", "assessment-method", "software",
         "case-study-collection", "checklist", "training", "participation-method", "standard",
         "map-service", "funding-programme", "simulation-model")
COSTS = ("free", "paid", "mixed")
LANGUAGES = ("de", "en", "es", "fr", "ar", "zh", "ru", "it", "nl", "pl")
# The funding facet (Funding below): who may apply, what is paid out, the budget per project.
APPLICANTS = ("municipality", "social-institution", "company", "ngo")
FUNDING_TYPES = ("grant", "subsidy", "financial-instrument", "other")
BUDGET_BANDS = ("under-50k", "50k-100k", "100k-1m", "1m-10m", "over-10m")
LAENDER = ("Baden-Württemberg", "Bayern", "Berlin", "Brandenburg", "Bremen", "Hamburg", "Hessen",
           "Mecklenburg-Vorpommern", "Niedersachsen", "Nordrhein-Westfalen", "Rheinland-Pfalz",
           "Saarland", "Sachsen", "Sachsen-Anhalt", "Schleswig-Holstein", "Thüringen")

VOCABULARIES: dict[str, tuple[str, ...]] = {
    "hazards": HAZARDS, "phases": PHASES, "scale": SCALES, "kind": KINDS, "cost": COSTS,
    "languages": LANGUAGES, "applicants": APPLICANTS, "funding_types": FUNDING_TYPES,
    "budget_bands": BUDGET_BANDS, "lands": LAENDER,
}

ChunkKind = Literal["tool", "passage"]


def _check_vocabulary(name: str, values: list[str]) -> list[str]:
    allowed = VOCABULARIES[name]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {name} value {unknown[0]!r}; allowed: {', '.join(allowed)}")
    if not values:
        raise ValueError(f"{name} must name at least one value")
    return values


class Experience(BaseModel):
    """What a named city did with a tool, and where that is documented."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    city: str = Field(min_length=1)
    what: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Funding(BaseModel):
    """What a funding programme pays for and to whom, and where and when that was checked.

    `countries` names countries ("Germany") or "EU-27"; `lands` the German Länder it is limited
    to (empty: all). `max_rate_percent` is the highest share of costs it covers, read from
    `rate` (the rate as stated). There is no deadline field on purpose: calls open and close,
    so a card sends the reader to the link instead of showing a date that may have passed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    applicants: list[str]
    countries: list[str] = Field(min_length=1)
    lands: list[str] = Field(default_factory=list)
    funding_types: list[str]
    budget_bands: list[str] = Field(default_factory=list)
    rate: str | None = None
    max_rate_percent: int | None = Field(default=None, ge=0, le=100)
    consortium: Literal["required", "not-required", "unspecified"] = "unspecified"
    application_language: str | None = None
    managing_authority: str = Field(min_length=1)
    links: list[HttpUrl] = Field(default_factory=list)
    source: str = Field(min_length=1)  # where the facts come from: a URL or an export file
    checked: str = Field(min_length=1)  # when (and how) they were checked, e.g. "2026-12-03"

    @field_validator("applicants", "funding_types")
    @classmethod
    def _in_vocabulary(cls, values: list[str], info: ValidationInfo) -> list[str]:
        return _check_vocabulary(str(info.field_name), values)

    @field_validator("budget_bands", "lands")
    @classmethod
    def _known_or_none(cls, values: list[str], info: ValidationInfo) -> list[str]:
        return _check_vocabulary(str(info.field_name), values) if values else values


class Tool(BaseModel):
    """One tool of the toolbox, validated against the closed vocabularies above."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
    name: str = Field(min_length=1)
    provider: str | None
    url: HttpUrl | None
    url_note: str | None = None  # why `url` is empty: no official page, or none known for sure
    kind: str
    hazards: list[str]
    phases: list[str]
    scale: list[str]
    languages: list[str]
    cost: str | None
    description: str = Field(min_length=1)
    example_use: str = Field(min_length=1)
    source_note: str = Field(min_length=1)
    experiences: list[Experience] = Field(default_factory=list)
    # Our own German name and description, for German-language tools shown to German readers.
    name_de: str | None = None
    description_de: str | None = None
    # Other names documents use for the tool, beyond those derived from `name` (mentions.py).
    aliases: list[str] = Field(default_factory=list)
    funding: Funding | None = None  # only for kind funding-programme

    @field_validator("hazards", "phases", "scale", "languages")
    @classmethod
    def _in_vocabulary(cls, values: list[str], info: ValidationInfo) -> list[str]:
        return _check_vocabulary(str(info.field_name), values)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        return _check_vocabulary("kind", [value])[0]

    @field_validator("cost")
    @classmethod
    def _known_cost(cls, value: str | None) -> str | None:
        return value if value is None else _check_vocabulary("cost", [value])[0]

    @model_validator(mode="after")
    def _funding_only_for_programmes(self) -> Tool:
        if self.funding is not None and self.kind != "funding-programme":
            raise ValueError(f"funding facts belong to kind funding-programme, not {self.kind}")
        return self


@dataclass(frozen=True)
class Page:
    number: int
    text: str
    headings: tuple[str, ...] = ()  # headings known to start on this page (from a PDF outline)
    label: str = ""  # the page number the page prints ("" = its number in the file)
    role: str = ""  # contents, figures, imprint, references, index: no reading matter


@dataclass(frozen=True)
class Document:
    """A parsed report or guide: its pages and the tags its author gave it.

    `pages` may be lazy (a PDF's are read one at a time as they are iterated). `supersedes` is
    the id of the document this one replaces (an earlier edition), or empty.
    """

    doc_id: str
    title: str
    path: str
    language: str
    pages: Sequence[Page]
    hazards: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    supersedes: str = ""
    publisher: str = ""
    year: str = ""


@dataclass(frozen=True)
class Chunk:
    """The unit that is embedded, indexed and cited.

    `tool_ids` are the tools the chunk is about: the tool itself for a tool chunk, the tools a
    passage mentions by name for a passage. `source_id` names the file-level unit the chunk
    was made from, so a changed or removed file takes exactly its chunks with it.
    """

    chunk_id: str
    kind: ChunkKind
    source_id: str
    doc_id: str
    title: str
    text: str
    page_start: int
    page_end: int
    section: str = ""
    language: str = ""
    hazards: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    scale: tuple[str, ...] = ()
    tool_kind: str = ""
    cost: str = ""
    tool_ids: tuple[str, ...] = ()
    superseded: bool = False  # a later edition replaces this passage's document
    page_label: str = ""  # the page number printed on page_start ("" = the same number)
    publisher: str = ""
    year: str = ""


@dataclass(frozen=True)
class Hit:
    """A chunk found for a query, with the fused score and the rank each signal gave it."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    signal_scores: dict[str, float] = field(default_factory=dict)  # each signal's own score


@dataclass(frozen=True)
class Retrieval:
    """What retrieval found: chunks best first, and tools best first per signal."""

    hits: list[Hit]
    tool_rankings: dict[str, list[str]] = field(default_factory=dict)
    language: str = "en"  # of the question; the fusion weights depend on it
    # the tool records of the snapshot these hits came from: ranking reads them from here, not
    # from a snapshot that an ingest may have replaced meanwhile
    tools: Mapping[str, Tool] = field(default_factory=dict)
    # The English model's best similarity over the whole index (any chunk), when its ranking ran
    # unfiltered: the abstention evidence (assistant/retrieval/abstain.py), without a second
    # k-NN query. None when filtered or not run.
    nearest_similarity: float | None = None
