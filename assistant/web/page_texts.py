"""The page's texts around the answer in one language: the tab names, the filter and funding
controls, the Browse search box and the Evaluate tab (pure, no gradio).

The page shows TOOLBOX_UI_LANGUAGE's texts first and then those of the latest question's
language (handlers.page_language), so every text here exists in English and German. Controls
keep language-neutral values (the closed lists of ingest/core/records.py); only their labels
change, which lets app.py relabel a control without touching what is selected.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer.funding_card import funding_controls, funding_title
from assistant.answer.labels import FIELDS, ui, value_label
from assistant.evaluation import report
from ingest.core.records import COSTS, HAZARDS, KINDS, LANGUAGES, PHASES, SCALES

__all__ = ["BUILTIN_TOOLS", "BUILTIN_PASSAGES", "UPLOAD", "FILTER_FIELDS", "EVALUATE",
           "Control", "PageTexts", "evaluate_texts"]

# The Evaluate tab's dataset choices: values the handlers compare against, in any language.
BUILTIN_TOOLS = "built-in benchmark: tools"
BUILTIN_PASSAGES = "built-in benchmark: passages"
UPLOAD = "upload a BEIR zip"
FILTER_FIELDS = (("hazards", HAZARDS), ("phases", PHASES), ("scales", SCALES),
                 ("languages", LANGUAGES), ("kinds", KINDS), ("costs", COSTS))

# Metric names (nDCG@10, R@5, ...) and retriever names stay as they are in either language:
# they are the names the literature and the CLI use.
EVALUATE: dict[str, dict[str, str]] = {
    "en": {
        "intro": "Benchmark the retrievers: nDCG@10, Recall@5/10/100, MRR@10, MAP@10, "
                 "latency, and a paired significance test against the best.",
        "dataset": "Dataset",
        BUILTIN_TOOLS: BUILTIN_TOOLS,
        BUILTIN_PASSAGES: BUILTIN_PASSAGES,
        UPLOAD: UPLOAD,
        "upload_box": "BEIR zip (queries.jsonl, qrels/test.tsv, corpus.jsonl)",
        "retrievers": "Retrievers",
        "run": "Run evaluation",
        "results": "Results (p: paired t-test on nDCG@10 vs. the best)",
        "downloads": "Report and JSON",
        "retriever": "retriever",
        "p_vs_best": "p vs best",
        "best": "best",
        "choose_zip": "Choose a BEIR zip to upload first.",
        "cannot": "**Cannot evaluate:** {error}",
        "failed": "Something went wrong while evaluating; the error was logged.",
        "summary": "**{dataset}** ({target}, {count} queries): best **{best}** by nDCG@10.",
        "versus": "{best} vs. {name}: p = {p} (paired t-test)",
        "significant": ", significant",
    },
    "de": {
        "intro": "Vergleich der Suchverfahren: nDCG@10, Recall@5/10/100, MRR@10, MAP@10, "
                 "Antwortzeit und ein gepaarter Signifikanztest gegen das beste.",
        "dataset": "Datensatz",
        BUILTIN_TOOLS: "eingebauter Benchmark: Werkzeuge",
        BUILTIN_PASSAGES: "eingebauter Benchmark: Textstellen",
        UPLOAD: "BEIR-Zip hochladen",
        "upload_box": "BEIR-Zip (queries.jsonl, qrels/test.tsv, corpus.jsonl)",
        "retrievers": "Suchverfahren",
        "run": "Evaluation starten",
        "results": "Ergebnisse (p: gepaarter t-Test auf nDCG@10 gegen das beste)",
        "downloads": "Bericht und JSON",
        "retriever": "Suchverfahren",
        "p_vs_best": "p gegen bestes",
        "best": "bestes",
        "choose_zip": "Wählen Sie zuerst ein BEIR-Zip zum Hochladen.",
        "cannot": "**Evaluation nicht möglich:** {error}",
        "failed": "Bei der Evaluation ist ein Fehler aufgetreten; er wurde protokolliert.",
        "summary": "**{dataset}** ({target}, {count} Fragen): am besten **{best}** nach "
                   "nDCG@10.",
        "versus": "{best} gegen {name}: p = {p} (gepaarter t-Test)",
        "significant": ", signifikant",
    },
}


def evaluate_texts(language: str) -> dict[str, str]:
    """The Evaluate tab's texts for `de` or `en` (English for anything else)."""
    return EVALUATE.get(language, EVALUATE["en"])


@dataclass(frozen=True)
class Control:
    """One filter or funding dropdown: what it filters, its label and (shown, value) choices."""

    field: str
    elem_id: str
    label: str
    choices: list[tuple[str, str]]
    multiselect: bool = True


@dataclass(frozen=True)
class PageTexts:
    """Everything on the page outside the answer that has words, in one language."""

    language: str
    intro: str
    tabs: tuple[str, str, str]  # Ask, Browse, Evaluate
    filters: tuple[Control, ...]  # chat.FIELDS then chat.FUNDING_FIELDS order
    funding: str
    browse_search: str
    browse_placeholder: str
    evaluate: dict[str, str]

    @classmethod
    def of(cls, language: str) -> PageTexts:
        u = ui(language)
        fields = FIELDS.get(language, FIELDS["en"])
        filters = [Control(name, f"filter-{name}", fields[name],
                           [(value_label(v, language), v) for v in values])
                   for name, values in FILTER_FIELDS]
        filters += [Control(name, f"funding-{name}", label, choices, multiselect)
                    for name, label, choices, multiselect in funding_controls(language)]
        return cls(language, u["intro"], (u["tab_ask"], u["tab_browse"], u["tab_evaluate"]),
                   tuple(filters), funding_title(language), u["browse_search"],
                   u["browse_placeholder"], evaluate_texts(language))

    @property
    def datasets(self) -> list[tuple[str, str]]:
        """The Evaluate tab's dataset choices as (shown, value)."""
        return [(self.evaluate[v], v) for v in (BUILTIN_TOOLS, BUILTIN_PASSAGES, UPLOAD)]

    @property
    def table_headers(self) -> list[str]:
        """The Evaluate table's headers: the retriever, the metrics, latency, p vs. the best."""
        headers = list(report.TABLE_HEADERS)
        return [self.evaluate["retriever"], *headers[1:-1], self.evaluate["p_vs_best"]]
