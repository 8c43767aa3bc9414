"""The real Gradio app: its handler, its escaping, and a live server answering over HTTP."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from .app_server import load_app


@pytest.fixture(scope="module")
def app_module():
    return load_app("toolbox_app")


def _respond(blocks, message, **filters):
    values = [filters.get(k, []) for k in
              ("hazards", "phases", "scales", "languages", "kinds", "costs")]
    return blocks.respond(message, [], {}, None, *values)[:4]


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


def test_untrusted_text_is_inert() -> None:
    from assistant.present import escape_markdown, safe_link

    assert "<" not in escape_markdown("<img src=x onerror=alert(1)>")
    assert escape_markdown("[x](javascript:alert(1))").startswith("\\[x\\]\\(")
    assert "<a" not in safe_link("javascript:alert(1)", "x")
    assert safe_link("https://example.org/a?b=1", "<b>").startswith(
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
        history, tools, sources, *_ = client.predict(
            "Wie schützen wir ältere Menschen bei Hitze?", [], [], [], [], [], [], [],
            api_name="/ask")
        assert "tool-card" in tools and history[-1]["role"] == "assistant"
    finally:
        blocks.close()


class _Like:
    """What Gradio passes to a `.like` handler: the message index and the thumb."""

    def __init__(self, index: int, liked: bool) -> None:
        self.index, self.liked, self.value = index, liked, ""


def test_votes_on_answer_and_tool_are_stored(app_module, shipped_assistant, tmp_path) -> None:
    import dataclasses

    from assistant.feedback import FeedbackStore
    from assistant.service import Assistant

    settings = dataclasses.replace(shipped_assistant.settings, data_dir=tmp_path / "data")
    assistant = Assistant(settings, embedder=shipped_assistant.embedder,
                          store=shipped_assistant.store)
    blocks = app_module.build_app(assistant)
    history, _, _, _, turns, choices = blocks.respond(
        "heavy rain hazard map for our town", [], {}, None, ["heavy-rain"], [], [], [], [],
        [])[:6]
    shown = turns[1]["shown"]
    assert [c[1] for c in choices["choices"]] == shown and choices["value"] == shown[0]
    assert "recorded" in blocks.vote_answer(_Like(1, True), turns)
    assert blocks.vote_answer(_Like(0, True), turns) == "Only answers can be rated."
    assert "recorded" in blocks.vote_tool(shown[1], turns, -1)
    assert "Ask a question first" in blocks.vote_tool(None, {}, 1)
    votes = FeedbackStore(tmp_path / "data").votes()
    assert [(v.target, v.vote) for v in votes] == [("answer", 1), (shown[1], -1)]
    assert votes[0].query == "heavy rain hazard map for our town"
    assert votes[0].filters == {"hazards": ["heavy-rain"]} and list(votes[0].shown) == shown


def test_evaluate_tab_on_builtin_and_on_an_uploaded_zip(app_module, shipped_assistant,
                                                        tmp_path) -> None:
    import json
    import zipfile

    from .beir_files import CORPUS, write_dataset

    blocks = app_module.build_app(shipped_assistant)
    summary, rows, plot, downloads = blocks.run_evaluation(app_module.BUILTIN_TOOLS, None,
                                                           ["bm25"])
    builtin = (Path(__file__).resolve().parent.parent / "corpus" / "benchmark" /
               "queries.jsonl").read_text("utf-8")
    assert f"{len(builtin.splitlines())} queries" in summary and [r[0] for r in rows] == ["bm25"]
    assert Path(plot).read_bytes()[:4] == b"\x89PNG"
    assert [Path(d).name for d in downloads] == ["report.md", "results.json"]
    assert json.loads(Path(downloads[1]).read_text())["target"] == "tools"

    folder = write_dataset(tmp_path / "ds", corpus=CORPUS)
    archive = tmp_path / "ds.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.rglob("*"):
            zf.write(path, f"mini/{path.relative_to(folder).as_posix()}")
    summary, rows, plot, _ = blocks.run_evaluation(app_module.UPLOAD, str(archive),
                                                   ["bm25", "hybrid"])
    assert "mini" in summary and "4 queries" in summary and len(rows) == 2 and plot

    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr("../queries.jsonl", "{}")
    summary, rows, plot, downloads = blocks.run_evaluation(app_module.UPLOAD,
                                                           str(tmp_path / "evil.zip"), ["bm25"])
    assert summary.startswith("**Cannot evaluate:**") and "unsafe path" in summary
    assert (rows, plot, downloads) == ([], None, [])
    assert "upload first" in blocks.run_evaluation(app_module.UPLOAD, None, ["bm25"])[0]


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
            intruder.predict([handle_file(str(upload))], "", "", api_name="/editor_ingest")
        with pytest.raises(Exception, match="editor login required"):
            intruder.predict("", api_name="/editor_status")
        assert "Wrong password." in intruder.predict("wrong-guess", api_name="/editor_login")
        with pytest.raises(Exception, match="editor login required"):
            intruder.predict("", api_name="/editor_status")

        editor = Client(f"http://127.0.0.1:{port}/", verbose=False)
        token = editor.predict("s3cret", api_name="/editor_login")[-1]
        report, summary, status, _ = editor.predict([handle_file(str(upload))], "", token,
                                                    api_name="/editor_ingest")
        assert report["data"] == [["heat-note.md", "indexed", 1, ""]]
        assert summary.startswith("1 files: 1 indexed")
        assert status.startswith("1 documents (0 superseded), 1 tools")
        with pytest.raises(Exception, match="editor login required"):  # still not the intruder
            intruder.predict("", api_name="/editor_status")
    finally:
        blocks.close()
    assert (settings.data_dir / "uploads" / "heat-note.md").is_file()
    assert "heat-note" in {d.id for d in assistant.status().documents}
    assert "wrong-guess" not in caplog.text and "s3cret" not in caplog.text
