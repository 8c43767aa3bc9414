"""Which PDF files the app may serve, so a cited passage can open its document at its page.

Only documents the knowledge base holds are served, looked up by document id in the store's
manifest: a request names an id, never a path, so no request can reach another file.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from ingest.index.store import Store

__all__ = ["ROUTE", "DocumentFiles", "routes", "signed_in"]

ROUTE = "/documents"
_NAME = re.compile(r"^([a-z0-9][a-z0-9-]*)\.pdf$")


class DocumentFiles:
    """PDF documents by id, reread from the manifest when the store's revision moves."""

    def __init__(self, store: Store, revision: Callable[[], int]) -> None:
        """`revision`: the read side's current store revision (cheap to ask; see retrieve.py)."""
        self._store = store
        self._revision = revision
        self._lock = threading.Lock()
        self._seen: int | None = None
        self._paths: dict[str, Path] = {}

    def _current(self) -> dict[str, Path]:
        revision = self._revision()
        with self._lock:
            if revision != self._seen:
                self._paths = {r.doc_id: Path(r.path) for r in self._store.manifest().values()
                               if r.kind == "document" and r.path.lower().endswith(".pdf")}
                self._seen = revision
            return self._paths

    def url(self, doc_id: str) -> str | None:
        """The app URL of a document's PDF (add `#page=N`), or None when it is not a PDF."""
        return f"{ROUTE}/{doc_id}.pdf" if doc_id in self._current() else None

    def path(self, name: str) -> Path | None:
        """The file for a requested name `<doc id>.pdf`; None for anything else."""
        match = _NAME.match(name)
        if not match:
            return None
        path = self._current().get(match.group(1))
        return path if path is not None and path.is_file() else None


def routes(files: DocumentFiles) -> list[Route]:
    """GET /documents/<doc id>.pdf for the app (mounted with Gradio's `app_kwargs`): the PDF,
    shown inline so a link's #page=N opens that page."""
    def document(request: Request) -> Response:
        if not signed_in(request):
            return PlainTextResponse("Not authenticated.", status_code=401)
        path = files.path(request.path_params["name"])
        if path is None:
            return PlainTextResponse("No such document.", status_code=404)
        return FileResponse(path, media_type="application/pdf",
                            headers={"Content-Disposition": "inline",
                                     "X-Content-Type-Options": "nosniff"})
    return [Route(f"{ROUTE}/{{name}}", document, methods=["GET", "HEAD"])]


def signed_in(request: Request) -> bool:
    """Whether the reader gate (TOOLBOX_READER_PASSWORD) lets this request through. Routes
    mounted beside Gradio's are outside its login check, so this asks the same session table
    Gradio's own `get_current_user` does: no auth configured, or a cookie naming a session."""
    app = request.app
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return True
    cookie_id = getattr(app, "cookie_id", "")
    token = (request.cookies.get(f"access-token-{cookie_id}")
             or request.cookies.get(f"access-token-unsecure-{cookie_id}"))
    return token is not None and token in getattr(app, "tokens", {})
