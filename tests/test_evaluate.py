"""Evaluation: metrics checked by hand, significance, breakdowns, every output format, and the
disposable index for a dataset's own corpus (real model, real Chroma)."""

from __future__ import annotations

import json
from pathlib import Path

import ir_measures
import pytest

from assistant.evaluation import report
from assistant.evaluation import run as workbench
from assistant.evaluation.beir import load_dataset
from assistant.evaluation.evaluate import MEASURES, evaluate

from .beir_files import CORPUS, write_dataset

# Three queries, judgments graded 0-2.
HAND_QUERIES = [{"_id": "q1", "text": "one", "lang": "en"},
                {"_id": "q2", "text": "two", "lang": "de"},
                {"_id": "q3", "text": "three", "lang": "en"}]
HAND_QRELS = [("q1", "d1", 2), ("q1", "d2", 1), ("q2", "d4", 1), ("q3", "d5", 1),
              ("q3", "d6", 0)]
HAND_RUN = {"one": ["d3", "d1", "d2"], "two": ["d4"], "three": ["d6", "d7"]}


def _fixed(run: dict[str, list[str]]):
    return lambda text: list(run[text])


def test_metrics_match_hand_computation(tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path / "ds", HAND_QUERIES, HAND_QRELS))
    e = evaluate(dataset, "corpus", {"fixed": _fixed(HAND_RUN),
                                     "empty": _fixed({"one": [], "two": [], "three": []})})
    # q1: ranking d3 (0), d1 (2), d2 (1).
    #   DCG@10 = 2/log2(3) + 1/log2(4) = 1.26186 + 0.5 = 1.76186
    #   IDCG@10 = 2/log2(2) + 1/log2(3) = 2 + 0.63093 = 2.63093  -> nDCG@10 = 0.66967
    #   first relevant at rank 2 -> RR = 0.5; both relevant in the top 5 -> R@5 = 1
    #   AP@10 = (P@2 + P@3) / 2 = (1/2 + 2/3) / 2 = 0.58333
    # q2: d4 at rank 1 -> nDCG 1, RR 1, R 1, AP 1.
    # q3: d6 is judged 0 (not relevant), d7 unjudged, d5 never found -> all 0.
    q1 = e.results["fixed"].per_query["q1"]
    assert q1["ndcg@10"] == pytest.approx(0.66967, abs=1e-5)
    assert (q1["mrr@10"], q1["recall@5"]) == (0.5, 1.0)
    assert q1["map@10"] == pytest.approx(0.58333, abs=1e-5)
    assert e.results["fixed"].per_query["q3"] == dict.fromkeys(MEASURES, 0.0)
    overall = e.results["fixed"].metrics
    assert overall["ndcg@10"] == pytest.approx((0.66967 + 1 + 0) / 3, abs=1e-5)  # 0.55656
    assert overall["mrr@10"] == pytest.approx(0.5)  # (0.5 + 1 + 0) / 3
    assert overall["recall@5"] == pytest.approx(2 / 3)
    assert overall["map@10"] == pytest.approx((0.58333 + 1) / 3, abs=1e-5)  # 0.52778
    # A retriever that finds nothing scores 0 on every query; no query drops out of the mean.
    assert e.results["empty"].metrics == dict.fromkeys(MEASURES, 0.0)
    assert e.best == "fixed"
    # By language: en = q1, q3 -> (0.66967 + 0) / 2; de = q2 -> 1.
    assert e.by_field["lang"]["en"]["fixed"]["ndcg@10"] == pytest.approx(0.33484, abs=1e-5)
    assert e.by_field["lang"]["de"]["fixed"]["ndcg@10"] == 1.0
    assert e.field_counts == {"lang": {"de": 1, "en": 2}}


def _many(tmp_path: Path, n: int) -> tuple:
    queries = [{"_id": f"q{i}", "text": f"t{i}", "kind": "a" if i % 2 else "b"} for i in range(n)]
    qrels = [(f"q{i}", f"rel{i}", 1) for i in range(n)]
    return load_dataset(write_dataset(tmp_path / "many", queries, qrels)), queries


