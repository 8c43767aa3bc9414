"""What several test modules share besides fixtures: small knowledge bases, sample records
and the app for fault tests. Test modules import from here or from conftest.py, never from
each other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.answer.compose import Answer
from assistant.retrieval.tool_ranking import RankedTool
from ingest.core.records import Chunk, Hit, Tool
from ingest.parse.dispatch import parse_tools

from .app_server import load_app
from .conftest import CORPUS, ROOT, copy_tools, write_pdf

# The small town knowledge base: ten shipped tools and a 4-page guide that names some of them.
KB_TOOLS = ["halle-trinkbrunnen-entscheidungsmatrix", "bkg-hinweiskarte-starkregengefahren",
            "dwd-hitzewarnsystem", "ufz-duerremonitor", "climate-adapt", "efas", "palm-4u",
            "covenant-of-mayors", "mannheim-hitzeaktionsplan", "hkc-hochwasserpass"]
KB_PAGES = [
    "Introduction. This guide explains climate adaptation for small towns and who does what.",
    "Drinking water in hot summers. The Halle (Saale) decision matrix for siting public "
    "drinking fountains helps a town choose places where older people and children spend time "
    "outdoors, and where a water connection is near.",
    "Heavy rain. The Hinweiskarte Starkregengefahren shows where water collects after a "
    "cloudburst, so the town can warn owners of houses in hollows and underpasses.",
    "Warnings. Before a heatwave, the DWD heat warning system (hitzewarnungen.de, newsletter) "
    "alerts the health office, care homes and the public, so the town can start its measures.",
]
CLOUDBURST_QUESTION = "map of where water collects after a cloudburst"
# A page the small town guide lacks, added later to see that readers follow a write.
NEW_PAGES = ["Hail. Hail nets over the allotment gardens of Kleinstadt protect fruit trees and "
             "greenhouses; the hail net lending pool of the allotment association lends them.",
             "Costs. A hail net lending pool costs the association little and is run by "
             "volunteers."]
NEW_QUESTION = "Who lends hail nets for allotment gardens?"


def make_kb(root: Path) -> Path:
    """The tools and the small town guide (4 pages) these tests ask about."""
    copy_tools(root / "kb", KB_TOOLS)
    write_pdf(root / "kb" / "small-town-guide.pdf", KB_PAGES, title="Small town guide")
    return root / "kb"


# A larger corpus for crash and fault tests: 8 tools, 2 more in a JSONL, 6 guides of 8 pages.
CORPUS_TOOLS = ["efas", "dwd-hitzewarnsystem", "ufz-duerremonitor", "climate-adapt", "palm-4u",
                "covenant-of-mayors", "mannheim-hitzeaktionsplan", "hkc-hochwasserpass"]
CORPUS_TOPICS = ["heat warnings reach care homes through the DWD heat warning system",
                 "river flood forecasts from the European Flood Awareness System (EFAS)",
                 "drought monitoring with the UFZ-Dürremonitor for parks and street trees",
                 "urban climate simulation with PALM-4U before new buildings are approved",
                 "the Covenant of Mayors as a frame for adaptation targets",
                 "flood passes for houses, the HKC-Hochwasserpass, explained to owners"]


def make_corpus(root: Path) -> Path:
    folder = copy_tools(root / "kb", CORPUS_TOOLS)
    extra = [yaml.safe_load((CORPUS / "tools" / "efas.yaml").read_text("utf-8"))
             for _ in range(2)]
    for n, tool in enumerate(extra):
        tool.update(id=f"extra-tool-{n}", name=f"Extra planning aid {n}")
    (folder / "more-tools.jsonl").write_text("\n".join(json.dumps(t) for t in extra), "utf-8")
    for n, topic in enumerate(CORPUS_TOPICS):
        pages = [f"Chapter {p}. This chapter of guide {n} is about {topic}. " * 6
                 + f"Towns of size class {p} report what worked and what did not. " * 4
                 for p in range(1, 9)]
        write_pdf(folder / f"guide-{n}.pdf", pages, title=f"Guide {n}")
    return folder


def write_docx(path: Path, keywords: str = "") -> Path:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.core_properties.title = "Starkregen-Vorsorge"
    document.core_properties.keywords = keywords
    document.add_heading("Einleitung", level=1)
    document.add_paragraph("Starkregen trifft jede Gemeinde. Diese Hinweise helfen bei der "
                           "Vorsorge für Keller und Tiefgaragen.")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("Maßnahmen", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("Ort", "Maßnahme"), ("Keller", "Rückstauklappe"),
                                       ("Tiefgarage", "Schwelle an der Einfahrt")], strict=True):
        row.cells[0].text, row.cells[1].text = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def faults_app(assistant: Any) -> Any:
    """The real app's Blocks around `assistant`, for the server fault tests."""
    return load_app("toolbox_app_faults").build_app(assistant)


