"""The real Gradio app: its handler, its escaping, and a live server answering over HTTP."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def app_module():
    # Loaded from its file: app.py is the edge, and no module of ours imports it.
    spec = importlib.util.spec_from_file_location("toolbox_app", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["toolbox_app"] = module
    spec.loader.exec_module(module)
    return module


def _respond(blocks, message, **filters):
    values = [filters.get(k, []) for k in
              ("hazards", "phases", "scales", "languages", "kinds", "costs")]
    return blocks.respond(message, [], *values)


def test_handler_answers_with_tools_and_sources(app_module, shipped_assistant) -> None:
    blocks = app_module.build_app(shipped_assistant)
    history, tools, sources, cleared = _respond(blocks, "heavy rain hazard map for our town")
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "tool-card" in tools and "Starkregen" in tools
    assert ", p. " in sources
    assert cleared == ""


def test_handler_turns_errors_into_sentences(app_module, shipped_assistant) -> None:
    blocks = app_module.build_app(shipped_assistant)
    history, tools, _, _ = _respond(blocks, "   ")
    assert "Please type a question" in history[-1]["content"] and tools == ""
    history, _, _, _ = _respond(blocks, "heat", hazards=["lava"])
    assert "unknown hazard 'lava'" in history[-1]["content"]


def test_untrusted_text_is_inert(app_module) -> None:
    assert "<" not in app_module.escape_markdown("<img src=x onerror=alert(1)>")
    assert app_module.escape_markdown("[x](javascript:alert(1))").startswith("\\[x\\]\\(")
    assert "<a" not in app_module.safe_link("javascript:alert(1)", "x")
    assert app_module.safe_link("https://example.org/a?b=1", "<b>").startswith(
        '<a href="https://example.org/a?b=1"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_live_server_answers_over_http(app_module, shipped_assistant) -> None:
    from gradio_client import Client

    blocks = app_module.build_app(shipped_assistant)
    port = _free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                  quiet=True, footer_links=[])
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        history, tools, sources, _ = client.predict(
            "Wie schützen wir ältere Menschen bei Hitze?", [], [], [], [], [], [], [],
            api_name="/ask")
        assert "tool-card" in tools and history[-1]["role"] == "assistant"
    finally:
        blocks.close()


def test_ingest_tab_only_with_an_editor_password(app_module, shipped_assistant) -> None:
    from assistant.editor import EditorGate

    plain = app_module.build_app(shipped_assistant, gate=EditorGate(None))
    assert not hasattr(plain, "editor")
    assert "editor_ingest" not in {getattr(d, "api_name", None) for d in plain.fns.values()}
    editor = app_module.build_app(shipped_assistant, gate=EditorGate("s3cret"))
    assert {"editor_login", "editor_ingest", "editor_status"} <= {
        getattr(d, "api_name", None) for d in editor.fns.values()}


def test_editor_endpoints_refuse_without_login_even_over_http(app_module, settings, embedder,
                                                              tmp_path: Path, caplog) -> None:
    from gradio_client import Client, handle_file

    from assistant.editor import EditorGate
    from assistant.service import Assistant

    from .conftest import copy_tools

    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([copy_tools(tmp_path / "kb", ["efas"])])
    upload = tmp_path / "up" / "heat-note.md"
    upload.parent.mkdir()
    upload.write_text("# Heat note\nShade and water in hot summers.\n", "utf-8")
    blocks = app_module.build_app(assistant, gate=EditorGate("s3cret"))
    port = _free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                  quiet=True, footer_links=[])
    try:
        intruder = Client(f"http://127.0.0.1:{port}/", verbose=False)
        with pytest.raises(Exception, match="editor login required"):
            intruder.predict([handle_file(str(upload))], "", api_name="/editor_ingest")
        with pytest.raises(Exception, match="editor login required"):
            intruder.predict(api_name="/editor_status")
        assert "Wrong password." in intruder.predict("wrong-guess", api_name="/editor_login")
        with pytest.raises(Exception, match="editor login required"):
            intruder.predict(api_name="/editor_status")

        editor = Client(f"http://127.0.0.1:{port}/", verbose=False)
        editor.predict("s3cret", api_name="/editor_login")
        report, summary, status, _ = editor.predict([handle_file(str(upload))], "",
                                                    api_name="/editor_ingest")
        assert report["data"] == [["heat-note.md", "indexed", 1, ""]]
        assert summary.startswith("1 files: 1 indexed")
        assert status.startswith("1 documents (0 superseded), 1 tools")
        with pytest.raises(Exception, match="editor login required"):  # still not the intruder
            intruder.predict(api_name="/editor_status")
    finally:
        blocks.close()
    assert (settings.data_dir / "uploads" / "heat-note.md").is_file()
    assert "heat-note" in {d.id for d in assistant.status().documents}
    assert "wrong-guess" not in caplog.text and "s3cret" not in caplog.text
