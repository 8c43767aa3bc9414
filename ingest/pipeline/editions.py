"""Editions: a document that supersedes another keeps the older one indexed but flagged.

A document declares the edition it replaces (`supersedes: <doc_id>` in front matter, in PDF or
Word keywords, in an HTML meta tag, or `ingest --supersedes`). The flag lives in the older
document's chunk metadata (`superseded`), where retrieval filters on it, and in its manifest
record (`superseded_by`), from which `reconcile` repairs any flag a crash left unset.
"""

from __future__ import annotations

from ingest.index.store import SourceRecord, Store

__all__ = ["superseding", "reconcile"]


def superseding(manifest: dict[str, SourceRecord]) -> dict[str, str]:
    """Superseded doc id -> the doc id of the edition that replaces it."""
    return {r.supersedes: r.doc_id for r in manifest.values()
            if r.kind == "document" and r.supersedes and r.supersedes != r.doc_id}


def reconcile(store: Store, manifest: dict[str, SourceRecord]) -> int:
    """Bring every document's flag in line with what the manifest declares; returns changes."""
    wanted = superseding(manifest)
    changed = 0
    for record in manifest.values():
        if record.kind != "document":
            continue
        by = wanted.get(record.doc_id, "")
        if record.superseded_by != by:
            store.set_superseded(record, by)
            changed += 1
    return changed
