"""Offline by construction: with every non-loopback connection refused (and every attempt
recorded), the models load, ingest, ask and evaluate run, and the app serves over HTTP; no
library so much as tried to reach out, and telemetry is off in each."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.core.settings import configure_offline

from .app_server import free_port as _free_port
from .beir_files import CORPUS, write_dataset
from .conftest import copy_tools, write_pdf

pytestmark = pytest.mark.integration

LOCAL_NAMES = {"localhost", "localhost.localdomain", "", None}


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths, socketpairs: local by nature
        return True
    host = address[0]
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_address(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%")[0])
        return True
    except ValueError:
        return False


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse, and record, every connection and name lookup that leaves the machine."""
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def refuse(what: object) -> OSError:
        attempts.append(repr(what))
        return OSError(errno.ENETUNREACH, f"network refused by the test's guard: {what!r}")

    def connect(sock: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            raise refuse(address)
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        if not _is_loopback(address):
            refuse(address)
            return errno.ENETUNREACH
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else host
        if name not in LOCAL_NAMES and not _is_address(name):  # a DNS lookup would leave
            attempts.append(f"lookup {name}")
            raise socket.gaierror(socket.EAI_NONAME, f"lookup refused by the guard: {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts


def test_the_guard_refuses_the_internet_and_allows_loopback(no_network: list[str]) -> None:
    with pytest.raises(OSError, match="refused by the test's guard"):
        socket.create_connection(("93.184.216.34", 443), timeout=2)
    with pytest.raises(OSError):
        socket.create_connection(("example.org", 443), timeout=2)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=2).close()
    assert no_network == ["('93.184.216.34', 443)", "lookup example.org"]


def test_ingest_ask_evaluate_and_the_app_work_with_the_network_refused(
        no_network: list[str], app_module, settings, tmp_path: Path) -> None:  # noqa: F811
    from gradio_client import Client

    from assistant.service import Assistant

    configure_offline()
    # Gradio rewrites HF_HUB_DISABLE_TELEMETRY as "True"; each library reads 1/true alike.
    for name, value in (("HF_HUB_OFFLINE", "1"), ("HF_HUB_DISABLE_TELEMETRY", "1"),
                        ("TRANSFORMERS_OFFLINE", "1"), ("GRADIO_ANALYTICS_ENABLED", "0"),
                        ("ANONYMIZED_TELEMETRY", "0")):
        assert {"1": "1", "true": "1", "0": "0", "false": "0"}[os.environ[name].lower()] == value
    kb = copy_tools(tmp_path / "kb", ["dwd-hitzewarnsystem", "efas", "ufz-duerremonitor"])
    write_pdf(kb / "heat-guide.pdf", ["Care homes need heat warnings and cool rooms."],
              title="Heat guide")

    assistant = Assistant(settings)  # both models load here, under the guard
    assert assistant.store._client.get_settings().anonymized_telemetry is False
    report = assistant.ingest([kb])
    assert not report.failed and len(report.results) == 4
    answer = assistant.ask("heat warnings for care homes")
    assert answer.tools[0].tool.id == "dwd-hitzewarnsystem"
    assert answer.passages[0].chunk.doc_id == "heat-guide"
    evaluation = assistant.evaluate(write_dataset(tmp_path / "ds", corpus=CORPUS), None,
                                    ["bm25", "hybrid"])
    assert set(evaluation.results) == {"bm25", "hybrid"}

    blocks = app_module.build_app(assistant)
    assert blocks.analytics_enabled is False
    port = _free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                  quiet=True, footer_links=[])
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        _, tools, sources, *_ = client.predict("drought monitoring maps", [], [], [], [], [],
                                               [], [], api_name="/ask")
        assert "tool-card" in tools and "Dürremonitor" in tools
        # gradio's per-event monitoring summary (a pandas frame over past events) never ran.
        assert blocks._queue.cached_event_analytics_summary == {"functions": {}}
    finally:
        blocks.close()
    assert no_network == [], f"something tried to go online: {no_network}"


@pytest.mark.slow
def test_command_line_works_in_a_network_namespace_with_only_loopback(tmp_path: Path) -> None:
    """The guard above sees Python's sockets only; native code (chromadb's Rust core, torch)
    could go around it. A network namespace with nothing but loopback (needs root) leaves no
    way out for any code: ingest and ask must still work there."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2)")
    kb = copy_tools(tmp_path / "kb", ["dwd-hitzewarnsystem", "efas"])
    env = {**os.environ, "TOOLBOX_DATA_DIR": str(tmp_path / "data")}
    python = sys.executable
    script = (f"ip link set lo up && {python} -m assistant ingest {kb} && "
              f"{python} -m assistant ask 'heat warnings for care homes' --top-k 1")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here (needs root): {probe.stderr}")
    result = subprocess.run(["unshare", "-n", "sh", "-c", script], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 files: 2 indexed" in result.stdout
    assert "DWD heat warning system" in result.stdout
