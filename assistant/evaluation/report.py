"""An Evaluation written out: the JSON of ARCHITECTURE.md, a Markdown report, a PNG plot, TREC
run files, and the compact table the CLI prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.evaluation.evaluate import ALPHA, HEADLINE, MEASURES, RUN_DEPTH, VARIANTS, Evaluation

__all__ = ["LABELS", "TEST_NOTE", "to_json", "write_json", "marker", "table_rows", "TABLE_HEADERS",
           "text_table", "markdown", "write_markdown", "write_runs", "PLOT_WORDS", "target_name",
           "plot_titles", "write_plot", "write_all"]

LABELS = {"ndcg@10": "nDCG@10", "recall@5": "R@5", "recall@10": "R@10", "recall@100": "R@100",
          "mrr@10": "MRR@10", "map@10": "MAP@10"}
TEST_NOTE = (f"Significance: best configuration (by {LABELS[HEADLINE]}) vs. each other, on "
             "per-query nDCG@10, two-sided paired t-test (scipy.stats.ttest_rel; Wilcoxon "
             "signed-rank p in the JSON). † p < 0.05, ‡ p < 0.01; no correction for multiple "
             "comparisons.")


def to_json(evaluation: Evaluation) -> dict[str, Any]:
    """The `evaluate --json` object (ARCHITECTURE.md), plus best, significance, per_query, index."""
    return {
        "dataset": evaluation.dataset,
        "target": evaluation.target,
        "queries": len(evaluation.queries),
        "results": {name: {**_rounded(r.metrics), **_rounded(r.latency())}
                    for name, r in evaluation.results.items()},
        "by_field": {f: {v: {n: _rounded(m) for n, m in per.items()} for v, per in values.items()}
                     for f, values in evaluation.by_field.items()},
        "best": evaluation.best,
        "significance": evaluation.significance,
        "field_counts": evaluation.field_counts,
        "index": evaluation.index,
        "per_query": {name: {q: {**_rounded(m), "latency_ms": round(r.latency_ms[q], 3)}
                             for q, m in r.per_query.items()}
                      for name, r in evaluation.results.items()},
    }


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in values.items()}


def write_json(evaluation: Evaluation, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(evaluation), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")


def marker(evaluation: Evaluation, name: str) -> str:
    test = evaluation.significance.get(name)
    if not test:
        return ""
    return "‡" if test["t_test_p"] < 0.01 else "†" if test["t_test_p"] < ALPHA else ""


def table_rows(evaluation: Evaluation) -> list[list[Any]]:
    """One row per retriever: name, the measures, latency p50/p95, p-value vs. the best."""
    rows = []
    for name, result in evaluation.results.items():
        latency = result.latency()
        test = evaluation.significance.get(name)
        rows.append([name, *(round(result.metrics[m], 4) for m in MEASURES),
                     round(latency["latency_ms_p50"], 1), round(latency["latency_ms_p95"], 1),
                     "best" if name == evaluation.best else f"{test['t_test_p']:.3g}"
                     if test else ""])
    return rows


TABLE_HEADERS = ["retriever", *(LABELS[m] for m in MEASURES), "p50 ms", "p95 ms",
                 "p vs best"]


def text_table(evaluation: Evaluation) -> str:
    """The compact table the CLI prints (best row marked with *)."""
    lines = [f"{evaluation.dataset} ({evaluation.target}, {len(evaluation.queries)} queries)"]
    widths = [max(10, *(len(n) for n in evaluation.results)), *([7] * len(MEASURES)), 7, 7, 9]
    lines.append("  ".join(h.rjust(w) if i else h.ljust(w + 1)
                           for i, (h, w) in enumerate(zip(TABLE_HEADERS, widths, strict=True))))
    for row in table_rows(evaluation):
        name = row[0] + ("*" if row[0] == evaluation.best else marker(evaluation, row[0]))
        cells = [name.ljust(widths[0] + 1)]
        cells += [f"{v:.3f}".rjust(w) for v, w in zip(row[1:-3], widths[1:-3], strict=True)]
        cells += [f"{row[-3]:.1f}".rjust(7), f"{row[-2]:.1f}".rjust(7), str(row[-1]).rjust(9)]
        lines.append("  ".join(cells))
    for field_name, values in evaluation.by_field.items():
        parts = [f"{v}: " + " ".join(f"{n}={per[n][HEADLINE]:.3f}" for n in per)
                 for v, per in values.items()]
        lines.append(f"{LABELS[HEADLINE]} by {field_name}: " + "; ".join(parts))
    return "\n".join(lines)


def markdown(evaluation: Evaluation, plot_name: str | None = None) -> str:
    """The Markdown report: headline table (best in bold), significance, every breakdown."""
    e = evaluation
    out = [f"# Retrieval evaluation: {e.dataset}", "",
           f"Target: **{e.target}**, {len(e.queries)} queries with judgments. "
           f"Searched: {_index_text(e.index)}. Metrics by ir-measures (trec_eval definitions); "
           f"runs cut at depth 100.", ""]
    headers = [*TABLE_HEADERS[:-1], "p (t-test)", "p (Wilcoxon)"]
    out += [_md_row(headers), _md_row(["---"] + ["---:"] * (len(headers) - 1))]
    best_values = {m: max(r.metrics[m] for r in e.results.values()) for m in MEASURES}
    for name, result in e.results.items():
        latency = result.latency()
        test = e.significance.get(name)
        cells = [f"**{name}** (best)" if name == e.best else f"{name} {marker(e, name)}".strip()]
        cells += [f"**{result.metrics[m]:.4f}**" if result.metrics[m] == best_values[m]
                  else f"{result.metrics[m]:.4f}" for m in MEASURES]
        cells += [f"{latency['latency_ms_p50']:.1f}", f"{latency['latency_ms_p95']:.1f}"]
        cells += [f"{test['t_test_p']:.3g}", f"{test['wilcoxon_p']:.3g}"] if test else ["–", "–"]
        out.append(_md_row(cells))
    out += ["", TEST_NOTE, "", "Retrievers: " + "; ".join(
        f"`{n}`: {VARIANTS[n].help}" for n in e.results if n in VARIANTS) + ".", ""]
    for name, test in e.significance.items():
        out.append(f"- {e.best} vs. {name}: mean nDCG@10 difference {test['mean_difference']:+.4f}"
                   f" ({test['wins']} queries better, {test['losses']} worse), t-test p = "
                   f"{test['t_test_p']:.3g}, Wilcoxon p = {test['wilcoxon_p']:.3g}"
                   + (" — significant" if test["significant"] else ""))
    for field_name, values in e.by_field.items():
        out += ["", f"## By {field_name}", "", _md_row([field_name, "queries", *(
            f"{n} {LABELS[HEADLINE]}" for n in e.results), *(f"{n} R@10" for n in e.results)]),
            _md_row(["---", "---:"] + ["---:"] * 2 * len(e.results))]
        for value, per in values.items():
            best_here = max(per[n][HEADLINE] for n in per)
            out.append(_md_row([value, str(e.field_counts[field_name][value]), *(
                f"**{per[n][HEADLINE]:.4f}**" if per[n][HEADLINE] == best_here
                else f"{per[n][HEADLINE]:.4f}" for n in per), *(
                f"{per[n]['recall@10']:.4f}" for n in per)]))
    misses = [q for q, m in e.results[e.best].per_query.items() if m[HEADLINE] == 0.0]
    if misses:
        out += ["", f"## Queries {e.best} misses (nDCG@10 = 0)", ""]
        out += [f"- `{q}` {e.queries[q]['text']}" for q in misses[:20]]
        if len(misses) > 20:
            out.append(f"- … and {len(misses) - 20} more (per-query values in the JSON)")
    if plot_name:
        out += ["", f"![metrics per retriever]({plot_name})"]
    return "\n".join(out) + "\n"


def _index_text(index: dict[str, Any]) -> str:
    if index.get("kind") == "dataset corpus":
        return (f"the dataset's own corpus ({index['documents']} documents, indexed in "
                f"{index['seconds']} s in a disposable collection)")
    if index.get("kind") == "knowledge base":
        return f"the knowledge base (collection `{index['collection']}`, {index['chunks']} chunks)"
    return "unknown"


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def write_markdown(evaluation: Evaluation, path: Path, plot: Path | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    plot_name = None
    if plot is not None:
        try:
            plot_name = plot.resolve().relative_to(path.resolve().parent).as_posix()
        except ValueError:
            plot_name = str(plot.resolve())
    path.write_text(markdown(evaluation, plot_name), encoding="utf-8")


def write_runs(evaluation: Evaluation, folder: Path) -> list[Path]:
    """`<retriever>.trec` per retriever (qid Q0 docid rank score run) and `qrels.txt`.

    Recompute with e.g. `trec_eval -c -m ndcg_cut.10 qrels.txt hybrid.trec` (`-c` counts
    queries a retriever found nothing for, as this evaluation does).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, result in evaluation.results.items():
        path = folder / f"{_safe(name)}.trec"
        with path.open("w", encoding="utf-8") as handle:
            for query_id, ids in result.run.items():
                for rank, doc in enumerate(ids, start=1):
                    handle.write(f"{query_id} Q0 {doc} {rank} {RUN_DEPTH - rank + 1} "
                                 f"{_safe(name)}\n")
        written.append(path)
    qrels = folder / "qrels.txt"
    with qrels.open("w", encoding="utf-8") as handle:
        for query_id, judged in evaluation.qrels.items():
            for doc, grade in judged.items():
                handle.write(f"{query_id} 0 {doc} {grade}\n")
    return [*written, qrels]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "+-_." else "_" for c in name)


