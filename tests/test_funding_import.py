"""The Climate-ADAPT funding export as an editor hands it over: the real shared file, and small
exports the tests write in the same shape (two header rows, YES/NO matrices, multi-line cells)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from assistant.service import Assistant
from ingest.parse.dispatch import parse_tool_file, parse_tools

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside a clone (CI), or beside the folder of worktrees (a developer's checkout)
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared")
               if (p / "catalogues").is_dir()), ROOT.parent / "shared")
EXPORT = SHARED / "catalogues" / "climate-adapt-mission-funding.csv"
needs_export = pytest.mark.skipif(not EXPORT.exists(),
                                  reason=f"shared Climate-ADAPT export not found at {EXPORT}")

YES_NO = {
    "AST": ["AST 1: Preparing the ground for adaptation",
            "AST 2: Assessing risks and vulnerability to climate change",
            "AST 3: Identifying adaptation options", "AST 4: Assessing adaptation options",
            "AST 5: Implementation", "AST 6: Monitoring & Evaluation (M&E)"],
    "who": ["Local authorities and administrative bodies",
            "Social, cultural and educational institutions",
            "Companies, SMEs and private associations", "NGOs"],
    "sector": ["Agriculture ", "Buildings", "Disaster Risk Reduction", "Forestry", "Health",
               "Transport", "Water management", "Energy", "Tourism", "Biodiversity ",
               "Coastal Areas", "Marine and Fisheries", "Other"],
    "type": ["Grants", "Subsidies (or Prices)", "financial instruments & budgetary guarantees "
             "(e.g. loan, debt, guaranty and equity investment)", "Other "],
    "budget": [" < 50.000 €", "50.000 - 100.000 €", "100.001 € - 1M €", "1M € - 10M €",
               "> 10M €"],
}
COLUMNS = ["Worksheet", "Link", "Name of the funding programme",
           "Provide a link to general information on the funding programme:",
           "For which country is this funding opportunity offered?",
           "For which regions is the funding opportunity offered?",
           *YES_NO["AST"], *YES_NO["who"], *YES_NO["sector"], *YES_NO["type"],
           "…if other please specify", *YES_NO["budget"],
           "How high is the funding rate? (percentage of covered costs)",
           "Is a Consortium required to apply for the funding?",
           "Should the application be submited in English or in national language?", "",
           "Summarise the objective of the programme (headline format max 300c including "
           "spaces)",
           "\nWhich authority administers the funding programme?\n",
           "Please provide a link to additional useful information"]
OBJECTIVE = ("This very sentence is the export's own prose and must never reach a tool "
             "description,\nwhatever the importer does with the rest of the row.")


def programme(worksheet: str, name: str, url: str = "https://example.org/p", *,
              steps: str = "NNNNYN", who: str = "YNNN", sectors: str = "NNNNYNYNNNNNN",
              types: str = "YNNN", budget: str = "NNYYN", rate: str = "up to 80 %",
              country: str = "Germany") -> dict[str, str]:
    row = {"Worksheet": worksheet, "Link": f"Go To {worksheet}",
           "Name of the funding programme": name,
           "Provide a link to general information on the funding programme:": url,
           "For which country is this funding opportunity offered?": country,
           "For which regions is the funding opportunity offered?": "All regions",
           "How high is the funding rate? (percentage of covered costs)": rate,
           "Is a Consortium required to apply for the funding?": "NO",
           "Should the application be submited in English or in national language?":
               "national language",
           "Summarise the objective of the programme (headline format max 300c including "
           "spaces)": OBJECTIVE,
           "\nWhich authority administers the funding programme?\n": "Test Ministry",
           "Please provide a link to additional useful information": "0"}
    for group, flags in (("AST", steps), ("who", who), ("sector", sectors), ("type", types),
                         ("budget", budget)):
        row.update({c: "YES" if f == "Y" else "NO" for c, f in zip(YES_NO[group], flags,
                                                                  strict=True)})
    return row


def write_export(path: Path, rows: list[dict[str, str]]) -> Path:
    """An export in the real shape: a blank row and a group-title row above the names."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([""] * len(COLUMNS))
    writer.writerow(["For which step of the AST can the funding be used?" if c == COLUMNS[6]
                     else "" for c in COLUMNS])
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "0") for c in COLUMNS])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue(), "utf-8")
    return path


def test_a_written_export_maps_rows_to_funding_tools(tmp_path: Path) -> None:
    path = write_export(tmp_path / "funding.csv", [
        programme("DE Stadtgrün", "Stadtgrün-Förderung", steps="NNNYYN", who="YYNN"),
        programme("EU Blue", "Blue Coast Fund", country="EU-27", sectors="NNNNNNNNNNYNN",
                  types="NNYN", budget="NNNNY", rate="Mainly 100%"),
    ])
    parsed = parse_tool_file(path)
    assert parsed.row_problems == ()
    green, blue = parsed.tools
    assert (green.id, green.kind) == ("ca-de-stadtgruen", "funding-programme")
    assert green.phases == ["planning", "implementation"]  # AST 4 and 5
    assert set(green.hazards) == {"general", "heat", "heavy-rain", "river-flooding", "drought"}
    funding = green.funding
    assert funding is not None
    assert funding.applicants == ["municipality", "social-institution"]
    assert funding.budget_bands == ["100k-1m", "1m-10m"] and funding.max_rate_percent == 80
    assert funding.consortium == "not-required" and funding.managing_authority == "Test Ministry"
    assert funding.source.endswith("funding.csv, row 4") and green.languages == ["de"]
    assert "up to 80 % of the costs" in green.description
    assert blue.hazards == ["general", "coastal-flooding"] and "eu" in blue.scale
    assert blue.funding and blue.funding.funding_types == ["financial-instrument"]
    assert blue.funding.budget_bands == ["over-10m"] and blue.funding.max_rate_percent == 100
    for tool in parsed.tools:  # the export's prose stays out: facts only
        assert "own prose" not in tool.description and "own prose" not in tool.example_use


