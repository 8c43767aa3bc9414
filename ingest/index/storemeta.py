"""Chunks to Chroma metadata and back (Chroma keeps flat scalars and non-empty lists only)."""

from __future__ import annotations

from typing import Any

from ingest.core.records import Chunk

__all__ = ["chunk_metadata", "chunk_from"]


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "kind": chunk.kind, "source_id": chunk.source_id, "doc_id": chunk.doc_id,
        "title": chunk.title, "section": chunk.section, "page_start": chunk.page_start,
        "page_end": chunk.page_end, "tool_kind": chunk.tool_kind, "cost": chunk.cost,
        "superseded": chunk.superseded, "page_label": chunk.page_label,
        "publisher": chunk.publisher, "year": chunk.year,
    }
    lists = {
        "hazards": chunk.hazards, "phases": chunk.phases, "scale": chunk.scale,
        "languages": tuple(x for x in chunk.language.split(",") if x), "tool_ids": chunk.tool_ids,
    }
    # Chroma refuses empty lists: an absent key means "none".
    meta.update({k: list(v) for k, v in lists.items() if v})
    return meta


def chunk_from(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id, kind=meta["kind"], source_id=meta["source_id"], doc_id=meta["doc_id"],
        title=meta["title"], text=text, page_start=int(meta["page_start"]),
        page_end=int(meta["page_end"]), section=meta.get("section", ""),
        language=",".join(meta.get("languages", ())), hazards=tuple(meta.get("hazards", ())),
        phases=tuple(meta.get("phases", ())), scale=tuple(meta.get("scale", ())),
        tool_kind=meta.get("tool_kind", ""), cost=meta.get("cost", ""),
        tool_ids=tuple(meta.get("tool_ids", ())), superseded=bool(meta.get("superseded", False)),
        page_label=meta.get("page_label", ""), publisher=meta.get("publisher", ""),
        year=meta.get("year", ""),
    )