# The plot's titles in the app page's language; metric and retriever names stay as they are.
PLOT_WORDS: dict[str, dict[str, str]] = {
    "en": {"title": "{dataset} ({target}, {count} queries)", "by": "{measure} by {field}"},
    "de": {"title": "{dataset} ({target}, {count} Fragen)", "by": "{measure} nach {field}",
           "tools": "Werkzeuge", "passages": "Textstellen", "corpus": "Korpus",
           "language": "Sprache", "hazard": "Gefahr", "phase": "Phase", "intent": "Absicht",
           "kind": "Art", "difficulty": "Schwierigkeit"},
}


def target_name(name: str, language: str) -> str:
    """A target or query field's name as the plot and the app's summary show it."""
    return PLOT_WORDS.get(language, PLOT_WORDS["en"]).get(name, name)


def plot_titles(evaluation: Evaluation, language: str = "en") -> list[str]:
    """The titles of the plot's panels: the whole run, then one per query field."""
    words, e = PLOT_WORDS.get(language, PLOT_WORDS["en"]), evaluation
    return [words["title"].format(dataset=e.dataset, target=target_name(e.target, language),
                                  count=len(e.queries)),
            *(words["by"].format(measure=LABELS[HEADLINE], field=target_name(f, language))
              for f in e.by_field)]