def test_rows_that_cannot_be_mapped_fail_one_by_one(settings, embedder, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    write_export(folder / "funding.csv", [
        programme("DE One", "Programme One"),
        programme("DE Nameless", ""),
        programme("DE No link", "Programme Three", url="ask the ministry"),
        programme("DE No step", "Programme Four", steps="NNNNNN"),
        programme("DE One", "Programme One again"),
        programme("DE Five", "Programme Five"),
        programme("DE Six", "Programme Six", url="https://[broken"),
    ])
    report = Assistant(settings, embedder=embedder).ingest([folder])
    assert [(r.status, r.chunks) for r in report.results if r.status != "failed"] == \
        [("indexed", 2)]
    assert [r.detail for r in report.failed] == [
        "row 5: no programme name",
        "row 6: no link to the programme (a card must send the reader somewhere)",
        "row 7: no adaptation-support-tool step (AST 1-6) marked YES",
        "row 8: id 'ca-de-one' already made from row 4 (same worksheet name)",
        "row 10: field url: Input should be a valid URL, invalid IPv6 address",
    ]
    assert all(r.path == str(folder / "funding.csv") for r in report.failed)
    lines = [line for failed, line in report.lines() if failed]
    assert lines[0] == f"failed: {folder / 'funding.csv'}: row 5: no programme name"


def test_a_changed_export_updates_and_removes_programmes(settings, embedder,
                                                         tmp_path: Path) -> None:
    path = write_export(tmp_path / "kb" / "funding.csv", [
        programme("DE One", "Programme One", rate="up to 50 %"),
        programme("DE Two", "Programme Two"),
        programme("DE Three", "Programme Three"),
    ])
    assistant = Assistant(settings, embedder=embedder)
    assert assistant.ingest([path]).count("indexed") == 1
    assert assistant.ingest([path]).count("unchanged") == 1
    write_export(path, [programme("DE One", "Programme One", rate="up to 90 %"),
                        programme("DE Three", "Programme Three")])
    report = assistant.ingest([path])
    assert report.count("updated") == 1 and not report.failed
    tools = {c.doc_id: c for c in assistant.store.chunks() if c.kind == "tool"}
    assert set(tools) == {"ca-de-one", "ca-de-three"}
    assert "up to 90 % of the costs" in tools["ca-de-one"].text
    records = {r.doc_id: r for r in assistant.store.manifest().values()}
    assert "ca-de-two" not in records


def test_an_export_without_any_mappable_row_fails_as_a_file(tmp_path: Path) -> None:
    from ingest.core.errors import FileProblem

    path = write_export(tmp_path / "funding.csv", [programme("DE X", "")])
    with pytest.raises(FileProblem, match="row 4: no programme name"):
        parse_tool_file(path)


def test_our_own_tool_csv_is_not_taken_for_the_export(tmp_path: Path) -> None:
    path = tmp_path / "tools.csv"
    path.write_text("id,name,provider,url,kind,hazards,phases,scale,languages,cost,description,"
                    "example_use,source_note\nmy-tool,My tool,,,guide,heat,planning,city,en,free,"
                    "A guide.,Use it.,written for the test\n", "utf-8")
    (tool,) = parse_tools(path)
    assert tool.id == "my-tool" and tool.funding is None


@needs_export
def test_the_real_export_maps_all_but_its_unmappable_rows() -> None:
    parsed = parse_tool_file(EXPORT)
    assert len(parsed.tools) == 189
    assert parsed.row_problems == (
        "row 185: no link to the programme (a card must send the reader somewhere)",
        "row 194: id 'ca-ro-recovery-resilience-plan' already made from row 189 "
        "(same worksheet name)")
    by_id = {t.id: t for t in parsed.tools}
    life = by_id["ca-eu-life"]
    assert life.funding and life.funding.countries == ["EU-27"]
    assert str(life.url) == "https://cinea.ec.europa.eu/programmes/life_en"
    anpaso = by_id["ca-de-soziale-einrichtungen"]
    assert anpaso.funding and anpaso.funding.max_rate_percent == 90 and "de" in anpaso.languages
    assert all(t.kind == "funding-programme" and t.phases for t in parsed.tools)


@needs_export
def test_descriptions_of_the_real_export_do_not_copy_its_prose() -> None:
    rows = list(csv.reader(EXPORT.open(encoding="utf-8", newline="")))
    header = [" ".join(h.split()) for h in rows[2]]
    objective = next(i for i, h in enumerate(header) if h.startswith("Summarise the objective"))
    descriptions = " ".join(t.description + t.example_use for t in parse_tools(EXPORT))
    checked = 0
    for cells in rows[3:]:
        prose = " ".join(cells[objective].split())
        for start in range(0, max(len(prose) - 40, 0), 20):
            window = prose[start:start + 40]
            # names (of programmes, authorities) are facts and may repeat; prose is lower case
            if sum(w[:1].islower() for w in window.split()[1:-1]) >= 4:
                assert window not in descriptions, window
                checked += 1
    assert checked > 300
