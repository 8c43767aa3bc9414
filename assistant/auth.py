"""Passwords of the app: failed-login rate limits, and the optional reader password.

Guessing is slowed twice: every failed attempt waits (so one client cannot try fast), and a
client with too many failures in the window is refused outright, right password or not, until
the oldest failure ages out. Clients are keyed by address: a new browser session is free to
make, an address is not (behind a reverse proxy every client shares the proxy's address, so a
guesser there locks out the editors too; see SECURITY.md). Attempts are compared in constant
time and never logged.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from ingest.errors import ToolboxError
from ingest.settings import Settings

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 900.0
FAILED_LOGIN_DELAY = 1.0


class TooManyLogins(ToolboxError):
    """This client failed to log in too often; it must wait `wait_seconds`."""

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(f"too many failed logins; try again in {wait_seconds} s")
        self.wait_seconds = wait_seconds


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
    size cap, and the app's own routes (the document PDFs, which check the same gate)."""
    options: dict[str, Any] = {"max_file_size": f"{settings.max_file_mb}mb",
                               "app_kwargs": {"routes": list(routes)}}
    if settings.reader_password:
        options["auth"] = reader_auth(settings.reader_password)
        options["auth_message"] = "Resilience Toolbox Assistant: enter the reader password."
    return options
