"""Abstention: does the evidence tell questions the toolbox answers from those it does not?

    python benchmarks/abstention.py [--dataset DIR] [--min-fit-rate 0.9]

For every question of the dataset (default: the built-in benchmark, whose `"answerable": false`
questions have no fitting tool) the candidate signals are measured through the real search:
the best tool's cosine similarity by each dense encoder, the best chunk's, and the share of the
question's content words the knowledge base knows. Each candidate's threshold is fitted on one
half of the questions (stratified by answerable/unanswerable and language) and judged on the
other half, so the figures are not on the questions the threshold was fitted on. Printed:
precision and recall of "does not fit" on the out-of-scope questions and of "fits" on the
others, per candidate; the shipped rule (assistant/retrieval/abstain.py) last, with its threshold.

A dataset without unanswerable questions (e.g. climate-fever-dev: claims, all judged) gets the
share of its questions that the shipped rule lets through, and no fitting.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _common import CORPUS, shipped_settings

from assistant.query.analysis import analyse
from assistant.retrieval.abstain import english_text, evidence
from assistant.retrieval.search import search
from assistant.service import Assistant
from ingest.core.language import analyze, content_words

NONSENSE = ("asdf qwerty", "Pizza Rezept", "lorem ipsum dolor", "Fußball Bundesliga Ergebnisse",
            "best chocolate cake recipe")


@dataclass(frozen=True)
class Measured:
    query_id: str
    language: str
    answerable: bool
    signals: dict[str, float]


def measure(assistant: Assistant, query_id: str, text: str, language: str,
            answerable: bool) -> Measured:
    """Every candidate signal for one question; `shipped` is what retrieval/abstain.py reads."""
    retriever = assistant.retriever
    analysis = analyse(text)
    search(retriever, text, analysis=analysis)  # as `ask` does: the embeddings are then cached
    snapshot, store = retriever.snapshot, retriever.store
    english = retriever.embedder.embed_query(
        english_text(text, analysis, retriever.embedder.multilingual))
    signals = {"tool_en": float(np.max(snapshot.tool_vectors @ english)),
               "chunk_en": _best(store.nearest(english, 1))}
    if retriever.multilingual is not None and snapshot.tool_vectors_multilingual is not None:
        across = retriever.multilingual.embed_query(text)
        signals["tool_multilingual"] = float(np.max(snapshot.tool_vectors_multilingual @ across))
        if store.has_multilingual:
            signals["chunk_multilingual"] = _best(store.nearest(across, 1, None, "multilingual"))
    words = content_words(text).split()
    known = sum(1 for w in words if analyze(w) and snapshot.lexical.scores(w).any())
    signals["coverage"] = known / len(words) if words else 0.0
    signals["chunk_en x coverage"] = signals["chunk_en"] * (0.5 + signals["coverage"])
    started = time.perf_counter()
    signals["shipped"] = evidence(retriever, text, analysis).similarity
    EVIDENCE_MS.append((time.perf_counter() - started) * 1000)
    return Measured(query_id, language, answerable, signals)


EVIDENCE_MS: list[float] = []


def _best(nearest: list[tuple[str, float]]) -> float:
    return nearest[0][1] if nearest else 0.0


def halves(measured: list[Measured]) -> tuple[list[Measured], list[Measured]]:
    """Two halves, each with half of every (answerable, language) group, alternating by id."""
    first: list[Measured] = []
    second: list[Measured] = []
    groups: dict[tuple[bool, str], list[Measured]] = {}
    for m in sorted(measured, key=lambda m: m.query_id):
        groups.setdefault((m.answerable, m.language), []).append(m)
    for group in groups.values():
        for i, m in enumerate(group):
            (first if i % 2 == 0 else second).append(m)
    return first, second


def fit(values: list[tuple[float, bool]], min_fit_rate: float) -> float:
    """The threshold (fits when value >= it) with the best balanced accuracy among those that
    let at least min_fit_rate of the answerable questions through."""
    candidates = sorted({v for v, _ in values if not math.isnan(v)})
    best, best_score = -math.inf, -1.0
    for low, high in zip([-math.inf, *candidates], [*candidates, math.inf], strict=True):
        threshold = high if low == -math.inf else low + 1e-6 if high == math.inf \
            else (low + high) / 2
        scores = decision_figures(values, threshold)
        if scores["fits_recall"] < min_fit_rate:
            continue
        balanced = (scores["fits_recall"] + scores["abstain_recall"]) / 2
        if balanced > best_score:
            best, best_score = threshold, balanced
    return best


def decision_figures(values: list[tuple[float, bool]], threshold: float) -> dict[str, float]:
    """Precision and recall of 'does not fit' (on unanswerable) and of 'fits' (on answerable)."""
    said_fits = [(v >= threshold, answerable) for v, answerable in values]
    tp_abstain = sum(1 for f, a in said_fits if not f and not a)
    abstained = sum(1 for f, _ in said_fits if not f)
    unanswerable = sum(1 for _, a in said_fits if not a)
    tp_fits = sum(1 for f, a in said_fits if f and a)
    fitted = sum(1 for f, _ in said_fits if f)
    answerable = sum(1 for _, a in said_fits if a)
    return {"abstain_precision": _ratio(tp_abstain, abstained),
            "abstain_recall": _ratio(tp_abstain, unanswerable),
            "fits_precision": _ratio(tp_fits, fitted), "fits_recall": _ratio(tp_fits, answerable)}


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def report(measured: list[Measured], min_fit_rate: float, threshold_now: float) -> None:
    calibration, held_out = halves(measured)
    print(f"{len(measured)} questions: {sum(m.answerable for m in measured)} answerable, "
          f"{sum(not m.answerable for m in measured)} unanswerable; fitted on "
          f"{len(calibration)}, judged on the other {len(held_out)}")
    print(f"{'signal':20} {'threshold':>9} {'abstain P':>9} {'abstain R':>9} {'fits P':>7} "
          f"{'fits R':>7}  (held-out half)")
    for signal in measured[0].signals:
        def pairs(ms: list[Measured], s: str = signal) -> list[tuple[float, bool]]:
            return [(m.signals[s], m.answerable) for m in ms if s in m.signals]
        threshold = fit(pairs(calibration), min_fit_rate)
        figures = decision_figures(pairs(held_out), threshold)
        print(f"{signal:20} {threshold:9.3f} {figures['abstain_precision']:9.2f} "
              f"{figures['abstain_recall']:9.2f} {figures['fits_precision']:7.2f} "
              f"{figures['fits_recall']:7.2f}")
    shipped = decision_figures([(m.signals["shipped"], m.answerable) for m in held_out],
                               threshold_now)
    print(f"shipped rule (TOOLBOX_FIT_THRESHOLD={threshold_now}) on the held-out half: "
          + ", ".join(f"{k} {v:.2f}" for k, v in shipped.items()))
    for language in sorted({m.language for m in measured}):
        part = [(m.signals["shipped"], m.answerable) for m in held_out if m.language == language]
        figures = decision_figures(part, threshold_now)
        print(f"  {language}: " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()))
    print("lowest-scoring answerable and highest-scoring unanswerable (all questions):")
    ordered = sorted(measured, key=lambda m: m.signals["shipped"])
    low = [m for m in ordered if m.answerable][:6]
    high = [m for m in reversed(ordered) if not m.answerable][:6]
    for label, ms in (("answerable", low), ("unanswerable", high)):
        print(f"  {label}: " + ", ".join(f"{m.query_id} {m.signals['shipped']:.3f}" for m in ms))


def load_questions(folder: Path) -> list[tuple[str, str, str, bool]]:
    path = folder / "queries.jsonl"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            rows.append((str(record["_id"]), str(record["text"]), str(record.get("lang", "en")),
                         record.get("answerable", True) is not False))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=CORPUS / "benchmark",
                        help="a folder with queries.jsonl (answerable: false marks out-of-scope)")
    parser.add_argument("--min-fit-rate", type=float, default=0.9,
                        help="least share of answerable questions a fitted threshold lets through")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    assistant = Assistant(shipped_settings())
    threshold = assistant.settings.fit_threshold
    assistant.ensure_index()
    rows = load_questions(args.dataset)[: args.limit or None]
    measured = [measure(assistant, *row) for row in rows]
    probes = [measure(assistant, "-", text, "en", False) for text in NONSENSE]
    print(f"nonsense probes (shipped score; fits when >= {threshold}): "
          + ", ".join(f"{t!r} {m.signals['shipped']:.3f}" for t, m in zip(NONSENSE, probes,
                                                                           strict=True)))
    if all(m.answerable for m in measured):
        through = sum(m.signals["shipped"] >= threshold for m in measured)
        print(f"{args.dataset}: {len(measured)} questions, none marked unanswerable; the shipped "
              f"rule says fits for {through} ({through / max(len(measured), 1):.0%})")
        return
    report(measured, args.min_fit_rate, threshold)
    print(f"evidence: p50 {np.percentile(EVIDENCE_MS, 50):.1f} ms, "
          f"p95 {np.percentile(EVIDENCE_MS, 95):.1f} ms per question (cached embedding + 1-NN)")


if __name__ == "__main__":
    main()
