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

from assistant.service import Assistant
from assistant.web.auth import (
    Client,
    LoginLimiter,
    TooManyLogins,
    client_of,
    reader_auth,
    trusted_networks,
)
from assistant.web.editor import EditorGate

from .app_server import free_port as _free_port
from .conftest import copy_tools
from .forwarding_proxy import forwarding_proxy

pytestmark = pytest.mark.integration

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
    guesser = Client("10.0.0.9")
    assert not any(gate.login("s1", f"guess-{n}", guesser) for n in range(3))
    with pytest.raises(TooManyLogins):
        gate.login("s1", PASSWORD, guesser)
    with pytest.raises(TooManyLogins):  # a new session from the same address
        gate.login("s2", PASSWORD, guesser)
    token = gate.login("s3", PASSWORD, Client("10.0.0.10"))
    assert token and gate.allowed("s3", token)
    assert "guess-" not in caplog.text and PASSWORD not in caplog.text


def test_an_editor_session_needs_its_token_and_the_token_its_session() -> None:
    gate = EditorGate(PASSWORD, delay=0)
    token = gate.login("s1", PASSWORD, Client("10.0.0.1"))
    assert token and len(token) >= 40 and gate.allowed("s1", token)
    assert not gate.allowed("s1", None) and not gate.allowed("s1", "")
    assert not gate.allowed("s1", token[:-1] + "x")  # a guessed token
    assert not gate.allowed("s2", token)  # the token replayed from another session
    gate.logout(token)
    assert not gate.allowed("s1", token)


LOOPBACK = trusted_networks("127.0.0.1,::1")


@pytest.mark.parametrize(("peer", "chain", "trusted", "client", "proxy"), [
    ("10.0.0.5", [], LOOPBACK, "10.0.0.5", None),  # no proxy: the peer
    ("10.0.0.5", ["1.2.3.4"], LOOPBACK, "10.0.0.5", None),  # an untrusted peer's header: ignored
    ("127.0.0.1", ["10.0.0.5"], LOOPBACK, "10.0.0.5", "127.0.0.1"),  # nginx on this host
    ("127.0.0.1", ["6.6.6.6, 10.0.0.5"], LOOPBACK, "10.0.0.5", "127.0.0.1"),  # spoofed left
    ("127.0.0.1", ["6.6.6.6", "10.0.0.5"], LOOPBACK, "10.0.0.5", "127.0.0.1"),  # two headers
    ("127.0.0.1", ["::ffff:10.0.0.5"], LOOPBACK, "10.0.0.5", "127.0.0.1"),  # v4 as v6
    ("::1", ["7.7.7.7, 10.0.0.5, 192.168.1.2"], (*LOOPBACK, *trusted_networks("192.168.1.0/24")),
     "10.0.0.5", "::1"),  # two proxies deep
    ("127.0.0.1", ["10.0.0.5"], trusted_networks("none"), "127.0.0.1", None),  # trust none
    ("127.0.0.1", ["10.0.0.5, nonsense"], LOOPBACK, "nonsense", "127.0.0.1"),
    ("127.0.0.1", ["127.0.0.1"], LOOPBACK, "127.0.0.1", "127.0.0.1"),  # proxies all the way
])
def test_the_client_is_the_right_most_address_that_is_no_trusted_proxy(
        peer: str, chain: list[str], trusted, client: str, proxy: str | None) -> None:
    assert client_of(peer, chain, trusted) == Client(client, proxy)


def test_trusted_proxies_that_are_no_addresses_are_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="TOOLBOX_TRUSTED_PROXIES: .*nginx"):
        trusted_networks("127.0.0.1, nginx")


def test_reader_auth_accepts_only_the_password_and_slows_guessing() -> None:
    check = reader_auth(READER, LoginLimiter(max_failures=2, window=60), delay=0)
    assert check("anyone", READER) and not check("anyone", "nope")
    assert not check("x", "nope")
    assert not check("anyone", READER)  # locked after 2 failures: no more guessing for now


# -- over HTTP -------------------------------------------------------------------------------

