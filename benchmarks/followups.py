"""Follow-ups on the built-in benchmark: two-turn conversations vs. the same needs in one turn.

    python benchmarks/followups.py [--retrievers hybrid,bm25,dense] [--cases]

Bar (issue 6): follow-ups' tool nDCG@10 within 0.05 of the same needs asked in one turn.
Bar (issue 21): at least 90 % of the topic shifts (topic_shifts.jsonl) are searched as the new
message alone.
"""

from __future__ import annotations

import argparse

from _common import CORPUS, shipped_settings

from assistant.evaluation.beir import load_dataset
from assistant.evaluation.followups import (
    BAR,
    FILE_NAME,
    FORMS,
    SHIFT_BAR,
    SHIFTS_FILE_NAME,
    load_followups,
    load_topic_shifts,
    run_followups,
    searched_alone,
)
from assistant.service import Assistant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrievers", default="hybrid")
    parser.add_argument("--target", choices=("tools", "passages"), default="tools")
    parser.add_argument("--cases", action="store_true", help="print every case's figures")
    args = parser.parse_args()
    retrievers = tuple(args.retrievers.split(","))
    folder = CORPUS / "benchmark"
    dataset = load_dataset(folder, folder / "qrels" / f"{args.target}.tsv")
    cases = load_followups(folder / FILE_NAME, dataset.queries)
    assistant = Assistant(shipped_settings())
    assistant.ensure_index()
    result = run_followups(assistant.retriever, dataset, cases, args.target, retrievers)
    langs = sorted({c.lang for c in result.cases})
    counts = {lang: sum(c.lang == lang for c in result.cases) for lang in langs}
    print(f"follow-up benchmark ({args.target}): {len(result.cases)} two-turn cases, "
          + ", ".join(f"{lang} {n}" for lang, n in counts.items()))
    header = f"{'retriever':10} {'form':16} {'nDCG@10':>8} {'R@10':>7} {'MRR@10':>7}"
    header += "".join(f" {lang + ' nDCG':>9}" for lang in langs)
    print(header)
    for name in retrievers:
        for form in FORMS:
            line = (f"{name:10} {form:16} {result.score(form, name):8.3f} "
                    f"{result.score(form, name, measure='recall@10'):7.3f} "
                    f"{result.score(form, name, measure='mrr@10'):7.3f}")
            line += "".join(f" {result.score(form, name, lang):9.3f}" for lang in langs)
            print(line)
        gap = result.gap(name)
        by_lang = ", ".join(f"{lang} {result.gap(name, lang):+.3f}" for lang in langs)
        verdict = "meets" if gap <= BAR else "MISSES"
        print(f"{name}: one-turn minus follow-up nDCG@10 = {gap:+.3f} ({by_lang}); "
              f"bar <= {BAR}: {verdict}")
    shifts = load_topic_shifts(folder / SHIFTS_FILE_NAME)
    for lang in ("de", "en", None):
        chosen = [turns for _, case_lang, turns in shifts if lang in (None, case_lang)]
        share = sum(searched_alone(t) for t in chosen) / len(chosen)
        print(f"topic shifts {lang or 'all'}: {len(chosen)} cases, searched as the new message "
              f"alone {share:.0%}" + (f"; bar >= {SHIFT_BAR:.0%}: "
                                     f"{'meets' if share >= SHIFT_BAR else 'MISSES'}"
                                     if lang is None else ""))
    if args.cases:
        name = retrievers[0]
        per = {f: result.evaluations[f].results[name].per_query for f in FORMS}
        for case in result.cases:
            print(f"{case.id} {case.need} {case.lang} one={per['one_turn'][case.id]['ndcg@10']:.3f}"
                  f" follow={per['follow_up'][case.id]['ndcg@10']:.3f}"
                  f" alone={per['last_turn_alone'][case.id]['ndcg@10']:.3f}"
                  f" | {result.texts['follow_up'][case.id]}")


if __name__ == "__main__":
    main()
