"""An answer as Markdown, with its tools and sources, for staff to keep or forward; and the
folder the chat's download button serves those files from."""

from __future__ import annotations

import re
import tempfile
import time
import uuid
from pathlib import Path

from assistant import present
from assistant.answer import Answer
from assistant.evidence import chip_filters, why, why_text
from assistant.filters import Filters
from assistant.labels import texts, value_label

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
    lines += [f"## {t['answer']}", "", _md(answer.text), "", f"## {t['tools']}", ""]
    if not answer.tools:
        lines += [t["no_tools"], ""]
    for rank, ranked in enumerate(answer.tools, start=1):
        tool = ranked.tool
        name = f"[{_md(tool.name)}](<{tool.url}>)" if tool.url else _md(tool.name)
        kind = value_label(tool.kind, answer.language)
        meta = " · ".join(_md(x) for x in (tool.provider or "", kind) if x)
        lines.append(f"{rank}. **{name}** ({meta})")
        reasons = why_text(why(ranked, searched, asked), answer.language)
        lines.append(f"   - {t['why']}: {_md(reasons)}")
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


class ExportFolder:
    """A private temporary folder of exported answers. Every answer gets its file (the download
    button needs it before it is pressed); files older than `keep_seconds` are removed as new
    ones are written, so a long-running app does not fill its disk with them."""

    def __init__(self, keep_seconds: float = 3600.0) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="toolbox-answers-"))
        self.keep_seconds = keep_seconds
        self._pruned = time.time()

    def write(self, answer: Answer, filters: Filters = Filters()) -> Path:
        now = time.time()
        if now - self._pruned > min(60.0, self.keep_seconds):  # not a folder scan per answer
            self._pruned = now
            for old in self.path.glob("answer-*.md"):
                if old.stat().st_mtime < now - self.keep_seconds:
                    old.unlink(missing_ok=True)
        target = self.path / f"answer-{uuid.uuid4().hex[:12]}.md"
        target.write_text(to_markdown(answer, filters), encoding="utf-8")
        return target