class Raw:
    """Gradio's queue protocol by hand: any function by index, with any session id, exactly
    as a hostile client would call it (the UI's hidden events included)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None,
                 session: str | None = None, local_address: str = "127.0.0.1") -> None:
        self.url = url
        self.session = session or uuid.uuid4().hex
        self.headers = headers or {}
        self.local_address = local_address  # another loopback address: another client

    def call(self, fn_index: int, data: list) -> dict:
        transport = httpx.HTTPTransport(local_address=self.local_address)
        with httpx.Client(transport=transport, timeout=60) as client:
            return self._call(client, fn_index, data)

    def _call(self, client: httpx.Client, fn_index: int, data: list) -> dict:
        joined = client.post(f"{self.url}gradio_api/queue/join", json={
            "data": data, "fn_index": fn_index, "session_hash": self.session,
            "event_data": None, "trigger_id": None}, headers=self.headers)
        assert joined.status_code == 200, joined.text
        with client.stream("GET", f"{self.url}gradio_api/queue/data",
                           params={"session_hash": self.session}) as stream:
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
                                   "", ""]), ("refresh", [""])):
        refused = intruder.call(names[name], data)
        assert refused["success"] is False and "editor login required" in str(refused["output"])
    wrong = intruder.call(names["login"], ["not the password"])
    assert "Wrong password." in json.dumps(wrong["output"])
    assert intruder.call(names["refresh"], [""])["success"] is False
    assert {d.id for d in assistant.status().documents} == set()  # nothing was ingested


def test_a_logged_in_editor_cannot_pull_in_server_files(editor_app, tmp_path: Path) -> None:
    url, blocks, assistant = editor_app
    secret = tmp_path / "secret.md"
    secret.write_text("# Salaries\nconfidential\n", "utf-8")
    editor = Raw(url)
    names = _indexes(blocks)
    token = _token(editor.call(names["login"], [PASSWORD]))
    smuggled = editor.call(names["ingest"], [[{"path": str(secret),
                                               "meta": {"_type": "gradio.FileData"}}], "", token])
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
    assert locked.call(names["refresh"], [""])["success"] is False
    captured = capsys.readouterr()
    for secret in (PASSWORD, "guess-number-"):
        assert secret not in caplog.text + captured.out + captured.err


def _token(login: dict) -> str:
    assert login["success"], login
    token = login["output"]["data"][-1]
    assert isinstance(token, str) and len(token) >= 40
    return token


def test_behind_a_proxy_spoofed_forwarded_for_entries_change_nothing(editor_app) -> None:
    """Through a proxy that appends to X-Forwarded-For as the README's nginx does, a guesser
    naming a new address each try is locked out by its real one (here 127.0.0.2), the right
    password included, while a colleague (127.0.0.3) behind the same proxy logs in."""
    url, blocks, _ = editor_app
    names = _indexes(blocks)
    with forwarding_proxy(int(url.rsplit(":", 1)[1].strip("/"))) as port:
        proxied = f"http://127.0.0.1:{port}/"
        for attempt in range(4):
            guess = Raw(proxied, {"X-Forwarded-For": f"10.1.2.{attempt}"},
                        local_address="127.0.0.2")
            assert "Wrong password." in json.dumps(guess.call(names["login"], [f"g{attempt}"]))
        again = Raw(proxied, {"X-Forwarded-For": "10.9.9.9"}, local_address="127.0.0.2")
        out = json.dumps(again.call(names["login"], [PASSWORD]))
        assert "too many failed logins" in out
        colleague = Raw(proxied, local_address="127.0.0.3")
        token = _token(colleague.call(names["login"], [PASSWORD]))
        assert colleague.call(names["refresh"], [token])["success"] is True


def test_a_direct_client_naming_new_addresses_is_locked_out_with_its_proxy(editor_app) -> None:
    """Straight to the app from a trusted address (loopback), X-Forwarded-For names whom the
    client likes: every name gets its own count, but all of them together are one proxy's,
    held to ten times the limit; then the right password is refused too."""
    url, blocks, _ = editor_app
    names = _indexes(blocks)
    for attempt in range(40):
        spoofer = Raw(url, {"X-Forwarded-For": f"10.2.{attempt}.1"})
        assert "Wrong password." in json.dumps(spoofer.call(names["login"], ["guess"]))
    out = json.dumps(Raw(url, {"X-Forwarded-For": "10.3.0.1"}).call(names["login"], [PASSWORD]))
    assert "too many failed logins" in out


def test_a_replayed_session_id_without_the_login_token_is_refused(editor_app) -> None:
    """The session id travels in URLs; knowing it (and the token's place in the call) is not
    enough to edit."""
    url, blocks, _ = editor_app
    names = _indexes(blocks)
    editor = Raw(url)
    token = _token(editor.call(names["login"], [PASSWORD]))
    replay = Raw(url, session=editor.session, local_address="127.0.0.4")
    for guess in ("", "x" * 43, token[:-2] + "xx"):
        refused = replay.call(names["refresh"], [guess])
        assert refused["success"] is False and "editor login required" in str(refused["output"])
    elsewhere = Raw(url)  # the token from another session
    assert elsewhere.call(names["refresh"], [token])["success"] is False
    assert editor.call(names["refresh"], [token])["success"] is True


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
