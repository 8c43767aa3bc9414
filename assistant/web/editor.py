"""The editors' side of the app, without the UI: who may edit, uploads, report and status rows.

Editing is open only when TOOLBOX_EDITOR_PASSWORD is set, and only to sessions that gave it.
A login hands the session a random token, kept on the server with the session id Gradio gives
each browser tab (or API client) and its expiry; every editor call must bring both. The
session id alone is no key: it travels in URLs (proxy logs) and Gradio fills a session's
server-side state for anyone who names it, so the token comes back from the browser with each
call instead. The password is compared in constant time and never logged; failed logins are
rate-limited per client address and per proxy (assistant/web/auth.py).
"""

from __future__ import annotations

import hmac
import html
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.service import Assistant
from assistant.web.auth import FAILED_LOGIN_DELAY, Client, LoginLimiter, same_secret
from ingest.core.diskfull import disk_full_explained
from ingest.core.errors import DiskFull, FileProblem, NotAnEditor, TooManyLogins
from ingest.core.progress import Eta, ProgressCallback, ProgressEvent, no_progress
from ingest.index.status import IndexStatus
from ingest.parse.uploads import check_upload, safe_name
from ingest.pipeline.run import FileResult, IngestReport
from ingest.pipeline.worker import ingest_in_worker

__all__ = ["SESSION_SECONDS", "REPORT_HEADERS", "STATUS_HEADERS", "EditorGate", "LoginView",
           "IngestView", "log_in", "editor_ingest", "editor_status", "ingest_uploads",
           "report_rows", "status_rows"]

log = logging.getLogger(__name__)

SESSION_SECONDS = 8 * 3600
REPORT_HEADERS = ["file", "status", "chunks", "detail"]
STATUS_HEADERS = ["id", "kind", "title", "chunks", "ingested (UTC)", "superseded by", "path"]


class EditorGate:
    def __init__(self, password: str | None, limiter: LoginLimiter | None = None,
                 delay: float = FAILED_LOGIN_DELAY,
                 proxy_limiter: LoginLimiter | None = None) -> None:
        self._password = password or ""
        self._sessions: dict[str, tuple[str, float]] = {}  # token -> session, expiry
        self._lock = threading.Lock()
        self.limiter = limiter or LoginLimiter()
        self.proxy_limiter = proxy_limiter or LoginLimiter(
            max_failures=self.limiter.max_failures * 10, window=self.limiter.window)
        self.delay = delay

    @property
    def enabled(self) -> bool:
        return bool(self._password)

    def login(self, session: str | None, attempt: str | None,
              client: Client | None = None) -> str | None:
        """A new session token when the attempt is the password, else None. Raises
        TooManyLogins while `client` (its address; the session when unknown) or the proxy it
        came through is locked out, before comparing."""
        key = client.address if client else f"session:{session}"
        proxy = f"proxy:{client.proxy}" if client and client.proxy else None
        self.limiter.check(key)
        if proxy:
            self.proxy_limiter.check(proxy)
        if not (session and same_secret(attempt, self._password)):
            self.limiter.failed(key)
            if proxy:
                self.proxy_limiter.failed(proxy)
            log.warning("failed editor login from %s", key)  # never the attempt itself
            time.sleep(self.delay)
            return None
        self.limiter.succeeded(key)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = (str(session), time.monotonic() + SESSION_SECONDS)
        return token

    def logout(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(str(token), None)

    def allowed(self, session: str | None, token: str | None) -> bool:
        """Whether `token` came from a login in this very `session` and has not expired."""
        with self._lock:
            held = self._sessions.get(str(token))
        if not (self.enabled and session and held):
            return False
        return hmac.compare_digest(held[0], str(session)) and held[1] > time.monotonic()

    def require(self, session: str | None, token: str | None) -> None:
        if not self.allowed(session, token):
            raise NotAnEditor("editor login required: enter the editor password first")


def ingest_uploads(assistant: Assistant, uploads: list[str], supersedes: str = "",
                   progress: ProgressCallback = no_progress) -> IngestReport:
    """Keep uploaded files under the data dir (the index refers to them), then ingest them."""
    folder = (assistant.settings.data_dir / "uploads").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    kept: list[Path] = []
    refused: list[FileResult] = []
    for upload in uploads:
        try:
            name = safe_name(Path(upload).name)
            check_upload(Path(upload), name, assistant.settings.max_file_mb * 1_000_000)
        except FileProblem as problem:
            refused.append(FileResult(problem.path, "failed", problem.problem))
            continue
        target = folder / name
        if target.resolve().parent != folder:  # safe_name leaves no way out; checked anyway
            refused.append(FileResult(name, "failed", "file name refused"))
            continue
        try:
            with disk_full_explained(folder, "keeping the uploaded files"):
                shutil.copyfile(upload, target)
        except DiskFull:
            target.unlink(missing_ok=True)
            raise
        kept.append(target)
    editions = {kept[0]: supersedes.strip()} if supersedes.strip() and len(kept) == 1 else None
    if supersedes.strip() and len(kept) != 1:
        refused.append(FileResult("", "failed", "a supersedes id needs exactly one file"))
        kept = []
    report = IngestReport()
    if kept:  # in a worker process with a memory and time limit (ingest/pipeline/worker.py)
        try:
            report = ingest_in_worker(assistant.settings, kept, editions, progress)
        finally:
            assistant.follow_other_writer()
    report.results[:0] = refused
    return report


def report_rows(report: IngestReport) -> list[list[object]]:
    return [[Path(r.path).name, r.status, r.chunks, r.detail] for r in report.results]


def status_rows(status: IndexStatus) -> list[list[object]]:
    return [[s.id, s.kind, s.title, s.chunks, s.ingested_at.replace("T", " ")[:16],
             s.superseded_by, s.path] for s in (*status.documents, *status.tools)]


@dataclass(frozen=True)
class LoginView:
    """A login's outcome: the token ("" when refused), the message, and the status shown."""

    token: str
    message: str = ""
    summary: str = ""
    rows: list[list[object]] = field(default_factory=list)


@dataclass(frozen=True)
class IngestView:
    rows: list[list[object]]
    summary: str
    status_summary: str
    status_rows: list[list[object]]


def editor_status(assistant: Assistant) -> tuple[str, list[list[object]]]:
    """The knowledge base's summary line (escaped for Markdown) and its table rows."""
    status = assistant.status()
    return html.escape(status.summary()), status_rows(status)


def log_in(assistant: Assistant, gate: EditorGate, session: str | None, password: str,
           client: Client | None, texts: dict[str, str]) -> LoginView:
    """The Ingest tab's login; `texts` are the page's (wrong_password, locked)."""
    try:
        token = gate.login(session, password, client)
    except TooManyLogins as err:
        return LoginView("", texts["locked"].format(seconds=err.wait_seconds))
    if token is None:
        return LoginView("", texts["wrong_password"])
    return LoginView(token, "", *editor_status(assistant))


def editor_ingest(assistant: Assistant, gate: EditorGate, session: str | None, token: str,
                  files: list[str], supersedes: str,
                  show: Callable[[float, str], None]) -> IngestView:
    """Ingest uploads for a logged-in session (NotAnEditor for any other, whoever calls);
    `show` gets the share done and what is being done, with the time left."""
    gate.require(session, token)
    eta = Eta()

    def progress(event: ProgressEvent) -> None:
        if event.stage in ("files", "chunks") and event.total:
            show(event.done / event.total, eta.describe(event))

    report = ingest_uploads(assistant, files, supersedes, progress)
    return IngestView(report_rows(report), html.escape(report.summary()),
                      *editor_status(assistant))