def write_plot(evaluation: Evaluation, path: Path, language: str = "en") -> None:
    """Grouped bars: every measure per retriever, then nDCG@10 per value of each query field."""
    import matplotlib

    matplotlib.use("Agg")  # no display; also safe inside the app's worker threads
    import matplotlib.pyplot as plt

    e = evaluation
    names = list(e.results)
    panels = 1 + len(e.by_field)
    titles = plot_titles(e, language)
    fig, axes = plt.subplots(1, panels, figsize=(7 + 4 * (panels - 1), 4.2), squeeze=False)
    width = 0.8 / len(names)
    _bars(axes[0][0], [LABELS[m] for m in MEASURES],
          {n: [e.results[n].metrics[m] for m in MEASURES] for n in names}, width)
    axes[0][0].set_title(titles[0])
    for ax, title, (field_name, values) in zip(axes[0][1:], titles[1:], e.by_field.items(),
                                               strict=True):
        _bars(ax, [f"{v} ({e.field_counts[field_name][v]})" for v in values],
              {n: [values[v][n][HEADLINE] for v in values] for n in names}, width)
        ax.set_title(title)
    axes[0][0].legend(loc="upper left", fontsize=8, ncols=len(names))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(ax: Any, groups: list[str], series: dict[str, list[float]], width: float) -> None:
    for i, (name, values) in enumerate(series.items()):
        ax.bar([g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))], values,
               width, label=name)
    ax.set_xticks(range(len(groups)), groups, rotation=30 if len(groups) > 4 else 0,
                  fontsize=8)
    ax.set_ylim(0, 1)
    ax.grid(axis="y", alpha=0.3)


def write_all(evaluation: Evaluation, folder: Path, language: str = "en") -> dict[str, Path]:
    """Report, JSON, plot and TREC runs in one folder (what the app offers for download); the
    plot's titles in `language`."""
    paths = {"json": folder / "results.json", "report": folder / "report.md",
             "plot": folder / "plot.png", "runs": folder / "runs"}
    write_json(evaluation, paths["json"])
    write_plot(evaluation, paths["plot"], language)
    write_markdown(evaluation, paths["report"], paths["plot"])
    write_runs(evaluation, paths["runs"])
    return paths
