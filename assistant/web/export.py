"""An answer as Markdown, with its tools and sources, for staff to keep or forward; and the
answers kept for the chat's download link, rendered only when someone follows it."""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from assistant.answer.compose import Answer
from assistant.answer.evidence import chip_filters, stated_chips, why, why_text
from assistant.answer.funding_card import TEXTS as FUNDING_TEXTS
from assistant.answer.funding_card import funding_rows
from assistant.answer.labels import chip_label, texts, tool_name, value_label
from assistant.query.filters import Filters
from assistant.web import present
from assistant.web.chips import filter_chips
from assistant.web.documents import signed_in
from ingest.core.records import Tool

__all__ = ["MAX_QUOTE", "to_markdown", "ROUTE", "ExportedAnswers", "routes"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
MAX_QUOTE = 400


def _md(text: str) -> str:
    """Text from the knowledge base or the user, inert in Markdown (no links, tags, emphasis)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def to_markdown(answer: Answer, filters: Filters = Filters()) -> str:
    """The question, what was searched, the answer, the ranked tools with why, and the sources."""
    t = texts(answer.language)
    asked = filters.merged(chip_filters(answer.chips))
    searched = answer.search_query or answer.query
    lines = [f"# {t['question']}", "", f"> {_md(answer.query)}", ""]
    if answer.search_query:
        lines += [f"_{t['searched_for']}: {_md(answer.search_query)}_", ""]
    chosen = filter_chips(filters)
    implied = [c for c in stated_chips(answer.chips) if c not in chosen]
    if chosen or implied:
        labels = [chip_label(c, answer.language) for c in chosen] + [
            chip_label(c, answer.language, inferred=True) for c in implied]
        lines += [f"{t['filters']}: {_md('; '.join(labels))}", ""]
    lines += [f"## {t['answer']}", "", _md(answer.text), "", f"## {t['tools']}", ""]
    if not answer.tools:
        lines += [t["no_tools"], ""]
    for rank, ranked in enumerate(answer.tools, start=1):
        tool = ranked.tool
        shown = _md(tool_name(tool, answer.language))
        name = f"[{shown}](<{tool.url}>)" if tool.url else shown
        kind = value_label(tool.kind, answer.language)
        meta = " · ".join(_md(x) for x in (tool.provider or "", kind) if x)
        lines.append(f"{rank}. **{name}** ({meta})")
        reasons = why_text(why(ranked, searched, asked), answer.language)
        lines.append(f"   - {t['why']}: {_md(reasons)}")
        lines += _funding_markdown(tool, answer.language)
        for hit in ranked.passages:
            lines.append(f"   - {_md(hit.chunk.title)}, {t['page']} {hit.chunk.page_start}")
        experiences = present.experiences_markdown(tool, answer.language)
        lines += [f"   {line}" for line in experiences.splitlines()]
    lines += ["", f"## {t['sources']}", ""]
    if not answer.passages:
        lines += [t["no_passages"], ""]
    for number, hit in enumerate(answer.passages, start=1):
        chunk = hit.chunk
        quote = chunk.text if len(chunk.text) <= MAX_QUOTE else chunk.text[:MAX_QUOTE] + " …"
        lines += [f"\\[{number}\\] {_md(chunk.title)}, {t['page']} {chunk.page_start}",
                  f"   > {_md(quote)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _funding_markdown(tool: Tool, language: str) -> list[str]:
    """A programme's funding facts, its status and its provenance (none for other tools)."""
    if tool.funding is None:
        return []
    t = FUNDING_TEXTS.get(language, FUNDING_TEXTS["en"])
    rows = [f"   - {_md(name)}: {_md(value)}" for name, value in funding_rows(tool, language)]
    source = f"{t['source']}: {tool.funding.source} ({t['checked']} {tool.funding.checked})"
    return [*rows, f"   - {t['status']}", f"   - {_md(source)}"]


ROUTE = "/exports"
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{16})\.md$")


class ExportedAnswers:
    """The chat's recent answers by an unguessable token, for their download links.

    An answer is rendered as Markdown only when its link is followed: most never are, and
    writing a file for each (which gradio then copied into its cache for a download button)
    cost about 3 ms of the interpreter lock per answer, 6% of it (py-spy, 16 users). An answer
    is kept `keep_seconds`, and at most `max_answers` are kept, the oldest dropped first.
    """

    def __init__(self, keep_seconds: float = 3600.0, max_answers: int = 2000) -> None:
        self.keep_seconds = keep_seconds
        self.max_answers = max_answers
        self._answers: OrderedDict[str, tuple[float, Answer, Filters]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, answer: Answer, filters: Filters = Filters()) -> str:
        """Keep `answer`; returns the app path that downloads it as Markdown."""
        token = secrets.token_urlsafe(12)  # 16 characters
        now = time.monotonic()
        with self._lock:
            self._answers[token] = (now, answer, filters)
            while self._answers and (len(self._answers) > self.max_answers or
                                     next(iter(self._answers.values()))[0]
                                     < now - self.keep_seconds):
                self._answers.popitem(last=False)
        return f"{ROUTE}/{token}.md"

    def markdown(self, name: str) -> str | None:
        """The Markdown for a requested `<token>.md`; None when unknown or expired."""
        match = _TOKEN.match(name)
        with self._lock:
            kept = self._answers.get(match.group(1)) if match else None
        if kept is None or kept[0] < time.monotonic() - self.keep_seconds:
            return None
        return to_markdown(kept[1], kept[2])


def routes(exports: ExportedAnswers) -> list[Route]:
    """GET /exports/<token>.md for the app: the answer as a Markdown download, behind the same
    reader gate as the app (assistant/web/documents.py)."""
    def export(request: Request) -> Response:
        if not signed_in(request):
            return PlainTextResponse("Not authenticated.", status_code=401)
        name = request.path_params["name"]
        markdown = exports.markdown(name)
        if markdown is None:
            return PlainTextResponse("No such answer (answers are kept for an hour).",
                                     status_code=404)
        download = f'attachment; filename="answer-{name[:8]}.md"'
        return Response(markdown, media_type="text/markdown; charset=utf-8",
                        headers={"Content-Disposition": download,
                                 "X-Content-Type-Options": "nosniff"})
    return [Route(f"{ROUTE}/{{name}}", export, methods=["GET", "HEAD"])]
