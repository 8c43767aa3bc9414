"""The editors' side of the app, without the UI: who may edit, uploads, report and status rows.

Editing is open only when TOOLBOX_EDITOR_PASSWORD is set, and only to sessions that gave it.
The check is on the server, keyed by the session id Gradio gives each browser tab (or API
client), so calling an editor endpoint directly without logging in is refused too. The
password is compared in constant time and never logged; failed logins are rate-limited per
client address (assistant/auth.py).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from assistant.auth import FAILED_LOGIN_DELAY, LoginLimiter, same_secret
from assistant.service import Assistant
from ingest.diskfull import DiskFull, disk_full_explained
from ingest.errors import FileProblem
from ingest.pipeline import FileResult, IngestReport
from ingest.progress import ProgressCallback, no_progress
from ingest.status import IndexStatus
from ingest.uploads import check_upload, safe_name
from ingest.worker import ingest_in_worker

log = logging.getLogger(__name__)

SESSION_SECONDS = 8 * 3600
REPORT_HEADERS = ["file", "status", "chunks", "detail"]
STATUS_HEADERS = ["id", "kind", "title", "chunks", "ingested (UTC)", "superseded by", "path"]


class NotAnEditor(PermissionError):
    """The session did not log in with the editor password."""


class EditorGate:
    def __init__(self, password: str | None, limiter: LoginLimiter | None = None,
                 delay: float = FAILED_LOGIN_DELAY) -> None:
        self._password = password or ""
        self._sessions: dict[str, float] = {}
        self._lock = threading.Lock()
        self.limiter = limiter or LoginLimiter()
        self.delay = delay

    @property
    def enabled(self) -> bool:
        return bool(self._password)

    def login(self, session: str | None, attempt: str | None, client: str | None = None) -> bool:
        """Open the session when the attempt is the password. Raises TooManyLogins while
        `client` (its address; the session when unknown) is locked out, before comparing."""
        key = client or f"session:{session}"
        self.limiter.check(key)
        if not (session and same_secret(attempt, self._password)):
            self.limiter.failed(key)
            log.warning("failed editor login from %s", key)  # never the attempt itself
            time.sleep(self.delay)
            return False
        self.limiter.succeeded(key)
        with self._lock:
            self._sessions[str(session)] = time.monotonic() + SESSION_SECONDS
        return True

    def logout(self, session: str | None) -> None:
        with self._lock:
            self._sessions.pop(str(session), None)

    def allowed(self, session: str | None) -> bool:
        with self._lock:
            expires = self._sessions.get(str(session))
            return self.enabled and expires is not None and expires > time.monotonic()

    def require(self, session: str | None) -> None:
        if not self.allowed(session):
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
    if kept:  # in a worker process with a memory and time limit (ingest/worker.py)
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
