"""Who may do what, checked over HTTP against the running app: editor functions refuse every
caller that did not log in (named API endpoints, hidden ones called by index, server paths
smuggled in as uploads), failed logins are rate-limited, passwords never reach a log, and
TOOLBOX_READER_PASSWORD closes the whole app, API included."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import uuid
from pathlib import Path

import httpx
import pytest

from assistant.auth import LoginLimiter, TooManyLogins, reader_auth
from assistant.editor import EditorGate
from assistant.service import Assistant

from .conftest import copy_tools
from .test_app import _free_port, app_module  # noqa: F401  (the fixture)

PASSWORD = "correct horse 7"
READER = "reader pass 9"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_locks_a_client_after_five_failures_within_the_window() -> None:
    clock = Clock()
    limiter = LoginLimiter(max_failures=5, window=900, clock=clock)
    for _ in range(5):
        limiter.check("10.0.0.1")
        limiter.failed("10.0.0.1")
        clock.now += 10
    with pytest.raises(TooManyLogins, match=r"too many failed logins; try again in 851 s"):
        limiter.check("10.0.0.1")
    limiter.check("10.0.0.2")  # another client is not affected
    clock.now += 851  # the first failure ages out: one more try
    limiter.check("10.0.0.1")


def test_gate_refuses_even_the_right_password_while_locked_out(caplog) -> None:
    gate = EditorGate(PASSWORD, LoginLimiter(max_failures=3), delay=0)
    caplog.set_level(logging.DEBUG)
    assert not any(gate.login("s1", f"guess-{n}", "10.0.0.9") for n in range(3))
    with pytest.raises(TooManyLogins):
        gate.login("s1", PASSWORD, "10.0.0.9")
    with pytest.raises(TooManyLogins):  # a new session from the same address
        gate.login("s2", PASSWORD, "10.0.0.9")
    assert not gate.allowed("s1") and not gate.allowed("s2")
    assert gate.login("s3", PASSWORD, "10.0.0.10")
    assert "guess-" not in caplog.text and PASSWORD not in caplog.text


def test_reader_auth_accepts_only_the_password_and_slows_guessing() -> None:
    check = reader_auth(READER, LoginLimiter(max_failures=2, window=60), delay=0)
    assert check("anyone", READER) and not check("anyone", "nope")
    assert not check("x", "nope")
    assert not check("anyone", READER)  # locked after 2 failures: no more guessing for now


# -- over HTTP -------------------------------------------------------------------------------

class Raw:
    """Gradio's queue protocol by hand: any function by index, with any session id, exactly
    as a hostile client would call it (the UI's hidden events included)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.session = uuid.uuid4().hex
        self.headers = headers or {}

    def call(self, fn_index: int, data: list) -> dict:
        joined = httpx.post(f"{self.url}gradio_api/queue/join", json={
            "data": data, "fn_index": fn_index, "session_hash": self.session,
            "event_data": None, "trigger_id": None}, headers=self.headers, timeout=30)
        assert joined.status_code == 200, joined.text
        with httpx.stream("GET", f"{self.url}gradio_api/queue/data",
                          params={"session_hash": self.session}, timeout=60) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        return message
        raise AssertionError("no answer")


@pytest.fixture
def editor_app(app_module, settings, embedder, tmp_path: Path):  # noqa: F811
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest([copy_tools(tmp_path / "kb", ["efas"])])
    gate = EditorGate(PASSWORD, LoginLimiter(max_failures=4), delay=0)
    blocks = app_module.build_app(assistant, gate=gate)
    port = _free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                  quiet=True, footer_links=[])
    yield f"http://127.0.0.1:{port}/", blocks, assistant
    blocks.close()


def _indexes(blocks) -> dict[str, int]:
    return {dep.fn.__name__: index for index, dep in blocks.fns.items()
            if dep.fn is not None}


def test_every_editor_function_refuses_a_caller_who_did_not_log_in(editor_app,
                                                                   tmp_path: Path) -> None:
    url, blocks, assistant = editor_app
    names = _indexes(blocks)
    # What the app can do at all: no remove or reindex is exposed, the editor side is three.
    assert not {n for n in names if "remove" in n or "reindex" in n}
    assert {"login", "ingest", "refresh"} <= set(names)
    upload = tmp_path / "note.md"
    upload.write_text("# Note\nShade.\n", "utf-8")
    uploaded = httpx.post(f"{url}gradio_api/upload",
                          files={"files": ("note.md", upload.read_bytes())}).json()[0]
    intruder = Raw(url)
    for name, data in (("ingest", [[{"path": uploaded, "meta": {"_type": "gradio.FileData"}}],
                                   ""]), ("refresh", [])):
        refused = intruder.call(names[name], data)
        assert refused["success"] is False and "editor login required" in str(refused["output"])
    wrong = intruder.call(names["login"], ["not the password"])
    assert "Wrong password." in json.dumps(wrong["output"])
    assert intruder.call(names["refresh"], [])["success"] is False
    assert {d.id for d in assistant.status().documents} == set()  # nothing was ingested


