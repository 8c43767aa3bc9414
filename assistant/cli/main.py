"""The command line: `toolbox-assistant ingest|status|remove|reindex|ask|evaluate|feedback|serve`.

Also `python -m assistant`. The editor commands (ingest, status, remove, reindex) are in
`assistant/cli/editor.py`.

Exit codes: 0 success, 1 some input failed (the rest was done), 2 bad usage.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
from pathlib import Path
from typing import Any

from assistant.cli.editor import EDITOR_COMMANDS, add_editor_commands
from ingest.core.records import (
    APPLICANTS,
    BUDGET_BANDS,
    COSTS,
    FUNDING_TYPES,
    HAZARDS,
    KINDS,
    LANGUAGES,
    PHASES,
    SCALES,
)
from ingest.core.settings import Settings, configure_offline

__all__ = ["build_parser", "main", "answer_json"]

log = logging.getLogger("toolbox")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toolbox-assistant",
        description="Find climate-adaptation tools for municipalities, with the passages "
                    "behind them.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add_editor_commands(commands)

    ask = commands.add_parser("ask", help="ask a question", description="Ask a question.")
    ask.add_argument("question", help="the question, in English or German")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    for flag, values in (("hazard", HAZARDS), ("phase", PHASES), ("scale", SCALES),
                         ("language", LANGUAGES), ("kind", KINDS), ("cost", COSTS)):
        ask.add_argument(f"--{flag}", action="append", choices=values, metavar=flag.upper(),
                         help=f"only tools with this {flag} (repeatable): {', '.join(values)}")
    funding = ask.add_argument_group("funding programmes (each option keeps only programmes)")
    funding.add_argument("--who", action="append", choices=APPLICANTS, metavar="APPLICANT",
                         help=f"who may apply (repeatable): {', '.join(APPLICANTS)}")
    funding.add_argument("--country", action="append", metavar="COUNTRY",
                         help="offered in this country (EU-wide programmes count), e.g. Germany")
    funding.add_argument("--land", action="append", metavar="LAND",
                         help="offered in this German Land (federal and EU programmes count), "
                              "e.g. Sachsen")
    funding.add_argument("--funding-type", action="append", choices=FUNDING_TYPES,
                         metavar="TYPE", help=f"what is paid out: {', '.join(FUNDING_TYPES)}")
    funding.add_argument("--budget", action="append", choices=BUDGET_BANDS, metavar="BAND",
                         help=f"budget per project: {', '.join(BUDGET_BANDS)}")
    funding.add_argument("--min-rate", type=int, default=None, metavar="PERCENT",
                         help="covers at least this share of the costs (0-100)")
    ask.add_argument("--top-k", type=int, default=None, metavar="N",
                     help="how many tools to list (default: TOOLBOX_TOP_K)")
    ask.add_argument("--include-superseded", action="store_true",
                     help="also cite documents a later edition replaces")

    evaluate = commands.add_parser(
        "evaluate", help="benchmark retrievers on a BEIR-format dataset",
        description="Compare retrievers on a BEIR folder (queries.jsonl, qrels/test.tsv, and "
                    "corpus.jsonl when it brings its own corpus) or on `builtin`, the shipped "
                    "benchmark. Without corpus.jsonl the knowledge base is searched; with it, "
                    "the corpus is indexed in a disposable collection and the index is untouched.")
    evaluate.add_argument("dataset", metavar="DATASET_DIR",
                          help="a BEIR-format folder, or `builtin`")
    evaluate.add_argument("--target", choices=("tools", "passages"), default=None,
                          help="what the knowledge base ranks: tool ids (default) or DOC_ID#PAGE;"
                               " ignored for a dataset with its own corpus")
    evaluate.add_argument("--retrievers", default="bm25,dense,hybrid", metavar="LIST",
                          help="comma-separated retrievers to compare (default bm25,dense,hybrid)")
    evaluate.add_argument("--qrels", type=Path, default=None, metavar="FILE",
                          help="judgments to use instead of DATASET_DIR/qrels/test.tsv")
    evaluate.add_argument("--json", type=Path, default=None, metavar="OUT",
                          help="write the results as JSON (ARCHITECTURE.md's shape, plus per-query "
                               "values and significance)")
    evaluate.add_argument("--report", type=Path, default=None, metavar="OUT.md",
                          help="write a Markdown report")
    evaluate.add_argument("--plot", type=Path, default=None, metavar="OUT.png",
                          help="write a PNG plot of the metrics per retriever and per query field")
    evaluate.add_argument("--runs", type=Path, default=None, metavar="DIR",
                          help="write one TREC run file per retriever and qrels.txt (trec_eval)")

    feedback = commands.add_parser("feedback", help="work with thumbs up/down from the chat",
                                   description="Votes from the chat, stored in the data dir.")
    feedback_commands = feedback.add_subparsers(dest="feedback_command", required=True,
                                                metavar="ACTION", help="export")
    export = feedback_commands.add_parser(
        "export", help="write the votes as a BEIR dataset (queries.jsonl, qrels/test.tsv)",
        description="Write the votes as BEIR queries and tool judgments, ready for "
                    "`toolbox-assistant evaluate OUT_DIR`.")
    export.add_argument("out", type=Path, metavar="OUT_DIR", help="folder to write to")

    serve = commands.add_parser("serve", help="run the web app",
                                description="Run the Gradio app (builds the index if empty).")
    serve.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 7860)")
    return parser


def main(argv: list[str] | None = None) -> int:
    configure_offline()
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from ingest.core.errors import ConfigError, ToolboxError, UsageProblem

    try:
        settings = Settings.from_env()
        if args.command in EDITOR_COMMANDS:
            return EDITOR_COMMANDS[args.command](args, settings)
        if args.command == "ask":
            return _ask(args, settings)
        if args.command == "evaluate":
            return _evaluate(args, settings)
        if args.command == "feedback":
            return _feedback(args, settings)
        if args.command == "serve":
            return _serve(args, settings)
    except (UsageProblem, ConfigError) as err:  # bad usage: exit code 2
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ToolboxError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 2


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.answer.funding_card import funding_lines
    from assistant.query.filters import Filters
    from assistant.query.funding_filter import FundingFilter
    from assistant.service import Assistant, checked_question

    checked_question(args.question)  # before the models and the index: an empty one is told now
    funding = FundingFilter.of(applicants=args.who, countries=args.country, lands=args.land,
                               funding_types=args.funding_type, budget_bands=args.budget,
                               min_rate=args.min_rate)
    filters = Filters.of(hazards=args.hazard, phases=args.phase, scales=args.scale,
                         languages=args.language, kinds=args.kind, costs=args.cost,
                         include_superseded=args.include_superseded, funding=funding)
    if args.top_k is not None and args.top_k < 1:
        print("error: --top-k must be at least 1", file=sys.stderr)
        return 2
    # One question, then exit: no cyclic collector (its passes over the freshly loaded tables
    # only cost time in a process this short) and no torch (Assistant's one_shot).
    gc.disable()
    assistant = Assistant(settings, one_shot=True)
    if assistant.store.count() == 0:  # the first start builds the index: a long run
        gc.enable()
    assistant.ensure_index()
    answer = assistant.ask(args.question, filters, top_k=args.top_k)
    if args.json:
        print(json.dumps(answer_json(answer, filters), ensure_ascii=False, indent=2))
    else:
        print(answer.text)
        if answer.note:
            print(f"({answer.note})")
        print()
        for rank, ranked in enumerate(answer.tools, start=1):
            tool = ranked.tool
            print(f"{rank}. {tool.name} ({tool.kind}) {tool.url or ''}".rstrip())
            if ranked.reasons:
                print(f"   why: {'; '.join(ranked.reasons)}")
            for experience in tool.experiences:
                print(f"   used in {experience.city}: {experience.what} ({experience.source})")
            for line in funding_lines(tool, answer.language):
                print(line)
        if answer.passages:
            print()
            for number, hit in enumerate(answer.passages, start=1):
                print(f"[{number}] {hit.chunk.title}, p. {hit.chunk.page_start}")
    return 0


def answer_json(answer: Any, filters: Any = None) -> dict[str, Any]:
    """The `ask --json` object (ARCHITECTURE.md, Contracts); `filters` are echoed."""
    from assistant.answer.funding_card import funding_json

    def passage(hit: Any) -> dict[str, Any]:
        return {"doc_id": hit.chunk.doc_id, "title": hit.chunk.title,
                "page": hit.chunk.page_start, "text": hit.chunk.text,
                "score": round(hit.score, 6)}

    return {
        "query": answer.query,
        "answer": answer.text,
        "fits": answer.fits,
        "note": answer.note,
        "tools": [
            {"id": r.tool.id, "name": r.tool.name, "score": round(r.score, 6),
             "url": str(r.tool.url) if r.tool.url else None, "kind": r.tool.kind,
             "cost": r.tool.cost, "provider": r.tool.provider, "hazards": list(r.tool.hazards),
             "phases": list(r.tool.phases),
             "reasons": list(r.reasons), "passages": [passage(h) for h in r.passages],
             "experiences": [e.model_dump() for e in r.tool.experiences],
             "funding": funding_json(r.tool)}
            for r in answer.tools
        ],
        "passages": [passage(h) for h in answer.passages],
        **({"filters": _filters_json(filters)} if filters is not None else {}),
    }


def _filters_json(filters: Any) -> dict[str, Any]:
    names = ("hazards", "phases", "scales", "languages", "kinds", "costs")
    return {**{name: list(getattr(filters, name)) for name in names},
            "funding": filters.funding.as_json()}


def _evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.evaluation import report
    from assistant.evaluation import run as workbench

    retrievers = [r.strip() for r in args.retrievers.split(",") if r.strip()]
    request = workbench.resolve(args.dataset, args.target, retrievers, args.qrels,
                                settings.corpus_dir)
    loaded = workbench.load(request)  # every file checked before a model or index is opened

    from ingest.embed.multilingual import make_multilingual_embedder
    from ingest.embed.sentence_transformer import Embedder

    embedder = Embedder(settings.embed_model)
    multilingual = make_multilingual_embedder(settings.multilingual_model)

    def knowledge_base() -> Any:
        from assistant.service import Assistant

        assistant = Assistant(settings, embedder=embedder)
        assistant.ensure_index(progress=bars.bars)
        return assistant.retriever

    with _ProgressBars(enabled=sys.stderr.isatty()) as bars:
        evaluation = workbench.run(loaded, embedder, knowledge_base, bars.update, multilingual)
    print(report.text_table(evaluation))
    if args.json:
        report.write_json(evaluation, args.json)
    if args.plot:
        report.write_plot(evaluation, args.plot)
    if args.report:
        report.write_markdown(evaluation, args.report, args.plot)
    if args.runs:
        report.write_runs(evaluation, args.runs)
    written = [str(p) for p in (args.json, args.report, args.plot, args.runs) if p]
    if written:
        print("written: " + ", ".join(written))
    return 0


class _ProgressBars:
    """One bar per stage (indexing, querying), fed by the workbench's progress callback."""

    def __init__(self, enabled: bool) -> None:
        from ingest.core.progress import TqdmProgress

        self.bars = TqdmProgress(enabled)

    def __enter__(self) -> _ProgressBars:
        return self

    def update(self, stage: str, done: int, total: int) -> None:
        from ingest.core.progress import ProgressEvent

        key = stage.split(" (")[0]
        self.bars(ProgressEvent(key, done, total, stage[len(key):].strip(" ()")))

    def __exit__(self, *exc: object) -> None:
        self.bars.close()


def _feedback(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.evaluation.feedback import FeedbackStore

    report = FeedbackStore(settings.data_dir).export(args.out)
    print(report.summary())
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    # The UI lives in app.py at the edge and nothing imports it: run it as `python app.py` would.
    import runpy

    sys.argv = ["app.py"]
    if args.host:
        sys.argv += ["--host", args.host]
    if args.port:
        sys.argv += ["--port", str(args.port)]
    runpy.run_module("app", run_name="__main__")
    return 0