def test_significance_tells_a_real_difference_from_none(tmp_path: Path) -> None:
    dataset, queries = _many(tmp_path, 30)
    first = {q["text"]: [f"rel{q['_id'][1:]}", "x"] for q in queries}
    # Second: the relevant document one rank lower on 27 of 30 queries.
    second = {q["text"]: (["x", f"rel{q['_id'][1:]}"] if int(q["_id"][1:]) > 2
                          else first[q["text"]]) for q in queries}
    e = evaluate(dataset, "corpus", {"second": _fixed(second), "first": _fixed(first),
                                     "same": _fixed(first)})
    assert e.best == "first"  # 1.0 vs. second's lower mean; "same" ties and comes later
    assert e.significance["second"]["t_test_p"] < 0.001
    assert e.significance["second"]["wilcoxon_p"] < 0.001
    assert e.significance["second"]["significant"] and e.significance["second"]["wins"] == 27
    assert e.significance["same"]["t_test_p"] == 1.0 == e.significance["same"]["wilcoxon_p"]
    assert not e.significance["same"]["significant"]


def test_outputs_json_markdown_plot_and_trec_runs(tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path / "ds", HAND_QUERIES, HAND_QRELS))
    e = evaluate(dataset, "corpus", {"fixed": _fixed(HAND_RUN),
                                     "worse": _fixed({"one": ["d2"], "two": [], "three": []})})
    report.write_json(e, tmp_path / "out" / "r.json")
    data = json.loads((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))
    assert {"dataset", "target", "queries", "results", "by_field"} <= set(data)
    assert (data["dataset"], data["target"], data["queries"]) == ("ds", "corpus", 3)
    assert set(data["results"]["fixed"]) == {*MEASURES, "latency_ms_p50", "latency_ms_p95"}
    assert set(data["by_field"]["lang"]["en"]["worse"]) == set(data["results"]["worse"])
    assert data["significance"]["worse"]["vs"] == "fixed"
    assert data["per_query"]["fixed"]["q2"]["ndcg@10"] == 1.0

    report.write_plot(e, tmp_path / "out" / "plot.png")
    assert (tmp_path / "out" / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report.write_markdown(e, tmp_path / "out" / "report.md", tmp_path / "out" / "plot.png")
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| **fixed** (best) | **0.5566** |" in md
    assert "## By lang" in md and "paired t-test" in md
    assert "![metrics per retriever](plot.png)" in md
    assert "`q3` three" in md  # the best retriever's misses are listed

    files = report.write_runs(e, tmp_path / "runs")
    assert [f.name for f in files] == ["fixed.trec", "worse.trec", "qrels.txt"]
    assert (tmp_path / "runs" / "fixed.trec").read_text().splitlines()[:2] == [
        "q1 Q0 d3 1 100 fixed", "q1 Q0 d1 2 99 fixed"]
    # Recomputed from the files alone (trec_eval's format), the headline matches.
    qrels = list(ir_measures.read_trec_qrels(str(tmp_path / "runs" / "qrels.txt")))
    run = list(ir_measures.read_trec_run(str(tmp_path / "runs" / "fixed.trec")))
    assert ir_measures.calc_aggregate([MEASURES["ndcg@10"]], qrels, run)[
        MEASURES["ndcg@10"]] == pytest.approx(data["results"]["fixed"]["ndcg@10"], abs=1e-4)
    table = report.text_table(e)
    assert table.splitlines()[2].startswith("fixed*") and "nDCG@10 by lang" in table


def test_own_corpus_is_indexed_apart_and_found(tmp_path: Path, embedder, monkeypatch) -> None:
    from assistant.evaluation.evaluate import VARIANTS, Variant

    # A ranking variant added by name takes part like the built-in ones.
    monkeypatch.setitem(VARIANTS, "bm25-top1", Variant(
        "bm25-top1", "the best BM25 hit only", lambda r, q: r.search(q, mode="bm25")[:1]))
    folder = write_dataset(tmp_path / "ds", corpus=CORPUS)
    request = workbench.resolve(folder, None, ["bm25", "dense", "hybrid", "bm25-top1"], None,
                                tmp_path)
    seen: list[tuple[str, int, int]] = []

    def no_knowledge_base():
        raise AssertionError("a dataset with its own corpus must not open the knowledge base")

    e = workbench.run(workbench.load(request), embedder, no_knowledge_base,
                      lambda stage, done, total: seen.append((stage, done, total)))
    assert e.target == "corpus" and e.index["documents"] == len(CORPUS)
    assert ("indexing corpus", 6, 6) in seen and seen[-1][1] == seen[-1][2] == 16
    assert [len(ids) for ids in e.results["bm25-top1"].run.values()] == [1, 1, 1, 1]
    for name in ("bm25", "hybrid", "dense"):
        assert e.results[name].run["q1"][0] == "d-heat", name
        assert e.results[name].metrics["recall@10"] == 1.0, name
    assert set(e.by_field["lang"]) == {"de", "en"}


def test_own_corpus_runs_the_apps_hybrid_with_both_encoders(tmp_path: Path, embedder) -> None:
    from ingest.core.settings import DEFAULT_MULTILINGUAL_MODEL
    from ingest.embed.multilingual import make_multilingual_embedder

    multilingual = make_multilingual_embedder(DEFAULT_MULTILINGUAL_MODEL)
    folder = write_dataset(tmp_path / "ds", corpus=CORPUS)
    request = workbench.resolve(folder, None, ["hybrid", "dense-multilingual", "bm25"], None,
                                tmp_path)
    e = workbench.run(workbench.load(request), embedder, lambda: None, None, multilingual)
    # The second encoder's own collection is searched: alone it finds every relevant document.
    assert e.results["dense-multilingual"].metrics["recall@10"] == 1.0
    assert e.results["dense-multilingual"].run["q1"][0] == "d-heat"
    assert e.index["signals"] == {"hybrid": ["bm25", "dense", "dense_multilingual"],
                                  "dense-multilingual": ["dense_multilingual"],
                                  "bm25": ["bm25"]}


def test_usage_problems(tmp_path: Path) -> None:
    from ingest.core.errors import UsageProblem

    with pytest.raises(UsageProblem, match="no such dataset folder"):
        workbench.resolve(tmp_path / "nope", None, ["bm25"], None, tmp_path)
    with pytest.raises(UsageProblem, match="unknown retriever 'bm26'; known: bm25, dense"):
        workbench.resolve(tmp_path, None, ["bm26"], None, tmp_path)
    request = workbench.resolve("builtin", "passages", ["bm25"], None, Path("corpus"))
    assert request.qrels == Path("corpus/benchmark/qrels/passages.tsv")


def test_builtin_tools_on_the_knowledge_base(shipped_assistant) -> None:
    evaluation = shipped_assistant.evaluate("builtin", "tools", ["bm25"])
    qrels = (Path(__file__).resolve().parent.parent / "corpus" / "benchmark" / "qrels" /
             "tools.tsv").read_text("utf-8").splitlines()[1:]
    judged = {line.split("\t")[0] for line in qrels if line}  # unanswerable ones have none
    assert evaluation.index["kind"] == "knowledge base" and set(evaluation.queries) == judged
    assert evaluation.results["bm25"].metrics["ndcg@10"] > 0.4
    assert set(evaluation.by_field["lang"]) == {"de", "en"}


@pytest.mark.slow
def test_hybrid_beats_its_parts_on_the_builtin_benchmark(shipped_assistant) -> None:
    evaluation = shipped_assistant.evaluate("builtin", "tools", ["bm25", "dense", "hybrid"])
    ndcg = {n: r.metrics["ndcg@10"] for n, r in evaluation.results.items()}
    assert ndcg["hybrid"] > ndcg["bm25"] and ndcg["hybrid"] > ndcg["dense"], ndcg


def test_unknown_tool_in_qrels_is_named(shipped_assistant, tmp_path: Path) -> None:
    from ingest.core.errors import DatasetProblem

    folder = write_dataset(tmp_path / "ds", qrels=[("q1", "dwd-hitzewarnsystem", 2),
                                                   ("q2", "no-such-tool", 1)])
    with pytest.raises(DatasetProblem, match=r"test.tsv:3: unknown corpus id 'no-such-tool' "
                                             r"\(not in the knowledge base's tools"):
        shipped_assistant.evaluate(folder, "tools", ["bm25"])
