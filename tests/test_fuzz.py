"""Property-based fuzzing (hypothesis) of every parser and of the query path: whatever the
input, the result is a value or one of our own errors (ToolboxError and its family, which
name the input and the problem), within a deadline. Each test runs a few dozen examples in the
default suite and hundreds under `-m slow`."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.evaluation.beir import load_dataset, read_corpus
from assistant.query.conversation import Turn, standalone_query
from assistant.query.filters import Filters
from ingest.core.errors import ToolboxError
from ingest.core.records import COSTS, HAZARDS, KINDS, LANGUAGES, PHASES, SCALES
from ingest.parse.dispatch import parse_document, parse_tools

from .conftest import copy_tools, write_pdf

FAST, SLOW = 30, 400
EXAMPLES = pytest.mark.parametrize("examples", [FAST, pytest.param(SLOW, marks=pytest.mark.slow)])
TOOL = yaml.safe_load((Path(__file__).parent.parent / "corpus/tools/efas.yaml").read_text())
# Hostile or odd text: markup, control characters, surrogates-free unicode, separators.
TEXT = st.text(st.characters(codec="utf-8"), max_size=400) | st.sampled_from([
    "<script>alert(1)</script>", "\x00\x01\ufeff", "---\n: :\n---", "a,b\n\"unclosed",
    "{\"tools\": 5}", "[[[[[[[[[[", "&&&&", "%PDF-1.4", "\\u0000", "id: x\n" * 50])
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
                       lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)


def fuzz(examples: int, seconds: float = 5):  # type: ignore[no-untyped-def]
    return settings(max_examples=examples, deadline=timedelta(seconds=seconds),
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


def parses_or_refuses(read, name: str, data: bytes):  # type: ignore[no-untyped-def]
    """Write `data` as a file called `name` and read it; only our own errors may come out."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            result = read(path)
            for page in getattr(result, "pages", ()):  # lazy readers fail while read
                assert isinstance(page.text, str)
            return result
        except ToolboxError:
            return None


def mutated(original: bytes):  # type: ignore[no-untyped-def]
    """Bytes of a real file with a few bytes flipped, cut, or spliced in."""
    @st.composite
    def build(draw):  # type: ignore[no-untyped-def]
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
            if action == "flip":
                data[at] = draw(st.integers(0, 255))
            elif action == "cut":
                del data[at:at + draw(st.integers(1, 200))]
            elif action == "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=64))
            else:
                del data[at:]
            if not data:
                break
        return bytes(data)
    return build()


@pytest.fixture(scope="module")
def real_files(tmp_path_factory) -> dict[str, bytes]:
    import docx

    folder = tmp_path_factory.mktemp("originals")
    pdf = write_pdf(folder / "guide.pdf", ["Heat action plans protect older people.",
                                            "Green roofs store rain water."], title="Guide",
                    keywords="hazards: heat")
    word = docx.Document()
    word.add_heading("Heat plan", 1)
    word.add_paragraph("Shade and water in hot summers.")
    word.add_table(rows=2, cols=2).cell(0, 0).text = "cell"
    word.save(str(folder / "plan.docx"))
    return {"pdf": pdf.read_bytes(), "docx": (folder / "plan.docx").read_bytes()}


@EXAMPLES
def test_pdf_bytes(real_files, examples: int) -> None:
    @fuzz(examples)
    @given(mutated(real_files["pdf"]) | st.binary(max_size=2000).map(lambda b: b"%PDF-1.7\n" + b))
    def run(data: bytes) -> None:
        outcomes.append(parses_or_refuses(parse_document, "fuzz.pdf", data) is not None)
    outcomes: list[bool] = []
    run()
    assert len(outcomes) >= examples and any(outcomes)  # some mutants still parse


@EXAMPLES
def test_docx_bytes(real_files, examples: int) -> None:
    @fuzz(examples)
    @given(mutated(real_files["docx"]))
    def run(data: bytes) -> None:
        parses_or_refuses(parse_document, "fuzz.docx", data)
    run()


