"""An answer as Markdown, with its tools and sources, for staff to keep or forward (pure)."""

from __future__ import annotations

import re

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

