"""The assistant as one object: open the index once, then ask, ingest and report status.

The CLI and the Gradio app both talk to this class and nothing below it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from assistant.answer import TEXTS, Answer, compose
from assistant.filters import Filters
from assistant.rank import rank_tools
from assistant.retrieve import Retriever
from ingest.chunk import ChunkingParams
from ingest.embed import Embedder
from ingest.errors import ToolboxError
from ingest.pipeline import FileResult, Ingestor, IngestReport
from ingest.progress import ProgressCallback, no_progress
from ingest.settings import Settings
from ingest.status import IndexStatus
from ingest.store import IndexSpec, Store
from ingest.text import detect_language

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000


class EmptyQuestion(ToolboxError):
    """The question has no words to search for."""


def open_store(settings: Settings, embedder: Embedder) -> Store:
    spec = IndexSpec(embedder.identity, embedder.dim, settings.chunk_size, settings.chunk_overlap)
    return Store.open(settings, spec)


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 store: Store | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder(settings.embed_model)
        self.store = store or open_store(settings, self.embedder)
        self.retriever = Retriever(self.store, self.embedder)

    def ingestor(self, progress: ProgressCallback = no_progress) -> Ingestor:
        return Ingestor(self.store, self.embedder,
                        ChunkingParams(self.settings.chunk_size, self.settings.chunk_overlap),
                        self.settings.max_file_mb * 1_000_000, progress=progress,
                        lock_path=self.settings.data_dir / "write.lock")

    def ingest(self, paths: list[Path], remove_missing: bool = False,
               progress: ProgressCallback = no_progress,
               supersedes: dict[Path, str] | None = None) -> IngestReport:
        report = self.ingestor(progress).ingest(paths, remove_missing=remove_missing,
                                                supersedes=supersedes)
        self.retriever.refresh()
        return report

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

    def ask(self, question: str, filters: Filters = Filters(), top_k: int | None = None) -> Answer:
        """Answer a question: ranked tools with reasons and passages, and a cited summary."""
        question = (question or "").strip()[:MAX_QUESTION_CHARS]
        language = detect_language(question) if question else "en"
        if not any(ch.isalnum() for ch in question):
            raise EmptyQuestion(TEXTS[language]["empty"])
        hits = self.retriever.search(question, filters)
        tools = rank_tools(question, hits, self.retriever.snapshot.tools, filters,
                           top_k or self.settings.top_k)
        return compose(question, tools, hits, language)
