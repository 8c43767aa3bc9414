"""The Ask tab's chat over a small real knowledge base: German, follow-ups, chips, export, the
PDF route, and the Browse tab's handlers."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ingest.core.settings import Settings

from .app_server import free_port, load_app, small_corpus

pytestmark = pytest.mark.integration

NO_FILTERS: list[list[str]] = [[], [], [], [], [], []]


@pytest.fixture(scope="module")
def blocks(tmp_path_factory, embedder):
    from assistant.service import Assistant

    module = load_app("toolbox_app_chat")
    root = tmp_path_factory.mktemp("chat")
    corpus = small_corpus(root / "corpus")
    (corpus / "notes.md").write_text("# Notes\nShade helps in heat.\n", "utf-8")
    settings = Settings.from_env(environ={}, data_dir=root / "data", corpus_dir=corpus,
                                 collection=f"chat-{uuid.uuid4().hex[:8]}")
    assistant = Assistant(settings, embedder=embedder)
    assistant.ensure_index()
    return module.build_app(assistant)


def ask(blocks, message, history=None, turns=None, state=None, filters=NO_FILTERS):
    return blocks.respond(message, history or [], turns or {}, state, *filters)


def test_german_question_then_follow_up_then_chip_removed(blocks) -> None:
    out = ask(blocks, "Wo bekommen wir Hitzewarnungen für unsere Pflegeheime?")
    assert len(out) == 15  # a new question leaves the filter controls alone
    assert out[14] == "de"  # the page's language: relabels the rest of the page
    history, tools, sources, _, turns, _, chips, state = out[:8]
    assert out[8]["value"] == "Fragen" and out[12]["label"] == "Filter"  # German page
    assert out[13]["label"] == "Beispiele"
    assert "Empfohlene Werkzeuge" in tools and "Warum:" in tools
    assert tools.index("Hitzewarnsystem des DWD") < tools.index("tool-card", 200)
    assert 'href="/documents/hitze-leitfaden.pdf#page=2"' in sources
    assert "Hitze-Leitfaden, S. 2" in sources and "<mark>Hitzewarnungen</mark>" in sources
    assert "hazards:heat" in chips["value"] and "Filter" in chips["label"]
    assert out[5]["label"] == "Ein gezeigtes Werkzeug bewerten"
    cited = {int(n) for n in re.findall(r"\\\[(\d+)\\\]", history[-1]["content"])}
    assert cited and all(f'<div class="passage-source">[{n}] ' in sources for n in cited)
    client = TestClient(Starlette(routes=blocks.app_routes))  # the app's own routes
    link = re.search(r'<a class="export" href="(/exports/[^"]+\.md)" download>', tools)
    assert link and "Antwort herunterladen" in tools
    markdown = client.get(link.group(1))
    assert markdown.status_code == 200 and "attachment" in markdown.headers["content-disposition"]
    assert markdown.text.startswith("# Frage") and "Hitzewarnsystem des DWD" in markdown.text
    assert client.get("/exports/unknown-token-000.md").status_code == 404

    out = ask(blocks, "und nur kostenlose?", history, turns, state)
    history, tools, _, _, turns, _, chips, state = out[:8]
    assert len(history) == 4
    assert "Gesucht nach: Wo bekommen wir Hitzewarnungen" in tools
    assert "costs:free" in chips["value"]
    assert turns[3]["search"].endswith("und nur kostenlose?")

    kept = [c for c in chips["value"] if c != "costs:free"]
    out = blocks.change_chips(kept, history, turns, state, *NO_FILTERS)
    history2, _, _, _, turns2, _, chips2, state2 = out[:8]
    assert len(history2) == 4 and history2[-2] == history[-2]  # the answer replaced in place
    assert "costs:free" not in chips2["value"] and state2.removed_from_question == ("costs:free",)
    assert "costs:free" in [value for _, value in chips2["choices"]]  # listed, can go back
    assert turns2[3]["query"] == "und nur kostenlose?"


def test_a_filter_removed_as_chip_clears_the_control(blocks) -> None:
    filters = [["heat"], [], [], [], [], []]
    out = ask(blocks, "warning service for care homes", filters=filters)
    history, turns, chips, state = out[0], out[4], out[6], out[7]
    assert chips["value"][0] == "hazards:heat" and "Recommended tools" in out[1]
    out = blocks.change_chips([c for c in chips["value"] if c != "hazards:heat"], history,
                              turns, state, *filters)
    assert out[-6] == [] and "hazards:heat" not in out[6]["value"]  # -6: the hazards control



def test_documents_route_serves_only_indexed_pdfs(blocks) -> None:
    port = free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                  quiet=True, footer_links=[], app_kwargs={"routes": blocks.app_routes})
    base = f"http://127.0.0.1:{port}/documents/"
    try:
        with urllib.request.urlopen(base + "hitze-leitfaden.pdf", timeout=10) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.read(5) == b"%PDF-"
        for name in ("notes.pdf", "nothing.pdf", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd.pdf",
                     "hitze-leitfaden.pdf%00.md", "dwd-hitzewarnsystem.yaml"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(base + name, timeout=10)
            assert caught.value.code == 404, name
    finally:
        blocks.close()


class _Select:
    def __init__(self, index: list[int]) -> None:
        self.index = index


def test_browse_matrix_cell_and_search(blocks) -> None:
    from ingest.core.records import HAZARDS, PHASES

    grid, status = blocks.browse["view"]("")
    heat = HAZARDS.index("heat")
    rows = grid["value"]
    awareness = 1 + PHASES.index("awareness")
    assert status.startswith("Tools matching: 6.") and rows[heat][0] == "heat / Hitze"
    assert rows[heat][awareness] >= 1
    listing = blocks.browse["pick"]("", _Select([heat, awareness]))
    assert "DWD heat warning system" in listing and "heat × awareness" in listing
    assert listing.count('class="tool-card"') == rows[heat][awareness]
    _, status = blocks.browse["view"]("Trinkbrunnen")
    assert status.startswith("Tools matching: 1.")
    assert "Halle" in blocks.browse["pick"]("Trinkbrunnen", _Select([heat, 0]))
