"""Passwords of the app: failed-login rate limits, and the optional reader password.

Guessing is slowed twice: every failed attempt waits (so one client cannot try fast), and a
client with too many failures in the window is refused outright, right password or not, until
the oldest failure ages out. Clients are keyed by address: a new browser session is free to
make, an address is not. The address is the right-most one of X-Forwarded-For plus the socket
peer that is not a trusted proxy (TOOLBOX_TRUSTED_PROXIES): each proxy appends the address it
saw, so what a client wrote to the left changes nothing. A client that reaches the app from a
trusted address directly can still name any address; all clients passing one proxy together
are therefore held to a larger limit too. Attempts are compared in constant time and never
logged.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.middleware import Middleware

from assistant.web.upload_space import UploadSpace
from ingest.core.errors import ConfigError, TooManyLogins
from ingest.core.settings import Settings

__all__ = ["MAX_FAILURES", "WINDOW_SECONDS", "FAILED_LOGIN_DELAY", "UPLOAD_SECONDS", "Network",
           "LoginLimiter", "Client", "trusted_networks", "client_of", "client_of_request",
           "same_secret", "reader_auth", "launch_options"]

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 900.0
FAILED_LOGIN_DELAY = 1.0
UPLOAD_SECONDS = 3600  # how long uploads and the app's other served files are kept

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class LoginLimiter:
    """At most `max_failures` failed logins per client within `window` seconds."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Raise TooManyLogins while the client is locked out."""
        with self._lock:
            failures = self._recent(client)
            if len(failures) >= self.max_failures:
                wait = int(failures[0] + self.window - self._clock()) + 1
                raise TooManyLogins(wait)

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self._clock())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] <= self._clock() - self.window:
            failures.popleft()
        return failures


@dataclass(frozen=True)
class Client:
    """Who is logging in: `address` keys the lockout; `proxy` is the trusted peer it came
    through, if any."""

    address: str
    proxy: str | None = None


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """TOOLBOX_TRUSTED_PROXIES as networks: addresses or CIDR networks, comma-separated."""
    if setting.strip().lower() in ("", "none"):
        return ()
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False)
                     for part in setting.split(",") if part.strip())
    except ValueError as err:
        raise ConfigError(f"TOOLBOX_TRUSTED_PROXIES: {err}; give addresses or networks "
                         "separated by commas, or none") from None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_of(peer: str | None, forwarded_for: Iterable[str],
              trusted: Sequence[Network]) -> Client | None:
    """The right-most address of the X-Forwarded-For chain (every header, in order) plus the
    socket `peer` that is not a trusted proxy; None without a peer. Entries that are no
    address end the walk: only a client writes them, so they count as that client."""
    if not peer:
        return None
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    hops.append(peer)
    proxy = None
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return Client(hop.strip()[:100], proxy)
        if not any(address in network for network in trusted):
            return Client(str(address), proxy)
        proxy = proxy or str(address)
    return Client(str(_address(hops[0])), proxy)  # proxies all the way: the left-most


def client_of_request(request: Any, trusted: Sequence[Network]) -> Client | None:
    """`client_of` for a Starlette or Gradio request (its socket peer and raw headers)."""
    peer = request.client.host if getattr(request, "client", None) else None
    headers = getattr(request, "headers", None)
    getlist = getattr(headers, "getlist", None)
    if callable(getlist):
        forwarded = list(getlist("x-forwarded-for"))
    else:  # a request Gradio rebuilt from a plain dict: one header left
        forwarded = [headers.get("x-forwarded-for", "")] if isinstance(headers, dict) else []
    return client_of(peer, forwarded, trusted)


def same_secret(attempt: str | None, secret: str | None) -> bool:
    """Constant-time comparison; no secret set means nobody matches."""
    return bool(secret) and hmac.compare_digest((attempt or "").encode(), (secret or "").encode())


def reader_auth(password: str, limiter: LoginLimiter | None = None,
                delay: float = FAILED_LOGIN_DELAY) -> Callable[[str, str], bool]:
    """Gradio's `auth` callable for TOOLBOX_READER_PASSWORD: any user name, that password.

    Gradio does not tell it the client's address, so failures count for all clients together,
    with a generous limit: a guesser delays new reader logins, never open sessions.
    """
    limiter = limiter or LoginLimiter(max_failures=50, window=60.0)

    def check(username: str, password_given: str) -> bool:
        try:
            limiter.check("readers")
        except TooManyLogins:
            log.warning("reader login refused: too many failed logins")
            return False
        if same_secret(password_given, password):
            return True
        limiter.failed("readers")
        log.warning("failed reader login")  # never the attempt itself
        time.sleep(delay)
        return False

    return check


def launch_options(settings: Settings, routes: Sequence[Any] = ()) -> dict[str, Any]:
    """What Gradio's `launch` needs beyond host and port: the reader password gate, the upload
    caps (per file, per request, in all), and the app's own routes (the document PDFs, which
    check the same gate)."""
    file_bytes = settings.max_file_mb * 1_000_000
    total_bytes = settings.upload_space_mb * 1_000_000
    # Without editors the one upload is the Evaluate tab's BEIR zip: one file per request.
    request_bytes = total_bytes if settings.editor_password else file_bytes + 64_000
    space = Middleware(UploadSpace, folder=settings.upload_cache, request_bytes=request_bytes,
                       total_bytes=total_bytes, age=UPLOAD_SECONDS)
    options: dict[str, Any] = {"max_file_size": f"{settings.max_file_mb}mb",
                               "app_kwargs": {"routes": list(routes), "middleware": [space]}}
    if settings.reader_password:
        options["auth"] = reader_auth(settings.reader_password)
        options["auth_message"] = "Resilience Toolbox Assistant: enter the reader password."
    return options