@EXAMPLES
def test_text_markdown_and_html_documents(examples: int) -> None:
    @fuzz(examples)
    @given(TEXT, st.sampled_from(["fuzz.md", "fuzz.txt", "fuzz.html"]),
           st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    def run(text: str, name: str, encoding: str) -> None:
        front = "---\ntitle: " + text[:40] + "\n---\n" if name.endswith(".md") else ""
        body = (front + text).encode(encoding, errors="replace")
        if name.endswith(".html"):
            body = b"<html><body><article><p>" + body + b"</p></article></body></html>"
        parses_or_refuses(parse_document, name, body)
    run()


def _tool_record():  # type: ignore[no-untyped-def]
    """A real tool record with some fields replaced by anything JSON can hold."""
    return st.dictionaries(st.sampled_from(sorted(TOOL) + ["extra", "url"]), JSONISH,
                           max_size=4).map(lambda changes: {**TOOL, **changes})


@EXAMPLES
def test_tool_files_yaml_json_jsonl_csv(examples: int) -> None:
    @fuzz(examples)
    @given(st.lists(_tool_record() | JSONISH, min_size=0, max_size=3),
           st.sampled_from(["yaml", "json", "jsonl", "csv"]), TEXT)
    def run(records: list, kind: str, noise: str) -> None:
        if kind == "yaml":
            data = yaml.safe_dump(records[0] if records else noise, allow_unicode=True)
        elif kind == "json":
            data = json.dumps({"tools": records} if records else noise)
        elif kind == "jsonl":
            data = "\n".join([json.dumps(r) for r in records] + [noise])
        else:
            rows = io.StringIO()
            fields = sorted(TOOL)
            rows.write(",".join(fields) + "\n")
            for record in records:
                if isinstance(record, dict):
                    rows.write(",".join(json.dumps(str(record.get(f, ""))) for f in fields))
                    rows.write("\n")
            data = rows.getvalue() + noise
        parses_or_refuses(parse_tools, f"fuzz.{kind}", data.encode("utf-8", "surrogatepass"))
    run()


@EXAMPLES
def test_beir_files(examples: int) -> None:
    line = (st.fixed_dictionaries({"_id": TEXT | st.integers(), "text": TEXT | JSONISH})
            .map(json.dumps) | TEXT)
    qrel = st.tuples(TEXT, TEXT, st.integers(-3, 3).map(str) | TEXT).map("\t".join)

    @fuzz(examples)
    @given(st.lists(line, max_size=5), st.lists(qrel, max_size=5), st.lists(line, max_size=5),
           st.booleans())
    def run(queries: list[str], qrels: list[str], corpus: list[str], header: bool) -> None:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "qrels").mkdir()
            (root / "queries.jsonl").write_text("\n".join(queries), "utf-8", "surrogatepass")
            (root / "qrels" / "test.tsv").write_text(
                ("query-id\tcorpus-id\tscore\n" if header else "") + "\n".join(qrels),
                "utf-8", "surrogatepass")
            (root / "corpus.jsonl").write_text("\n".join(corpus), "utf-8", "surrogatepass")
            with contextlib.suppress(ToolboxError):
                load_dataset(root)
            with contextlib.suppress(ToolboxError):
                list(read_corpus(root / "corpus.jsonl"))
    run()


VOCAB = st.sampled_from([*HAZARDS, *PHASES, *SCALES, *KINDS, *COSTS, *LANGUAGES])
FILTER_VALUES = st.lists(VOCAB | TEXT, max_size=3) | TEXT | st.none()


@EXAMPLES
def test_filter_values_and_chat_history(examples: int) -> None:
    @fuzz(examples)
    @given(st.dictionaries(st.sampled_from(["hazards", "phases", "scales", "languages", "kinds",
                                            "costs", "colour"]), FILTER_VALUES, max_size=4),
           TEXT, st.lists(st.builds(Turn, TEXT, TEXT), max_size=4))
    def run(values: dict, message: str, history: list[Turn]) -> None:
        with contextlib.suppress(ToolboxError):
            Filters.of(**values).where()
        assert isinstance(standalone_query(message, history), str)
    run()


@pytest.fixture(scope="module")
def small_assistant(tmp_path_factory, embedder):  # type: ignore[no-untyped-def]
    from assistant.service import Assistant
    from ingest.core.settings import Settings

    root = tmp_path_factory.mktemp("fuzz-kb")
    kb = copy_tools(root / "kb", ["efas", "dwd-hitzewarnsystem", "ufz-duerremonitor"])
    write_pdf(kb / "guide.pdf", ["Care homes need heat warnings.", "Drought maps help farms."])
    settings = Settings.from_env(environ={}, data_dir=root / "data", corpus_dir=root / "kb",
                                 collection="fuzz")
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([kb])
    return assistant


QUESTIONS = st.builds("{} {} {}".format, TEXT, st.sampled_from(
    ["heat warnings for care homes", "Dürre Karte", "flood", "what about it?", "kostenlos?"]),
    TEXT) | TEXT | st.text(min_size=2500, max_size=5000)


@pytest.mark.parametrize("examples", [20, pytest.param(200, marks=pytest.mark.slow)])
def test_query_path(small_assistant, examples: int) -> None:
    @fuzz(examples, seconds=15)
    @given(QUESTIONS, st.dictionaries(
        st.sampled_from(["hazards", "phases", "scales", "languages", "kinds", "costs"]),
        st.lists(VOCAB, max_size=2), max_size=2), st.lists(st.builds(Turn, TEXT, TEXT),
                                                            max_size=2))
    def run(question: str, values: dict, history: list[Turn]) -> None:
        try:
            filters = Filters.of(**values)
            answer = small_assistant.ask(question, filters, history=history)
        except ToolboxError:
            outcomes.append("refused")
            return
        assert isinstance(answer.text, str)
        assert all(t.tool.id for t in answer.tools)
        outcomes.append("answered")
    outcomes: list[str] = []
    run()
    assert outcomes.count("answered") >= examples // 3, outcomes  # the path was really walked


def test_a_zip_that_is_not_a_docx_package_is_refused_cleanly(tmp_path: Path) -> None:
    """Found while building the zip-bomb test: python-docx raised AttributeError on a bare
    [Content_Types].xml; now every damaged package is a FileProblem."""
    path = tmp_path / "odd.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(ToolboxError, match="not a readable Word file"):
        parse_document(path)
