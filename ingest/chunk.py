"""Pages and tools -> chunks with page spans, section headings and stable ids (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest.mentions import MentionFinder
from ingest.records import Chunk, Document, Tool
from ingest.text import split_sentences

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_TABLE_RULE = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+$")
_PAGE_FOOTER = re.compile(r"^\s*(page|seite)\s+\d+(\s+(of|von)\s+\d+)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ChunkingParams:
    size: int
    overlap: int


def tool_source_id(tool_id: str) -> str:
    return f"tool:{tool_id}"


def document_source_id(doc_id: str) -> str:
    return f"doc:{doc_id}"


def chunk_tool(tool: Tool, source_id: str) -> Chunk:
    """One chunk per tool: its name, what it is for, an example, and its tags in words."""
    tags = (
        f"Kind: {tool.kind.replace('-', ' ')}. "
        f"Hazards: {', '.join(h.replace('-', ' ') for h in tool.hazards)}. "
        f"Phases: {', '.join(p.replace('-', ' ') for p in tool.phases)}. "
        f"Scale: {', '.join(tool.scale)}. Languages: {', '.join(tool.languages)}."
        + (f" Cost: {tool.cost}." if tool.cost else "")
    )
    provider = f" Provider: {tool.provider}." if tool.provider else ""
    text = f"{tool.name}.{provider} {tool.description} Example: {tool.example_use} {tags}"
    return Chunk(
        chunk_id=f"tool:{tool.id}",
        kind="tool",
        source_id=source_id,
        doc_id=tool.id,
        title=tool.name,
        text=text,
        page_start=1,
        page_end=1,
        section="",
        language=",".join(tool.languages),
        hazards=tuple(tool.hazards),
        phases=tuple(tool.phases),
        scale=tuple(tool.scale),
        tool_kind=tool.kind,
        cost=tool.cost or "",
        tool_ids=(tool.id,),
    )


def chunk_document(doc: Document, params: ChunkingParams, mentions: MentionFinder,
                   on_page: Callable[[int, int], None] | None = None) -> list[Chunk]:
    """Split each page into chunks of about `params.size` characters that never cross a page.

    Chunks stay within one page so a citation names the exact page; within a page they follow
    section headings and overlap by whole sentences. A table (pipe-table lines) is one chunk
    when it fits, else it is cut between rows and each part repeats the header row. Pages are
    taken one at a time (`on_page(done, total)` after each), so a lazy document is never held
    whole.
    """
    chunks: list[Chunk] = []
    section = ""
    total = len(doc.pages)
    for done, page in enumerate(doc.pages, start=1):
        for block_section, block, is_table in _blocks(page.text, section, set(page.headings)):
            section = block_section
            texts = _table_parts(block, params) if is_table else _pack(split_sentences(block),
                                                                          params)
            for text in texts:
                index = len(chunks)
                chunks.append(Chunk(
                    chunk_id=f"{doc.doc_id}#p{page.number}#c{index}",
                    kind="passage",
                    source_id=document_source_id(doc.doc_id),
                    doc_id=doc.doc_id,
                    title=doc.title,
                    text=text,
                    page_start=page.number,
                    page_end=page.number,
                    section=section,
                    language=doc.language,
                    hazards=doc.hazards,
                    phases=doc.phases,
                    tool_ids=mentions.find(f"{section}\n{text}"),
                ))
        if on_page is not None:
            on_page(done, total)
    return chunks


def _blocks(page_text: str, section: str, known: set[str]) -> list[tuple[str, str, bool]]:
    """Cut a page at its headings and around its tables: (heading in force, text, is table)."""
    for heading in known:  # a long heading is wrapped over several lines: put it on one
        wrapped = r"\s+".join(re.escape(word) for word in heading.split())
        page_text = re.sub(wrapped, lambda _, h=heading: f"\n{h}\n", page_text, count=1)
    blocks: list[tuple[str, str, bool]] = []
    lines: list[str] = []
    in_table = False

    def flush() -> None:
        nonlocal lines
        if lines:
            blocks.append((section, "\n".join(lines), in_table))
            lines = []

    for raw in page_text.splitlines():
        line = raw.strip()
        if not line or _PAGE_FOOTER.match(line):
            continue
        is_row = line.startswith("|") and line.endswith("|") and line.count("|") >= 3
        if is_row != in_table:
            flush()
            in_table = is_row
        if is_row:
            if not _TABLE_RULE.match(line):
                lines.append(line)
            continue
        heading = line if line in known else _heading(line)
        if heading:
            flush()
            section = heading
        else:
            lines.append(line)
    flush()
    return blocks


def _table_parts(table: str, params: ChunkingParams) -> list[str]:
    """A table whole when it fits the chunk size; else runs of rows, each under the header."""
    if len(table) <= params.size:
        return [table]
    header, *rows = table.split("\n")
    parts: list[str] = []
    current: list[str] = []
    for row in rows:
        if current and len(header) + sum(len(r) + 1 for r in current) + len(row) > params.size:
            parts.append("\n".join([header, *current]))
            current = []
        current.append(row)
    if current or not parts:
        parts.append("\n".join([header, *current]))
    return parts


def _heading(line: str) -> str:
    match = _MD_HEADING.match(line)
    return match.group(1) if match else ""


def _pack(sentences: list[str], params: ChunkingParams) -> list[str]:
    """Greedy packing of sentences into chunks, repeating trailing sentences as overlap."""
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    for sentence in sentences:
        while len(sentence) > params.size:  # a run-on "sentence" (a table, a list) is cut hard
            head, sentence = sentence[: params.size], sentence[params.size - params.overlap:]
            if current:
                chunks.append(" ".join(current))
                current, length = [], 0
            chunks.append(head)
        if current and length + len(sentence) + 1 > params.size:
            chunks.append(" ".join(current))
            current, length = _overlap_tail(current, params.overlap)
        current.append(sentence)
        length += len(sentence) + 1
    if current:
        chunks.append(" ".join(current))
    return chunks


def _overlap_tail(sentences: list[str], overlap: int) -> tuple[list[str], int]:
    tail: list[str] = []
    length = 0
    for sentence in reversed(sentences):
        if length + len(sentence) > overlap:
            break
        tail.insert(0, sentence)
        length += len(sentence) + 1
    return tail, length


def embedding_text(chunk: Chunk) -> str:
    """What is embedded and indexed: the passage with its document title and section in front,
    so a passage that says 'it' still carries what it is about."""
    if chunk.kind == "tool":
        return chunk.text
    context = " - ".join(x for x in (chunk.title, chunk.section) if x)
    return f"{context}: {chunk.text}" if context else chunk.text
