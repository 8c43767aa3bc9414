"""The funding facet of the filters: who may apply, where, what is paid out, budget and rate.

It describes funding programmes only: set, it lets through tools of kind funding-programme
whose `funding` facts match, and passages (they are evidence, not programmes). A Land matches
a programme for all of Germany or for the EU, unless the programme names other Länder.

A programme that states no rate is not known to miss a minimum rate: it passes `min_rate` and
ranks after the programmes known to meet it (`rate_unknown`); its card says "rate not stated,
check the link". Dropping it would hide programmes that may well pay enough (9 of the 31
shipped ones state no rate) and a staff member would not know they exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ingest.core.errors import ToolboxError
from ingest.core.records import APPLICANTS, BUDGET_BANDS, FUNDING_TYPES, LAENDER, Tool

__all__ = ["EU_MEMBERS", "EU_WIDE", "RATE_STEPS", "CHIP_FIELDS", "FundingFilter",
           "covers_country", "covers_land"]

EU_MEMBERS = ("Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czechia", "Denmark",
              "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland", "Italy",
              "Latvia", "Lithuania", "Luxembourg", "Malta", "Netherlands", "Poland", "Portugal",
              "Romania", "Slovakia", "Slovenia", "Spain", "Sweden")
EU_WIDE = ("EU-27", "EU")
RATE_STEPS = (50, 60, 70, 80, 90, 100)  # the minimum-rate choices the app offers
# The facet's fields as chips (`field:value`, as the other filters' chips), in the card's order.
CHIP_FIELDS = ("applicants", "countries", "lands", "funding_types", "budget_bands", "min_rate")
_SPELLINGS = {"ae": "ä", "oe": "ö", "ue": "ü"}
_COUNTRY_NAMES = {"deutschland": "Germany", "de": "Germany", "österreich": "Austria",
                  "eu": "EU-27", "europe": "EU-27", "europa": "EU-27"}


@dataclass(frozen=True)
class FundingFilter:
    applicants: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    lands: tuple[str, ...] = ()
    funding_types: tuple[str, ...] = ()
    budget_bands: tuple[str, ...] = ()
    min_rate: int | None = None  # percent of the costs a programme covers at most

    @classmethod
    def of(cls, applicants: Iterable[str] | None = None, countries: Iterable[str] | None = None,
           lands: Iterable[str] | None = None, funding_types: Iterable[str] | None = None,
           budget_bands: Iterable[str] | None = None,
           min_rate: int | str | None = None) -> FundingFilter:
        """From user input; a value outside the vocabularies is refused, naming the choices."""
        return cls(applicants=_checked("applicant", applicants, APPLICANTS),
                   countries=tuple(dict.fromkeys(_country(c) for c in _items(countries))),
                   lands=tuple(dict.fromkeys(_land(v) for v in _items(lands))),
                   funding_types=_checked("funding type", funding_types, FUNDING_TYPES),
                   budget_bands=_checked("budget band", budget_bands, BUDGET_BANDS),
                   min_rate=_rate(min_rate))

    def __bool__(self) -> bool:
        return bool(self.applicants or self.countries or self.lands or self.funding_types
                    or self.budget_bands or self.min_rate is not None)

    def merged(self, other: FundingFilter) -> FundingFilter:
        def union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(a + b))

        rates = [r for r in (self.min_rate, other.min_rate) if r is not None]
        return FundingFilter(union(self.applicants, other.applicants),
                             union(self.countries, other.countries),
                             union(self.lands, other.lands),
                             union(self.funding_types, other.funding_types),
                             union(self.budget_bands, other.budget_bands),
                             max(rates) if rates else None)

    def accepts(self, tool: Tool) -> bool:
        if not self:
            return True
        funding = tool.funding
        if funding is None:
            return False
        rate = funding.max_rate_percent
        return (_overlap(self.applicants, funding.applicants)
                and _overlap(self.funding_types, funding.funding_types)
                and _overlap(self.budget_bands, funding.budget_bands)
                and all(covers_country(funding.countries, c) for c in self.countries)
                and all(covers_land(funding.countries, funding.lands, land)
                        for land in self.lands)
                and (self.min_rate is None or rate is None or rate >= self.min_rate))

    def rate_unknown(self, tool: Tool) -> bool:
        """Whether a minimum rate is asked and the programme states none (it ranks last)."""
        return (self.min_rate is not None and tool.funding is not None
                and tool.funding.max_rate_percent is None)

    def chips(self) -> list[str]:
        """The facet as chips, e.g. 'lands:Sachsen', 'min_rate:70'."""
        rate = [f"min_rate:{self.min_rate}"] if self.min_rate is not None else []
        return [f"{name}:{value}" for name in CHIP_FIELDS[:-1]
                for value in getattr(self, name)] + rate

    def without(self, chips: Iterable[str]) -> FundingFilter:
        """The facet with these chips' values removed (other chips are ignored)."""
        gone = set(chips)
        kept = {name: tuple(v for v in getattr(self, name) if f"{name}:{v}" not in gone)
                for name in CHIP_FIELDS[:-1]}
        rate = None if f"min_rate:{self.min_rate}" in gone else self.min_rate
        return FundingFilter(**kept, min_rate=rate)

    def with_chips(self, chips: Iterable[str]) -> FundingFilter:
        """The facet with these chips' values added back (other chips are ignored)."""
        values: dict[str, list[str]] = {name: [] for name in CHIP_FIELDS}
        for chip in chips:
            name, _, value = chip.partition(":")
            if name in values:
                values[name].append(value)
        rates = values.pop("min_rate")
        added = FundingFilter(**{name: tuple(v) for name, v in values.items()},
                              min_rate=int(rates[-1]) if rates else None)
        return self.merged(added)

    def as_json(self) -> dict[str, Any]:
        """The facet as `ask --json` echoes it (empty lists and null when not set)."""
        return {"who": list(self.applicants), "country": list(self.countries),
                "land": list(self.lands), "funding_type": list(self.funding_types),
                "budget": list(self.budget_bands), "min_rate": self.min_rate}


