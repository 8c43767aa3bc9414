"""Passage retrieval over three published reports ingested beside the shipped corpus.

The reports are read from `../shared/realdocs/` (beside the checkout; `--realdocs` to point
elsewhere) at run time and never copied into the project. Questions and page judgments are in
`benchmarks/realdocs/` (ids r01-r34). Prints hit@5, MRR@10 and nDCG@10 for bm25, dense and
hybrid, over all questions and by question language.

    python benchmarks/realdocs.py [--realdocs DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from _common import CORPUS, ROOT

from assistant.evaluation.evaluate import runner_for
from assistant.service import Assistant
from ingest.core.settings import Settings

DATA = ROOT / "benchmarks" / "realdocs"
# beside the checkout (as CI lays it out), else the workplace's shared folder (a worktree)
REALDOCS = next((folder for folder in (ROOT.parent / "shared" / "realdocs",
                                       Path("/work/shared/realdocs")) if folder.is_dir()),
                ROOT.parent / "shared" / "realdocs")
REPORTS = ("Rouault-2016-1219.pdf", "Wicke-2021-1323.pdf", "Staub-2012-425.pdf")
RETRIEVERS = ("bm25", "dense", "hybrid")


def find_reports(folder: Path) -> list[Path]:
    """The three reports, or exit saying which are missing and where they were looked for."""
    missing = [name for name in REPORTS if not (folder / name).is_file()]
    if missing:
        sys.exit(f"realdocs: {', '.join(missing)} not found in {folder}; this benchmark needs "
                 "the shared reports (../shared/realdocs beside the checkout, or --realdocs)")
    return [folder / name for name in REPORTS]


def load_judgments() -> tuple[dict[str, dict], dict[str, dict[str, int]]]:
    queries = {q["_id"]: q for q in map(json.loads, (DATA / "queries.jsonl").open())}
    qrels: dict[str, dict[str, int]] = {}
    for line in (DATA / "qrels" / "passages.tsv").read_text().splitlines()[1:]:
        query_id, page, grade = line.split("\t")
        qrels.setdefault(query_id, {})[page] = int(grade)
    return queries, qrels


def measures(ranked: list[str], judged: dict[str, int]) -> dict[str, float]:
    hit = float(any(page in judged for page in ranked[:5]))
    rr = next((1 / rank for rank, page in enumerate(ranked[:10], 1) if page in judged), 0.0)
    dcg = sum((2 ** judged.get(page, 0) - 1) / math.log2(rank + 1)
              for rank, page in enumerate(ranked[:10], 1))
    ideal = sorted(judged.values(), reverse=True)[:10]
    idcg = sum((2 ** grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(ideal, 1))
    return {"hit@5": hit, "mrr@10": rr, "ndcg@10": dcg / idcg if idcg else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdocs", type=Path, default=REALDOCS)
    parser.add_argument("--keep", type=Path, help="index folder to build once and reuse")
    parser.add_argument("--show", action="store_true", help="print each question's top pages")
    args = parser.parse_args()
    reports = find_reports(args.realdocs)
    queries, qrels = load_judgments()
    with tempfile.TemporaryDirectory(prefix="realdocs-") as scratch:
        data_dir = args.keep or Path(scratch)
        assistant = Assistant(Settings.from_env(environ={}, data_dir=data_dir, corpus_dir=CORPUS,
                                                collection="bench"))
        started = time.perf_counter()
        if assistant.store.count() == 0:
            assistant.ingest([CORPUS, *reports])
        print(f"index: corpus + {len(reports)} reports, {assistant.store.count()} chunks, "
              f"{time.perf_counter() - started:.0f} s")
        print(f"{'retriever':10} {'subset':8} {'n':>3} {'hit@5':>6} {'mrr@10':>7} {'ndcg@10':>8}")
        for name in RETRIEVERS:
            run = runner_for(name, assistant.retriever, "passages")
            rows = {qid: (q["lang"], run(q["text"])) for qid, q in queries.items()}
            if args.show:
                for qid, (_, ranked) in rows.items():
                    print(f"  {name} {qid} {'+' if set(ranked[:5]) & set(qrels[qid]) else '-'} "
                          f"{' '.join(ranked[:5])}")
            for subset in ("all", "de", "en"):
                scored = [measures(ranked, qrels[qid]) for qid, (lang, ranked) in rows.items()
                          if subset in ("all", lang)]
                mean = {k: sum(s[k] for s in scored) / len(scored) for k in scored[0]}
                print(f"{name:10} {subset:8} {len(scored):>3} {mean['hit@5']:6.3f} "
                      f"{mean['mrr@10']:7.3f} {mean['ndcg@10']:8.3f}")


if __name__ == "__main__":
    main()
