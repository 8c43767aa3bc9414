"""Server mode's failure boundary: a Chroma client whose lost connections become StoreUnavailable.

chromadb's HttpClient raises httpx's transport errors (connection refused, a response cut off
when the server dies mid-request) as they are; wrapped, the CLI prints one line and the app one
sentence. Nothing is cached here: the same client (and the collections it handed out) works
again as soon as the server is back, so the app recovers without a restart.

A server that accepts connections but never answers (stopped with SIGSTOP, swapped out, stuck)
would hang every request: chromadb 1.5 builds its httpx session with `timeout=None` and has no
setting for it (chroma-core/chroma#5805). `bound` sets one on that session, and `preflight`
bounds the requests HttpClient makes while it is being built, before `bound` can reach them.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import httpx

from ingest.core.errors import StoreUnavailable

__all__ = ["Guarded", "preflight", "bound", "unavailable"]

log = logging.getLogger(__name__)


class Guarded:
    """Proxy of a chromadb client or collection; calls that lose the server raise
    StoreUnavailable, and collections it returns are guarded too."""

    def __init__(self, target: Any, url: str, timeout: float) -> None:
        self._target = target
        self._url = url
        self._timeout = timeout

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = value(*args, **kwargs)
            except httpx.TransportError as err:
                raise unavailable(self._url, err, self._timeout) from None
            if _is_collection(result):
                return Guarded(result, self._url, self._timeout)
            return result

        return call


def preflight(base: str, url: str, timeout: float) -> None:
    """Raise StoreUnavailable (naming `url`) unless the server at `base` (scheme, host and
    port, as HttpClient reaches it) answers a heartbeat within `timeout` seconds.

    HttpClient's constructor sends requests with no timeout; a server frozen between this
    check and those requests still hangs it (a window of milliseconds, once per process)."""
    try:
        httpx.get(f"{base}/api/v2/heartbeat", timeout=timeout)
    except httpx.TransportError as err:
        raise unavailable(url, err, timeout) from None


def bound(client: Any, timeout: float) -> None:
    """Give every later request of a chromadb HttpClient a timeout of `timeout` seconds."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):  # tests/test_server_faults.py notices this
        log.warning("cannot set a request timeout on this chromadb client; a Chroma server "
                    "that stops answering will hang requests")
        return
    session.timeout = httpx.Timeout(timeout)


def unavailable(url: str, err: BaseException, timeout: float) -> StoreUnavailable:
    cause = f"{err.__class__.__name__}: {err or 'no response'}"
    if isinstance(err, httpx.TimeoutException):  # accepted the connection, then went quiet
        return StoreUnavailable(
            f"the Chroma server at {url} did not answer within {timeout:g} s ({cause}); is it "
            "overloaded or stopped? Try again when it answers (TOOLBOX_CHROMA_TIMEOUT sets the "
            "wait); nothing needs a restart")
    return StoreUnavailable(f"the Chroma server at {url} does not answer ({cause}); is `chroma "
                            "run` up? Try again when it is back; nothing needs a restart")


def _is_collection(value: Any) -> bool:
    return type(value).__name__ == "Collection" and hasattr(value, "query")