def test_a_logged_in_editor_cannot_pull_in_server_files(editor_app, tmp_path: Path) -> None:
    url, blocks, assistant = editor_app
    secret = tmp_path / "secret.md"
    secret.write_text("# Salaries\nconfidential\n", "utf-8")
    editor = Raw(url)
    names = _indexes(blocks)
    assert editor.call(names["login"], [PASSWORD])["success"]
    smuggled = editor.call(names["ingest"], [[{"path": str(secret),
                                               "meta": {"_type": "gradio.FileData"}}], ""])
    assert smuggled["success"] is False  # gradio: not uploaded by a user
    assert not (assistant.settings.data_dir / "uploads" / "secret.md").exists()
    assert "secret" not in {d.id for d in assistant.status().documents}


def test_failed_logins_are_rate_limited_over_http_and_never_logged(editor_app, caplog,
                                                                   capsys) -> None:
    url, blocks, _ = editor_app
    caplog.set_level(logging.DEBUG)
    names = _indexes(blocks)
    guesser = Raw(url)
    for attempt in range(4):
        out = guesser.call(names["login"], [f"guess-number-{attempt}"])
        assert "Wrong password." in json.dumps(out["output"])
    locked = Raw(url)  # a fresh session from the same address: still locked out
    out = json.dumps(locked.call(names["login"], [PASSWORD])["output"])
    assert "too many failed logins; try again in" in out
    assert locked.call(names["refresh"], [])["success"] is False
    captured = capsys.readouterr()
    for secret in (PASSWORD, "guess-number-"):
        assert secret not in caplog.text + captured.out + captured.err


def test_behind_a_proxy_on_this_host_each_client_has_its_own_lockout(editor_app) -> None:
    """A reverse proxy on this host (loopback) passes the client's address in X-Forwarded-For,
    which the server (uvicorn) trusts from 127.0.0.1 and ::1 only (FORWARDED_ALLOW_IPS): one
    guessing client locks out itself, not every user of the proxy."""
    url, blocks, _ = editor_app
    names = _indexes(blocks)
    guesser = Raw(url, {"X-Forwarded-For": "10.1.2.3"})
    for attempt in range(4):
        guesser.call(names["login"], [f"guess-number-{attempt}"])
    again = Raw(url, {"X-Forwarded-For": "10.1.2.3"})
    assert "too many failed logins" in json.dumps(again.call(names["login"], [PASSWORD]))
    colleague = Raw(url, {"X-Forwarded-For": "10.9.8.7"})
    out = json.dumps(colleague.call(names["login"], [PASSWORD])["output"])
    assert "too many failed logins" not in out and "Wrong password." not in out
    assert colleague.call(names["refresh"], [])["success"] is True


def test_reader_password_closes_the_app_and_its_api(app_module, shipped_assistant) -> None:  # noqa: F811
    from gradio_client import Client

    settings = dataclasses.replace(shipped_assistant.settings, reader_password=READER)
    blocks = app_module.build_app(shipped_assistant)
    port = _free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                  quiet=True, footer_links=[],
                  **app_module.launch_options(settings, blocks.app_routes))
    url = f"http://127.0.0.1:{port}/"
    document = f"{url}documents/heat-action-plans.pdf"
    try:
        assert httpx.get(f"{url}config").status_code == 401
        assert httpx.get(document).status_code == 401  # the cited PDFs sit behind the gate too
        assert httpx.get(f"{url}gradio_api/info").status_code == 401
        joined = httpx.post(f"{url}gradio_api/queue/join", json={
            "data": ["heat", [], {}, [], [], [], [], [], []], "fn_index": 0,
            "session_hash": "x", "event_data": None, "trigger_id": None})
        assert joined.status_code == 401
        assert httpx.post(f"{url}login", data={"username": "a", "password": "nope"}
                          ).status_code == 400
        with httpx.Client() as session:
            assert session.post(f"{url}login", data={"username": "a", "password": READER}
                                ).status_code == 200
            opened = session.get(document)
            assert opened.status_code == 200 and opened.content.startswith(b"%PDF-")
        reader = Client(url, auth=("any name", READER), verbose=False)
        _, tools, *_ = reader.predict("heat warning for care homes", [], [], [], [], [], [], [],
                                           api_name="/ask")
        assert "tool-card" in tools
        export = re.search(r'<a class="export" href="/(exports/[^"]+)"', tools).group(1)
        assert httpx.get(f"{url}{export}").status_code == 401  # the answer's download too
        with httpx.Client() as session:
            session.post(f"{url}login", data={"username": "a", "password": READER})
            downloaded = session.get(f"{url}{export}")
            assert downloaded.status_code == 200 and downloaded.text.startswith("# Question")
    finally:
        blocks.close()


def test_without_a_reader_password_reading_is_open(app_module, shipped_assistant) -> None:  # noqa: F811
    options = app_module.launch_options(shipped_assistant.settings)
    assert "auth" not in options and shipped_assistant.settings.reader_password is None
