"""The disk space anyone may fill through the app's upload route, bounded and given back.

Gradio's `/gradio_api/upload` takes files from anyone who can load the page (the Evaluate tab
uploads a BEIR zip without a login) and caps each file (`max_file_size`), not a request (up to
1,000 files) nor their sum over time. This ASGI middleware, in front of it, refuses a request
whose declared body is over its cap, cuts one that sends more than it declared, and refuses
uploads while those of the last `age` seconds would hold more than `total_bytes` of disk (each
part of a multipart body charged at least one block and a folder, so many tiny files count as
what they cost). It also deletes what lies in the upload folder longer than `age`: Gradio's
`delete_cache` forgets files it never recorded (an upload cut off midway, a restart).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

__all__ = ["UPLOAD_PATH", "PART_BYTES", "SWEEP_SECONDS", "Scope", "Message", "Receive", "Send",
           "UploadSpace"]

log = logging.getLogger(__name__)

UPLOAD_PATH = "/gradio_api/upload"
PART_BYTES = 8192  # a file's block and its folder's, on a 4 KB-block file system
SWEEP_SECONDS = 60.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class UploadSpace:
    """ASGI middleware bounding what `UPLOAD_PATH` may write to `folder`."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], folder: Path,
                 request_bytes: int, total_bytes: int, age: float = 3600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.folder = Path(folder)
        self.request_bytes = request_bytes
        self.total_bytes = total_bytes
        self.age = age
        self._clock = clock
        self._charges: deque[tuple[float, int]] = deque()  # when, bytes; oldest first
        self._lock = threading.Lock()
        self._swept = 0.0
        self._charge(self.sweep())  # a restart's leftovers still take space until swept

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" \
                or not scope["path"].endswith(UPLOAD_PATH):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is None:
            await _refuse(send, 411, "uploads must declare their Content-Length")
            return
        if declared > self.request_bytes:
            await _refuse(send, 413, f"upload of {declared / 1e6:.1f} MB is over the limit "
                                     f"of {self.request_bytes / 1e6:.1f} MB per request")
            return
        if self._clock() - self._swept > SWEEP_SECONDS:
            self.sweep()
        boundary = _boundary(scope)
        with self._lock:
            if self._used() + declared + PART_BYTES > self.total_bytes:
                log.warning("upload refused: the upload space (%d MB) is full",
                            self.total_bytes // 1_000_000)
                full = True
            else:
                full = False
                self._charges.append((self._clock(), declared + PART_BYTES))
        if full:
            await _refuse(send, 507, "the app's upload space is full; try again in an hour")
            return
        received, parts, tail = 0, 0, b""

        async def counted() -> Message:
            nonlocal received, parts, tail
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                received += len(body)
                if received > declared:  # more than it said: stop reading it
                    return {"type": "http.disconnect"}
                if boundary:
                    window = tail + body
                    parts += window.count(boundary)
                    tail = window[-len(boundary) + 1:]
            return message

        try:
            await self.app(scope, counted, send)
        finally:  # N parts have N + 1 boundaries; the first part was charged already
            self._charge(max(0, parts - 2) * PART_BYTES)

    def _charge(self, amount: int) -> None:
        if amount:
            with self._lock:
                self._charges.append((self._clock(), amount))

    def _used(self) -> int:
        """Bytes charged within `age` plus one sweep interval (when the files go); under the
        lock."""
        horizon = self._clock() - self.age - SWEEP_SECONDS
        while self._charges and self._charges[0][0] < horizon:
            self._charges.popleft()
        return sum(amount for _, amount in self._charges)

    def sweep(self) -> int:
        """Delete files older than `age` and emptied folders; the bytes still held."""
        self._swept = self._clock()
        if not self.folder.is_dir():
            return 0
        cutoff, held = self._clock() - self.age, 0
        for root, folders, files in os.walk(self.folder, topdown=False):
            for name in files:
                path = Path(root) / name
                try:
                    info = path.lstat()
                    if max(info.st_mtime, info.st_ctime) < cutoff:
                        path.unlink()
                    else:
                        held += max(info.st_size, info.st_blocks * 512) + PART_BYTES
                except OSError:
                    continue
            for name in folders:
                try:
                    (Path(root) / name).rmdir()  # only when empty
                except OSError:
                    continue
        return held


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    return int(value) if value and value.strip().isdigit() else None


def _boundary(scope: Scope) -> bytes:
    kind = _header(scope, b"content-type") or ""
    for option in kind.split(";")[1:]:
        key, _, value = option.strip().partition("=")
        if key.lower() == "boundary" and value.strip('"'):
            return b"--" + value.strip('"').encode("latin-1")
    return b""


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
