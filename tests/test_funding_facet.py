"""The funding facet: filters over the shipped programmes, in ranking, the CLI, its JSON, the
card and the app's Funding accordion; and the shipped programmes' facts and provenance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answer.funding_card import funding_html
from assistant.query.filters import Filters
from assistant.query.funding_filter import FundingFilter
from ingest.core.errors import ToolboxError
from ingest.core.records import LAENDER
from ingest.parse.dispatch import parse_tools

from .app_server import load_app
from .conftest import copy_tools

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PROGRAMMES = {t.id: t for path in sorted((CORPUS / "tools").glob("*.yaml"))
              for t in parse_tools(path) if t.kind == "funding-programme"}


def test_at_least_30_programmes_with_facts_and_provenance() -> None:
    assert len(PROGRAMMES) >= 30
    for tool in PROGRAMMES.values():
        assert tool.funding is not None, f"{tool.id} has no funding facts"
        assert tool.url and tool.funding.managing_authority
        assert tool.funding.source.startswith(("https://", "Climate-ADAPT")), tool.id
        assert tool.funding.checked[:4] == "2026", tool.id  # a date the facts were checked
    levels = [t.funding.countries for t in PROGRAMMES.values() if t.funding]
    assert sum("EU-27" in c for c in levels) >= 5
    assert sum(c == ["Germany"] for c in levels) >= 15
    lands = {land for t in PROGRAMMES.values() if t.funding for land in t.funding.lands}
    assert len(lands - {"Baden-Württemberg", "Bayern", "Berlin", "Brandenburg",
                        "Mecklenburg-Vorpommern", "Sachsen-Anhalt"}) >= 5  # beyond Interreg CE
    for tool_id in ("das-foerderprogramm-klimaanpassung", "bundesprogramm-anpassung-urbaner-raeume",
                    "efre-nrw-klimaresilienz", "eu-life-programme", "anpaso-soziale-einrichtungen",
                    "staedtebaufoerderung", "kfw-umweltprogramm",
                    "bundesprogramm-biologische-vielfalt", "eib-elena"):
        assert tool_id in PROGRAMMES


def test_funding_filter_matches_facts() -> None:
    sachsen = FundingFilter.of(lands=["sachsen"], applicants=["municipality"])
    passed = {t for t, tool in PROGRAMMES.items() if sachsen.accepts(tool)}
    assert {"sachsen-rl-gewaesser-hochwasserschutz", "staedtebaufoerderung", "eu-life-programme",
            "interreg-central-europe"} <= passed  # the Land's, federal, EU-wide, its Interreg
    assert not passed & {"efre-nrw-klimaresilienz", "klimopass-bw", "berlin-gruendachplus",
                         "kfw-umweltprogramm"}  # other Länder; companies only
    loans = FundingFilter.of(funding_types=["financial-instrument"], min_rate=100)
    assert {t for t, tool in PROGRAMMES.items() if loans.accepts(tool)} == {
        "kfw-umweltprogramm", "kfw-ikk-208-investitionskredit-kommunen"}
    big = FundingFilter.of(budget_bands=["over-10m"], countries=["Deutschland"])
    assert "eib-loans-climate-resilience" in {t for t, tool in PROGRAMMES.items()
                                              if big.accepts(tool)}
    assert FundingFilter.of(lands=["Thueringen"]).lands == ("Thüringen",)
    assert not FundingFilter.of(applicants=["ngo"]).accepts(
        parse_tools(CORPUS / "tools" / "efas.yaml")[0])  # no funding facts: not a programme


def test_funding_filter_refuses_unknown_values() -> None:
    with pytest.raises(ToolboxError, match="unknown Land 'Saxony'; choose from Baden"):
        FundingFilter.of(lands=["Saxony"])
    with pytest.raises(ToolboxError, match="unknown applicant 'citizen'"):
        FundingFilter.of(applicants=["citizen"])
    with pytest.raises(ToolboxError, match="0-100"):
        FundingFilter.of(min_rate=120)


def test_ranking_keeps_only_matching_programmes(shipped_assistant) -> None:
    funding = FundingFilter.of(applicants=["municipality"], lands=["Sachsen"])
    answer = shipped_assistant.ask("Entsiegelung von Schulhöfen", Filters.of(funding=funding),
                                   top_k=10)
    assert answer.tools, "no programme found"
    for ranked in answer.tools:
        assert ranked.tool.kind == "funding-programme" and funding.accepts(ranked.tool)
    plain = shipped_assistant.ask("Entsiegelung von Schulhöfen", top_k=10)
    assert any(r.tool.kind != "funding-programme" for r in plain.tools)


def test_min_rate_keeps_programmes_that_state_no_rate_after_those_known_to_meet_it(
        shipped_assistant) -> None:
    funding = FundingFilter.of(min_rate=80)
    unknown = {t for t, tool in PROGRAMMES.items() if tool.funding.max_rate_percent is None}
    known = {t for t, tool in PROGRAMMES.items()
             if (tool.funding.max_rate_percent or 0) >= 80}
    assert len(unknown) >= 5 and len(known) >= 5
    answer = shipped_assistant.ask("Förderung für Klimaanpassung", Filters.of(funding=funding),
                                   top_k=40)
    ids = [r.tool.id for r in answer.tools]
    assert set(ids) == known | unknown  # a rate below 80 % is out, an unstated one is not
    assert ids[:len(known)] == [i for i in ids if i in known]  # known ones first, in rank order
    few = shipped_assistant.ask("Förderung für Klimaanpassung", Filters.of(funding=funding),
                                top_k=3)
    assert [r.tool.id for r in few.tools] == ids[:3]  # the unstated ones take no known one's place
    card = funding_html(PROGRAMMES["thueringen-klima-invest"], "en")
    assert "Funding rate:</b> not stated, check the link" in card
    worded = funding_html(PROGRAMMES["hamburg-gruendachfoerderung"], "de")
    assert ("Förderquote:</b> a grant per square metre of green roof (keine Quote in Prozent "
            "angegeben, bitte Link prüfen)") in worded


def test_card_shows_facts_authority_link_and_no_deadline() -> None:
    kipki = PROGRAMMES["rlp-kipki"]
    german = funding_html(kipki, "de")
    assert "Stand unbekannt, bitte Link prüfen" in german
    assert 'href="https://kipki.rlp.de/"' in german
    assert "Antragsberechtigt:</b> Kommunen" in german and "Rheinland-Pfalz" in german
    assert "Fördermittelgeber:</b> Rhineland-Palatinate Ministry" in german
    assert "Förderquote:</b> 100 % (allocation per municipality)" in german
    english = funding_html(PROGRAMMES["eu-life-programme"], "en")
    assert "Status unknown, check the link" in english and "Who may apply" in english
    assert "Consortium:</b> required" in english and "row 15" in english
    assert "deadline" not in english.lower() and "frist" not in german.lower()
    assert funding_html(parse_tools(CORPUS / "tools" / "efas.yaml")[0], "en") == ""


def test_cli_filters_and_json(tmp_path: Path, cli_here) -> None:
    run = cli_here  # the commands in this process: the filters are what is tested
    kb = copy_tools(tmp_path / "kb", [
        "staedtebaufoerderung", "sachsen-rl-gewaesser-hochwasserschutz", "klimopass-bw",
        "kfw-umweltprogramm", "efas", "bundesprogramm-anpassung-urbaner-raeume"])
    assert run(["ingest", str(kb)], tmp_path / "data").returncode == 0
    ask = run(["ask", "Förderung Hochwasserschutz und Entsiegelung", "--json", "--who",
               "municipality", "--land", "Sachsen", "--min-rate", "50"], tmp_path / "data")
    assert ask.returncode == 0, ask.stderr
    result = json.loads(ask.stdout)
    assert result["filters"]["funding"] == {"who": ["municipality"], "country": [],
                                            "land": ["Sachsen"], "funding_type": [],
                                            "budget": [], "min_rate": 50}
    # the only one known to pay 50 %+ first, then the ones that state no rate, marked
    ids = [t["id"] for t in result["tools"]]
    assert ids[0] == "staedtebaufoerderung", ids
    assert set(ids[1:]) == {"sachsen-rl-gewaesser-hochwasserschutz",
                            "bundesprogramm-anpassung-urbaner-raeume"}
    funding = result["tools"][0]["funding"]
    assert funding["status"] == "Status unknown, check the link"
    assert funding["max_rate_percent"] == 90 and funding["applicants"] == ["municipality"]
    assert funding["rate_note"] is None
    assert [t["funding"]["rate_note"] for t in result["tools"][1:]] == [
        "rate not stated, check the link"] * 2
    rated = run(["ask", "Förderung Hochwasserschutz", "--land", "Sachsen", "--min-rate", "50"],
                tmp_path / "data")
    assert rated.returncode == 0, rated.stderr
    assert "Förderquote: nicht angegeben, bitte Link prüfen" in rated.stdout
    assert rated.stdout.index("Städtebauförderung") < rated.stdout.index("nicht angegeben")
    text = run(["ask", "Hochwasserschutz", "--land", "Sachsen", "--funding-type", "grant"],
               tmp_path / "data")
    assert text.returncode == 0, text.stderr
    assert "Stand unbekannt, bitte Link prüfen: https://www.smekul.sachsen.de/" in text.stdout
    assert "klimopass" not in text.stdout.lower() and "efas" not in text.stdout.lower()
    bad = run(["ask", "x", "--land", "Saxony"], tmp_path / "data")
    assert bad.returncode == 1 and "unknown Land 'Saxony'" in bad.stderr


def test_app_funding_accordion_feeds_the_filters(shipped_assistant) -> None:
    blocks = load_app("toolbox_app_funding").build_app(shipped_assistant)
    labels = {getattr(b, "elem_id", None): b for b in blocks.blocks.values()}
    assert {"funding", "funding-applicants", "funding-lands", "funding-funding_types",
            "funding-budget_bands", "funding-min_rate"} <= set(labels)
    assert [c[1] for c in labels["funding-lands"].choices] == list(LAENDER)
    values = [[]] * 6 + [["municipality"], ["Hessen"], [], [], None]
    reply = blocks.respond("Förderung für Trinkbrunnen und Schatten", [], {}, None, *values)
    cards = reply[1]
    assert 'data-tool="hessen-klimarichtlinie"' in cards
    assert "Stand unbekannt, bitte Link prüfen" in cards
    shown = [part.split('"')[0] for part in cards.split('data-tool="')[1:]]
    asked = FundingFilter.of(applicants=["municipality"], lands=["Hessen"])
    assert shown and all(t in PROGRAMMES and asked.accepts(PROGRAMMES[t]) for t in shown)


@pytest.mark.parametrize("question", ["Städtebauförderung für Grünflächen", "Zuschüsse für Bäume",
                                      "EU money for a heat action plan", "Interreg Projekt",
                                      "Who pays for unsealing a school yard?"])
def test_money_questions_lean_to_funding_programmes(question: str) -> None:
    from assistant.query.intent import infer

    assert "funding-programme" in infer(question).facets.kinds


def test_programmes_do_not_crowd_out_tools_for_how_questions(shipped_assistant) -> None:
    how = shipped_assistant.ask("a music festival is planned next to the forest during a dry "
                                "spell, is it safe?", top_k=3)
    kinds = [r.tool.kind for r in how.tools]
    assert kinds[0] != "funding-programme" and kinds.count("funding-programme") <= 1, \
        [r.tool.id for r in how.tools]
    money = shipped_assistant.ask("Förderung für klimaangepasstes Waldmanagement", top_k=3)
    assert money.tools[0].tool.kind == "funding-programme"


@pytest.mark.parametrize(("text", "lands"), [
    ("Förderung für Entsiegelung von Schulhöfen in Sachsen", ("Sachsen",)),
    ("Programme in Niedersachsen und Sachsen-Anhalt", ("Niedersachsen", "Sachsen-Anhalt")),
    ("grants for a town in Lower Saxony", ("Niedersachsen",)),
    ("a Saxony-Anhalt district", ("Sachsen-Anhalt",)),
    ("sächsische Kommunen und ein bayerischer Landkreis", ("Bayern", "Sachsen")),
    ("Starkregen in NRW", ("Nordrhein-Westfalen",)),
    ("Hitzeaktionsplan für eine Stadt", ()),
    ("Sachsenhausen liegt in Brandenburg", ("Brandenburg",)),
])
def test_lands_named_in_a_question(text: str, lands: tuple[str, ...]) -> None:
    from assistant.query.places import lands_in

    assert lands_in(text) == lands


def test_a_named_land_puts_other_laender_programmes_last(shipped_assistant) -> None:
    answer = shipped_assistant.ask("Förderung für Entsiegelung von Schulhöfen in Sachsen",
                                   top_k=8)
    programmes = [r.tool for r in answer.tools if r.tool.kind == "funding-programme"]
    assert programmes, [r.tool.id for r in answer.tools]
    elsewhere = [t.id for t in programmes
                 if t.funding and t.funding.lands and "Sachsen" not in t.funding.lands]
    assert not elsewhere, [r.tool.id for r in answer.tools]

