"""Pages and tools -> chunks with page spans, section headings and stable ids (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from ingest.chunk.mentions import MentionFinder
from ingest.core.errors import FileProblem
from ingest.core.language import split_sentences
from ingest.core.records import Chunk, Document, Tool

__all__ = ["ChunkingParams", "MAX_HEADING", "MAX_UNWRAPPED_HEADINGS", "tool_source_id",
           "document_source_id", "chunk_tool", "chunk_document", "embedding_text"]

# Every pattern here runs in time linear in its input (issue #22): the closing part of a Markdown
# heading (`\s*#*\s*$` after a lazy group) is cut off with string methods, since the regex took
# cubic time on `# a` + 20,000 spaces + `b`.
_MD_HEADING_OPEN = re.compile(r"\s{0,3}#{1,6}(\s+)")
_WHITESPACE_RUN = re.compile(r"\s+")
_TABLE_RULE = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+$")
_PAGE_FOOTER = re.compile(r"^\s*(page|seite)\s+\d+(\s+(of|von)\s+\d+)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ChunkingParams:
    size: int
    overlap: int
    max_chunks: int = 2000  # per file (TOOLBOX_MAX_CHUNKS_PER_FILE); past it the file fails


MAX_HEADING = 300  # characters; a longer "heading" line is body text, not a section name
MAX_UNWRAPPED_HEADINGS = 64  # bookmarks per page looked for as wrapped lines (the corpus has 7)


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
    # The German texts ride along, last, so German questions find a German tool in its own
    # words while the English part keeps its place within the embedder's input window.
    german = " ".join(x for x in (tool.name_de, tool.description_de) if x)
    text = f"{tool.name}.{provider} {tool.description} Example: {tool.example_use} {tags}"
    text = f"{text} {german}" if german else text
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
    whole. More than `params.max_chunks` chunks fail the file as soon as the limit is passed.
    """
    chunks: list[Chunk] = []
    section = ""
    total = len(doc.pages)
    for done, page in enumerate(doc.pages, start=1):
        for block_section, block, is_table in _blocks(page.text, section, page.headings):
            section = block_section
            texts = _table_parts(block, params) if is_table else _pack(split_sentences(block),
                                                                          params)
            for text in texts:
                index = len(chunks)
                if index == params.max_chunks:
                    raise FileProblem(doc.path, f"more than {params.max_chunks} chunks (at page "
                                                f"{page.number}); split the file, or raise "
                                                "TOOLBOX_MAX_CHUNKS_PER_FILE")
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
                    page_label=page.label if page.label != str(page.number) else "",
                    publisher=doc.publisher,
                    year=doc.year,
                ))
        if on_page is not None:
            on_page(done, total)
    return chunks


def _blocks(page_text: str, section: str, headings: tuple[str, ...]
            ) -> list[tuple[str, str, bool]]:
    """Cut a page at its headings and around its tables: (heading in force, text, is table)."""
    known = {h for h in headings if len(h) <= MAX_HEADING}
    page_text = _unwrap_headings(page_text, headings)
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


def _unwrap_headings(page_text: str, headings: tuple[str, ...]) -> str:
    r"""Put each bookmarked heading that the page wraps over several lines on a line of its own.

    The first occurrence of the heading's words separated by any whitespace (what the regex
    `w1\s+w2\s+...` finds) is found as the words joined by single spaces in the page with its
    whitespace runs collapsed, so the search is linear in the page, whatever the heading.
    """
    flat = ""
    for heading in list(dict.fromkeys(headings))[:MAX_UNWRAPPED_HEADINGS]:
        words = heading.split()
        if not words or len(heading) > MAX_HEADING or words[0] not in page_text:
            continue
        flat = flat or _WHITESPACE_RUN.sub(" ", page_text)
        at = flat.find(" ".join(words))
        if at < 0:
            continue
        runs = flat.count(" ", 0, at)  # whitespace runs before the match, one space each in flat
        start = at if runs == 0 else (
            next(islice(_WHITESPACE_RUN.finditer(page_text), runs - 1, None)).end()
            + at - flat.rfind(" ", 0, at) - 1)
        wrapped = re.compile(r"\s+".join(re.escape(word) for word in words)).match(page_text,
                                                                                    start)
        assert wrapped is not None, "the collapsed match maps to a match in the page"
        page_text = f"{page_text[:start]}\n{heading}\n{page_text[wrapped.end():]}"
        flat = ""
    return page_text


def _table_parts(table: str, params: ChunkingParams) -> list[str]:
    """A table whole when it fits the chunk size; else runs of rows, each under the header."""
    if len(table) <= params.size:
        return [table]
    header, *rows = table.split("\n")
    parts: list[str] = []
    current: list[str] = []
    length = len(header)  # of the header and the current rows, a newline each
    for row in rows:
        if current and length + len(row) > params.size:
            parts.append("\n".join([header, *current]))
            current, length = [], len(header)
        current.append(row)
        length += len(row) + 1
    if current or not parts:
        parts.append("\n".join([header, *current]))
    return parts


def _heading(line: str) -> str:
    r"""The text of a Markdown heading line (one line), as `^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$`
    captures it; empty when the line is no heading or the heading is too long to be one."""
    opening = _MD_HEADING_OPEN.match(line)
    if not opening:
        return ""
    rest = line[opening.end():]
    if not rest:  # `\s+` gives its last character to the group when it has two or more
        return line[-1] if len(opening.group(1)) >= 2 else ""
    body = rest.rstrip().rstrip("#").rstrip()  # the longest closing `\s*#*\s*`
    heading = rest[:max(1, len(body))]
    return heading if len(heading) <= MAX_HEADING else ""


def _pack(sentences: list[str], params: ChunkingParams) -> Iterator[str]:
    """Greedy packing of sentences into chunks, repeating trailing sentences as overlap.

    Chunks are yielded one by one, so a caller that stops early (the chunk limit) has not paid
    for the rest; a run-on sentence is cut by offsets, not by copying what is left of it.
    """
    current: list[str] = []
    length = 0
    step = params.size - params.overlap
    for sentence in sentences:
        if len(sentence) > params.size:  # a run-on "sentence" (a table, a list) is cut hard
            if current:
                yield " ".join(current)
                current, length = [], 0
            start = 0
            while len(sentence) - start > params.size:
                yield sentence[start:start + params.size]
                start += step
            sentence = sentence[start:]
        if current and length + len(sentence) + 1 > params.size:
            yield " ".join(current)
            current, length = _overlap_tail(current, params.overlap)
        current.append(sentence)
        length += len(sentence) + 1
    if current:
        yield " ".join(current)


def _overlap_tail(sentences: list[str], overlap: int) -> tuple[list[str], int]:
    tail: list[str] = []
    length = 0
    for sentence in reversed(sentences):
        if length + len(sentence) > overlap:
            break
        tail.append(sentence)
        length += len(sentence) + 1
    tail.reverse()
    return tail, length


def embedding_text(chunk: Chunk) -> str:
    """What is embedded and indexed: the passage with its document title and section in front,
    so a passage that says 'it' still carries what it is about."""
    if chunk.kind == "tool":
        return chunk.text
    context = " - ".join(x for x in (chunk.title, chunk.section) if x)
    return f"{context}: {chunk.text}" if context else chunk.text