def covers_country(countries: Iterable[str], country: str) -> bool:
    named = {c.casefold() for c in countries}
    return (country.casefold() in named
            or (country in EU_MEMBERS and any(e.casefold() in named for e in EU_WIDE)))


def covers_land(countries: Iterable[str], lands: Iterable[str], land: str) -> bool:
    named = list(lands)
    return covers_country(countries, "Germany") and (not named or land in named)


def _overlap(wanted: tuple[str, ...], have: Iterable[str]) -> bool:
    return not wanted or bool(set(wanted) & set(have))


def _items(raw: Iterable[str] | str | None) -> list[str]:
    values = [raw] if isinstance(raw, str) else list(raw or ())
    return [str(v).strip() for v in values if str(v).strip()]


def _checked(label: str, raw: Iterable[str] | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    items = [v.lower() for v in _items(raw)]
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise ToolboxError(f"unknown {label} {unknown[0]!r}; choose from {', '.join(allowed)}")
    return tuple(dict.fromkeys(items))


def _land(value: str) -> str:
    """A Land by its German name, any case, umlauts also as ae/oe/ue."""
    folded = value.casefold()
    spelled = folded
    for ascii_form, umlaut in _SPELLINGS.items():
        spelled = spelled.replace(ascii_form, umlaut)
    for land in LAENDER:
        if land.casefold() in (folded, spelled):
            return land
    raise ToolboxError(f"unknown Land {value!r}; choose from {', '.join(LAENDER)}")


def _country(value: str) -> str:
    known = {c.casefold(): c for c in (*EU_MEMBERS, *EU_WIDE)}
    folded = value.casefold()
    return _COUNTRY_NAMES.get(folded) or known.get(folded) or value


def _rate(value: int | str | None) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        rate = int(str(value).strip().rstrip("%").strip())
    except ValueError:
        raise ToolboxError(f"the minimum funding rate must be a percentage, not {value!r}"
                           ) from None
    if not 0 <= rate <= 100:
        raise ToolboxError(f"the minimum funding rate must be 0-100 %, not {rate}")
    return rate
