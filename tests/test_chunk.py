from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunk.mentions import MentionFinder
from ingest.chunk.split import ChunkingParams, _heading, chunk_document, chunk_tool
from ingest.core.records import Document, Page
from ingest.parse.dispatch import parse_tools

from .conftest import CORPUS


def _tools(*ids: str):
    return [parse_tools(CORPUS / "tools" / f"{i}.yaml")[0] for i in ids]


def test_chunks_stay_on_their_page_with_stable_ids_and_sections() -> None:
    long_page = " ".join(f"Sentence number {i} talks about shade trees." for i in range(60))
    document = Document("doc", "Doc", "doc.md", "en", (
        Page(1, "# Shade\n" + long_page), Page(2, "# Water\nShort page on water.")))
    params = ChunkingParams(size=400, overlap=80)
    chunks = chunk_document(document, params, MentionFinder([]))
    assert chunks == chunk_document(document, params, MentionFinder([]))
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(len(c.text) <= 400 for c in chunks)
    assert {c.page_start for c in chunks} == {1, 2}
    assert all(c.page_start == c.page_end for c in chunks)
    assert chunks[0].section == "Shade" and chunks[-1].section == "Water"
    first, second = chunks[0].text, chunks[1].text
    assert first.split(". ")[-1] in second, "neighbouring chunks overlap by a sentence"


def test_passages_know_the_tools_they_name() -> None:
    finder = MentionFinder(_tools("klivo-portal", "climate-adapt-uast", "covenant-of-mayors"))
    text = ("Start with KLiVO. The Urban Adaptation Support Tool guides cities; "
            "signatories of the Covenant of Mayors report on it.")
    assert finder.find(text) == ("klivo-portal", "climate-adapt-uast", "covenant-of-mayors")
    assert finder.find("A covenant between mayors is not the same thing.") == ()


def test_mentions_survive_pdf_dashes_and_quotes() -> None:
    finder = MentionFinder(_tools("hitzeservice-hap-info", "starkregenportal-checkliste"))
    text = ("See hitzeservice.de - information on municipal heat action plans and the "
            'Starkregenportal checklist "Bin ich gefährdet?".')
    assert set(finder.find(text)) == {"hitzeservice-hap-info", "starkregenportal-checkliste"}


def test_tool_chunk_carries_tags_and_text() -> None:
    (tool,) = _tools("ufz-duerremonitor")
    chunk = chunk_tool(tool, "tool:ufz-duerremonitor")
    assert chunk.kind == "tool" and chunk.tool_ids == ("ufz-duerremonitor",)
    assert "drought" in chunk.hazards
    assert tool.name in chunk.text and "Hazards: drought" in chunk.text


_OLD_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")  # cubic on long space runs


@settings(max_examples=2000, deadline=None)
@given(st.text(st.sampled_from(["#", " ", "\t", "a", "b", "\u00a0", "\x1c"]), max_size=14))
def test_markdown_headings_read_as_the_old_regex_did(line: str) -> None:
    match = _OLD_MD_HEADING.match(line.strip())
    assert _heading(line.strip()) == (match.group(1) if match else "")
