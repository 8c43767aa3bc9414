"""The assistant as one object: open the index once, then ask, ingest and report status.

The CLI and the Gradio app both talk to this class and nothing below it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answer.compose import TEXTS, Answer, compose
from assistant.query.analysis import Analysis, analyse
from assistant.query.conversation import Turn, queries
from assistant.query.expand import question_language
from assistant.query.filters import Filters
from assistant.retrieval import vector_cache
from assistant.retrieval.abstain import evidence
from assistant.retrieval.hybrid import Retriever
from assistant.retrieval.search import Options, search
from assistant.retrieval.tool_ranking import RankedTool
from ingest.chunk.split import ChunkingParams
from ingest.core.errors import EmptyQuestion, ToolboxError
from ingest.core.progress import ProgressCallback, no_progress
from ingest.core.records import Retrieval
from ingest.core.settings import Settings
from ingest.embed.multilingual import make_multilingual_embedder
from ingest.embed.protocol import Encoder
from ingest.embed.sentence_transformer import Embedder
from ingest.embed.tool_encoder import make_tool_encoder
from ingest.index.status import IndexStatus
from ingest.index.store import Store, index_spec
from ingest.pipeline.run import FileResult, Ingestor, IngestReport

if TYPE_CHECKING:  # imported where used: a question needs neither (one-shot `ask`, issue 21)
    from assistant.answer.llm import ProseWriter
    from assistant.evaluation.evaluate import Evaluation, Progress
    from assistant.evaluation.feedback import FeedbackStore

__all__ = ["MAX_QUESTION_CHARS", "checked_question", "open_store", "Assistant"]

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000


def open_store(settings: Settings, embedder: Embedder,
               multilingual: Encoder | None = None) -> Store:
    """The live index, checked against both encoders (the multilingual one by default as
    TOOLBOX_MULTILINGUAL_MODEL names it)."""
    if multilingual is None:
        multilingual = make_multilingual_embedder(settings.multilingual_model,
                                                  settings.data_dir / "cache")
    spec = index_spec(embedder, multilingual, settings.chunk_size, settings.chunk_overlap)
    return Store.open(settings, spec)


def checked_question(question: str | None) -> str:
    """The question as `Assistant.ask` takes it (trimmed, at most MAX_QUESTION_CHARS); raises
    EmptyQuestion, in the question's language, for one without a letter or digit. Needs no
    index: the CLI asks it first, so an empty question neither loads the models nor builds the
    index of a first start."""
    question = (question or "").strip()[:MAX_QUESTION_CHARS]
    if not any(ch.isalnum() for ch in question):
        raise EmptyQuestion(TEXTS[question_language(question) if question else "en"]["empty"])
    return question


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 store: Store | None = None, one_shot: bool = False) -> None:
        """`one_shot`: this process answers a question or two and exits (the CLI's `ask`):
        questions are embedded over numpy, without importing torch (1.2 s and about 200 MB;
        ingest/embed/bert_forward.py). A serving process keeps the traced torch graph."""
        self.settings = settings
        self.embedder = embedder or Embedder(
            settings.embed_model, question_engine="numpy" if one_shot else "torch")
        self.multilingual = make_multilingual_embedder(settings.multilingual_model,
                                                       settings.data_dir / "cache")
        self.tool_encoder = make_tool_encoder(settings.tool_encoder, settings.data_dir / "cache",
                                              engine="numpy" if one_shot else "torch")
        if self.tool_encoder is not None:
            # the shipped tools' vectors: a first start embeds only what editors changed since
            vector_cache.seed(settings.corpus_dir / vector_cache.SEED,
                              self.tool_encoder.identity,
                              settings.data_dir / "cache" / vector_cache.TEXT_VECTORS)
        self.store = store or open_store(settings, self.embedder, self.multilingual)
        self.retriever = Retriever(self.store, self.embedder, self.multilingual,
                                   cache_dir=settings.data_dir / "cache",
                                   tool_encoder=self.tool_encoder)
        self.writer: ProseWriter | None = None  # None: extractive answers only
        if settings.llm_url:  # httpx is imported only for a configured endpoint
            from assistant.answer.llm import ProseWriter

            self.writer = ProseWriter.from_settings(settings)

    def ingestor(self, progress: ProgressCallback = no_progress,
                 carry: Store | None = None) -> Ingestor:
        """`carry`: an index of the same files to copy vectors from (Ingestor)."""
        return Ingestor(self.store, self.embedder,
                        ChunkingParams(self.settings.chunk_size, self.settings.chunk_overlap,
                                       self.settings.max_chunks_per_file),
                        self.settings.max_file_mb * 1_000_000, progress=progress,
                        lock_path=self.settings.data_dir / "write.lock",
                        space_dir=None if self.settings.chroma_url else self.settings.data_dir,
                        multilingual=self.multilingual if self.store.has_multilingual else None,
                        legacy_root=self.settings.data_dir.resolve().parent, carry=carry)

    def ingest(self, paths: list[Path], remove_missing: bool = False,
               progress: ProgressCallback = no_progress,
               supersedes: dict[Path, str] | None = None,
               replace: bool = False) -> IngestReport:
        report = self.ingestor(progress).ingest(paths, remove_missing=remove_missing,
                                                supersedes=supersedes, replace=replace)
        self.retriever.refresh()
        return report

    def follow_other_writer(self) -> None:
        """Reload after another process (the app's ingest worker, the CLI) wrote the index."""
        self.store.reconnect(self.settings)
        self.retriever.refresh()

    def remove(self, target: str) -> list[FileResult]:
        """Remove a document, a tool or everything a file brought in."""
        removed = self.ingestor().remove(target)
        self.retriever.refresh()
        return removed

    def status(self) -> IndexStatus:
        return IndexStatus.of(self.store)

    def ensure_index(self, progress: ProgressCallback = no_progress) -> IngestReport | None:
        """Build the index from the corpus folder when the store is empty (first start)."""
        if self.store.count() > 0:
            return None
        corpus = self.settings.corpus_dir
        if not corpus.is_dir():
            raise ToolboxError(f"the index is empty and the corpus folder {corpus} does not exist; "
                               "set TOOLBOX_CORPUS_DIR or run `toolbox-assistant ingest PATH`")
        log.info("index is empty: building it from %s", corpus)
        return self.ingest([corpus], progress=progress)

    def ask(self, question: str, filters: Filters = Filters(), top_k: int | None = None,
            history: Sequence[Turn] = (), removed_chips: Sequence[str] = ()) -> Answer:
        """Answer a question: ranked tools with reasons and passages, and a cited summary.

        Args:
            history: earlier turns of the chat; a follow-up is searched with their topic.
            removed_chips: inferred filters (`field:value`) the user switched off.
        """
        question = checked_question(question)
        # one detector for the answer's language and retrieval's: the glossary's, which also
        # knows keyword questions without function words ('hochwasser vorhersage europa')
        language = question_language(question)
        shown, query = queries(question, list(history))  # one follow-up decision for both
        analysis = analyse(query, removed_chips=tuple(removed_chips))
        retrieval, tools = self.rank(query, filters, top_k=top_k, analysis=analysis)
        intent = analysis.intent
        fits = evidence(self.retriever, query, analysis, retrieval).fits(
            self.settings.fit_threshold)
        answer = compose(query, tools, retrieval.hits, language, fits=fits)
        if self.writer is not None and answer.fits:  # prose over unrelated passages misleads
            answer = self.writer.rewrite(answer)
        return replace(answer, query=question, search_query=shown if shown != question else "",
                       chips=tuple(intent.chips()))

    def rank(self, query: str, filters: Filters = Filters(), options: Options = Options(),
             top_k: int | None = None, analysis: Analysis | None = None
             ) -> tuple[Retrieval, list[RankedTool]]:
        """Retrieve and rank tools for a standalone query (see assistant.retrieval.search).

        With a minimum funding rate, programmes that state no rate come after those known to
        meet it (assistant/query/funding_filter.py); enough are ranked that none known is lost.
        """
        top_k = top_k or self.settings.top_k
        funding = filters.funding
        unknown = (sum(funding.rate_unknown(t) for t in self.retriever.snapshot.tools.values())
                   if funding.min_rate is not None else 0)
        retrieval, tools, _ = search(self.retriever, query, filters, options, top_k + unknown,
                                     analysis)
        if unknown:
            tools = sorted(tools, key=lambda ranked: funding.rate_unknown(ranked.tool))
        return retrieval, tools[:top_k]

    @property
    def feedback(self) -> FeedbackStore:
        from assistant.evaluation.feedback import FeedbackStore

        return FeedbackStore(self.settings.data_dir)

    def record_feedback(self, query: str, filters: Filters, shown: Sequence[str], target: str,
                        vote: int) -> None:
        """A thumbs up (+1) or down (-1) on an answer (target "answer") or one shown tool."""
        fields = asdict(filters)
        funding = fields.pop("funding")  # flat, as lists, like the other filters
        fields.update({f"funding_{k}": v if isinstance(v, tuple) else (v,)
                       for k, v in funding.items() if v})
        self.feedback.record(query, fields, shown, target, vote)

    def evaluate(self, dataset: str | Path, target: str | None = None,
                 retrievers: Sequence[str] = ("bm25", "dense", "hybrid"),
                 qrels: Path | None = None, progress: Progress | None = None) -> Evaluation:
        """Evaluate retrievers on a BEIR folder or `builtin`; see assistant.evaluation.run."""
        from assistant.evaluation import run as workbench

        request = workbench.resolve(dataset, target, retrievers, qrels, self.settings.corpus_dir)
        return workbench.run(workbench.load(request), self.embedder, lambda: self.retriever,
                             progress, self.multilingual)
