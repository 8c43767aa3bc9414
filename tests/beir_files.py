"""Small BEIR datasets written by tests: a helper, not a fixture, so each test shapes its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# A tiny corpus with its own documents: each query has one clearly relevant document.
CORPUS = [
    {"_id": "d-heat", "title": "Heat action plan",
     "text": "A heat action plan protects older people during heatwaves with cooling rooms, "
             "drinking water and early warnings."},
    {"_id": "d-rain", "title": "Starkregen",
     "text": "Eine Starkregengefahrenkarte zeigt, wo sich nach einem Wolkenbruch Wasser sammelt "
             "und welche Keller und Unterführungen überflutet werden."},
    {"_id": "d-drought", "title": "Drought and urban trees",
     "text": "During long droughts street trees need watering plans; soil moisture monitoring "
             "tells the parks department when to water."},
    {"_id": "d-storm", "title": "Storm preparedness",
     "text": "Before a winter storm, secure scaffolding, check old trees along roads and "
             "prepare the civil protection staff."},
    {"_id": "d-coast", "title": "Coastal flooding",
     "text": "Dikes, storm surge barriers and managed retreat protect coastal towns from sea "
             "level rise and storm surges."},
    {"_id": "d-fund", "title": "Förderprogramme",
     "text": "Kommunen beantragen Fördermittel für Klimaanpassung beim Bund; das Programm "
             "bezahlt Personal für ein Anpassungsmanagement."},
]
QUERIES = [
    {"_id": "q1", "text": "heat action plan for older people", "lang": "en"},
    {"_id": "q2", "text": "Starkregen Gefahrenkarte Keller", "lang": "de"},
    {"_id": "q3", "text": "watering street trees in a drought", "lang": "en"},
    {"_id": "q4", "text": "Fördermittel Klimaanpassung Personal", "lang": "de"},
]
QRELS = [("q1", "d-heat", 2), ("q2", "d-rain", 2), ("q3", "d-drought", 2), ("q4", "d-fund", 1)]


def write_dataset(folder: Path, queries: list[dict[str, Any]] | None = None,
                  qrels: list[tuple[str, str, int]] | None = None,
                  corpus: list[dict[str, Any]] | None = None, header: bool = True) -> Path:
    """A BEIR folder; corpus=None writes no corpus.jsonl (the knowledge base is searched)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "queries.jsonl", QUERIES if queries is None else queries)
    lines = ["query-id\tcorpus-id\tscore"] if header else []
    lines += [f"{q}\t{d}\t{s}" for q, d, s in (QRELS if qrels is None else qrels)]
    (folder / "qrels").mkdir(exist_ok=True)
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if corpus is not None:
        write_jsonl(folder / "corpus.jsonl", corpus)
    return folder


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under a folder with its size and mtime, to show nothing was touched."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}