def shipped_tool(tool_id: str) -> Tool:
    return parse_tools(CORPUS / "tools" / f"{tool_id}.yaml")[0]


def passage_hit(text: str, page: int = 2, doc_id: str = "hitze-leitfaden",
                title: str = "Hitze-Leitfaden") -> Hit:
    chunk = Chunk(chunk_id=f"{doc_id}#p{page}#c0", kind="passage", source_id=f"doc:{doc_id}",
                  doc_id=doc_id, title=title, text=text, page_start=page, page_end=page,
                  tool_ids=("dwd-hitzewarnsystem",))
    return Hit(chunk=chunk, score=1.0)


PASSAGE = passage_hit(
    "Hitzewarnungen des DWD warnen Pflegeheime <script>alert(1)</script> vor Hitze.")


def sample_answer(language: str = "de", search_query: str = "",
                  chips: tuple[str, ...] = ()) -> Answer:
    ranked = RankedTool(shipped_tool("dwd-hitzewarnsystem"), 1.0, ("hazard: heat",), (PASSAGE,))
    return Answer(query="Wo bekommen wir Hitzewarnungen für Pflegeheime?", text="x",
                  tools=(ranked,), passages=(PASSAGE,), language=language,
                  search_query=search_query, chips=chips)


def run_cli(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    """`python -m assistant ARGS` on the data dir `data`, as a user runs it."""
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(data), "TOOLBOX_COLLECTION": "cli"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                          text=True, env=env, timeout=300)


READ_THE_TABLE_GUIDE = """
import sys
{block}
from pathlib import Path
from ingest.chunk.mentions import MentionFinder
from ingest.chunk.split import ChunkingParams, chunk_document
from ingest.parse.dispatch import parse_document
document = parse_document(Path(sys.argv[1]))  # held to the end, as a caller may
chunks = chunk_document(document, ChunkingParams(2000, 150), MentionFinder([]))
print(next(c.text.splitlines()[2] for c in chunks if c.text.startswith("| Question |")))
"""


def read_the_table_guide(block: str = "") -> subprocess.CompletedProcess[str]:
    """A fresh interpreter (after running `block`) reads the shipped guide that has a table
    and prints the table's first row."""
    return subprocess.run(
        [sys.executable, "-c", READ_THE_TABLE_GUIDE.format(block=block),
         str(CORPUS / "documents" / "heat-action-plans.pdf")],
        capture_output=True, text=True, timeout=300, check=False)


# Published reports, read at test time from the shared folder beside the checkout (CI) or the
# workplace's; never copied into the project.
REALDOCS = next((folder for folder in (ROOT.parent / "shared" / "realdocs",
                                       Path("/work/shared/realdocs")) if folder.is_dir()), None)
needs_realdocs = pytest.mark.skipif(
    REALDOCS is None, reason="the shared reports (../shared/realdocs beside the checkout) are "
                             "not here; they are read at test time, never copied into the repo")
