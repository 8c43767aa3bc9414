"""Server mode's failure boundary: a Chroma client whose lost connections become StoreUnavailable.

chromadb's HttpClient raises httpx's transport errors (connection refused, a response cut off
when the server dies mid-request) as they are; wrapped, the CLI prints one line and the app one
sentence. Nothing is cached here: the same client (and the collections it handed out) works
again as soon as the server is back, so the app recovers without a restart.
"""

from __future__ import annotations

import functools
from typing import Any

import httpx

from ingest.errors import StoreUnavailable


class Guarded:
    """Proxy of a chromadb client or collection; calls that lose the server raise
    StoreUnavailable, and collections it returns are guarded too."""

    def __init__(self, target: Any, url: str) -> None:
        self._target = target
        self._url = url

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = value(*args, **kwargs)
            except httpx.TransportError as err:
                raise unavailable(self._url, err) from None
            return Guarded(result, self._url) if _is_collection(result) else result

        return call


def unavailable(url: str, err: BaseException) -> StoreUnavailable:
    return StoreUnavailable(f"the Chroma server at {url} does not answer "
                            f"({err.__class__.__name__}: {err or 'no response'}); is `chroma run` "
                            "up? Try again when it is back; nothing needs a restart")


def _is_collection(value: Any) -> bool:
    return type(value).__name__ == "Collection" and hasattr(value, "query")
