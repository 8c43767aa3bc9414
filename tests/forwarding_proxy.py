"""A loopback stand-in for the README's nginx: each request goes on to the app with the
connecting address appended to X-Forwarded-For, as `$proxy_add_x_forwarded_for` does (what the
client sent stays on the left). One request per connection; responses, streamed ones included,
are piped back as they come."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


def _forwarded(head: bytes, client: str) -> bytes:
    lines = head.decode("latin-1").split("\r\n")
    kept, sent = [lines[0]], []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "x-forwarded-for":
            sent.append(value.strip())
        elif name.strip().lower() != "connection" and line:
            kept.append(line)
    kept += [f"X-Forwarded-For: {', '.join([*sent, client])}", "Connection: close", "", ""]
    return "\r\n".join(kept).encode("latin-1")


@contextmanager
def forwarding_proxy(upstream_port: int) -> Iterator[int]:
    """Run the proxy on a free loopback port (yielded) in front of 127.0.0.1:`upstream_port`."""
    loop = asyncio.new_event_loop()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = writer.get_extra_info("peername")[0]
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        app_reader, app_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        app_writer.write(_forwarded(head[:-4], client))
        await asyncio.gather(_pipe(reader, app_writer), _pipe(app_reader, writer),
                             return_exceptions=True)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = loop.run_until_complete(asyncio.start_server(handle, sock=listener))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
