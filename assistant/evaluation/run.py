"""One evaluation end to end: resolve the dataset, choose what to search, run the retrievers.

A dataset with its own corpus.jsonl is indexed in a disposable Chroma collection (and its own
BM25) under a temporary directory that is deleted afterwards; the user's index is never opened.
Without corpus.jsonl the knowledge base is searched, with tool ids or `DOC_ID#PAGE` as ids.
Everything the dataset says is checked before anything is indexed.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.evaluation.beir import (
    CorpusLine,
    Dataset,
    check_qrels_ids,
    extract_zip,
    load_dataset,
    read_corpus,
)
from assistant.evaluation.evaluate import VARIANTS, Evaluation, Progress, evaluate, runner_for
from ingest.chunk.split import embedding_text
from ingest.core.errors import UsageProblem
from ingest.core.records import Chunk
from ingest.core.settings import Settings

if TYPE_CHECKING:  # torch and chromadb load only once there is something to index or search
    from assistant.retrieval.hybrid import Retriever
    from ingest.embed.protocol import Encoder
    from ingest.embed.sentence_transformer import Embedder

__all__ = ["BUILTIN", "Request", "resolve", "Loaded", "load", "run", "signals_run", "known_pages",
           "disposable_index", "unpacked"]

log = logging.getLogger(__name__)

BUILTIN = "builtin"
_WRITE_GROUP = 512  # corpus lines embedded and written together, one manifest entry each group


@dataclass(frozen=True)
class Request:
    folder: Path
    qrels: Path | None
    target: str  # tools | passages; a dataset with its own corpus is searched as `corpus`
    retrievers: tuple[str, ...]


def resolve(dataset: str | Path, target: str | None, retrievers: Sequence[str],
            qrels: Path | None, corpus_dir: Path) -> Request:
    """Check the request; `builtin` names the shipped benchmark (qrels per target)."""
    target = target or "tools"
    if target not in ("tools", "passages"):
        raise UsageProblem(f"unknown target {target!r}; use tools or passages")
    unknown = [r for r in retrievers if r not in VARIANTS]
    if unknown or not retrievers:
        raise UsageProblem(f"unknown retriever {unknown[0] if unknown else '(none)'!r}; "
                           f"known: {', '.join(VARIANTS)}")
    folder = Path(dataset)
    if str(dataset) == BUILTIN and not folder.exists():
        folder = corpus_dir / "benchmark"
        qrels = qrels or folder / "qrels" / f"{target}.tsv"
    if not folder.is_dir():
        raise UsageProblem(f"{folder}: no such dataset folder (expected queries.jsonl and "
                           f"qrels/test.tsv inside, or `{BUILTIN}`)")
    if qrels is not None and not qrels.is_file():
        raise UsageProblem(f"{qrels}: no such qrels file")
    return Request(folder, qrels, target, tuple(dict.fromkeys(retrievers)))


@dataclass(frozen=True)
class Loaded:
    """A dataset read and checked, with its own corpus lines when it has a corpus."""

    request: Request
    dataset: Dataset
    corpus: list[CorpusLine] | None


def load(request: Request) -> Loaded:
    """Read and check every file of the dataset (raises DatasetProblem naming file and line).

    Runs before any model is loaded or any index opened, so bad data costs nothing and
    touches nothing.
    """
    dataset = load_dataset(request.folder, request.qrels)
    if dataset.corpus_path is None:
        return Loaded(request, dataset, None)
    lines = list(read_corpus(dataset.corpus_path))
    check_qrels_ids(dataset, {line.doc_id for line in lines}, dataset.corpus_path.name)
    return Loaded(request, dataset, lines)


def run(loaded: Loaded, embedder: Embedder, knowledge_base: Callable[[], Retriever],
        progress: Progress | None = None, multilingual: Encoder | None = None) -> Evaluation:
    """Evaluate each retriever on the right collection.

    `knowledge_base` is called only when the dataset brings no corpus of its own; a dataset's
    own corpus is indexed by both encoders (`multilingual`: the app's second encoder, None when
    it runs without one), so `hybrid` fuses the same signals as the app. The result's `index`
    says which signals each retriever had.
    """
    request, dataset, lines = loaded.request, loaded.dataset, loaded.corpus
    if lines is not None:
        with disposable_index(lines, embedder, progress, multilingual) as (retriever, info):
            result = _evaluate(dataset, "corpus", request.retrievers, retriever, embedder,
                               progress)
            info["signals"] = signals_run(retriever, request.retrievers)
        result.index = info
        return result
    retriever = knowledge_base()
    known = (set(retriever.snapshot.tools) if request.target == "tools"
             else known_pages(retriever))
    check_qrels_ids(dataset, known, f"the knowledge base's {request.target}")
    result = _evaluate(dataset, request.target, request.retrievers, retriever, embedder,
                       progress)
    result.index = {"kind": "knowledge base", "collection": retriever.store.name,
                    "chunks": len(retriever.snapshot.chunks),
                    "signals": signals_run(retriever, request.retrievers)}
    return result


def signals_run(retriever: Retriever, names: Sequence[str]) -> dict[str, list[str]]:
    """Per retriever, the signals it fused: those it asks for that the index can give."""
    available = {"bm25", "dense"}
    if retriever.multilingual is not None and retriever.store.has_multilingual:
        available.add("dense_multilingual")
    if retriever.snapshot.tool_vectors_e5 is not None:  # the tool encoder, over tools alone
        available.add("dense_e5")
    return {name: sorted(VARIANTS[name].signals & available) for name in names}


def _evaluate(dataset: Dataset, target: str, names: Sequence[str], retriever: Retriever,
              embedder: Embedder, progress: Progress | None) -> Evaluation:
    runners = {name: runner_for(name, retriever, target) for name in names}

    def uncached() -> None:  # every retriever pays for its own query embeddings
        embedder.clear_cache()
        for encoder in (retriever.multilingual, retriever.tool_encoder):
            if encoder is not None:
                encoder.clear_cache()
    return evaluate(dataset, target, runners, before_each=uncached, progress=progress)


def known_pages(retriever: Retriever) -> set[str]:
    """Every `DOC_ID#PAGE` a passage of the knowledge base covers."""
    return {f"{c.doc_id}#{page}" for c in retriever.snapshot.chunks if c.kind == "passage"
            for page in range(c.page_start, c.page_end + 1)}


@contextmanager
def disposable_index(lines: list[CorpusLine], embedder: Embedder,
                     progress: Progress | None = None, multilingual: Encoder | None = None
                     ) -> Iterator[tuple[Retriever, dict[str, object]]]:
    """A Chroma collection (and one of the multilingual encoder's vectors, when given) and BM25
    over the corpus lines, deleted when the block ends."""
    from assistant.retrieval.hybrid import Retriever
    from ingest.index.store import SourceRecord, Store, index_spec

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="toolbox-eval-") as tmp:
        settings = Settings.from_env(environ={}, data_dir=Path(tmp), collection="dataset")
        spec = index_spec(embedder, multilingual, settings.chunk_size, settings.chunk_overlap)
        store = Store.open(settings, spec)
        try:
            for start in range(0, len(lines), _WRITE_GROUP):
                source_id = f"lines-{start}"
                group = [_chunk(line, source_id) for line in lines[start:start + _WRITE_GROUP]]
                texts = [embedding_text(c) for c in group]
                vectors = embedder.embed_documents(texts)
                across = None if multilingual is None else multilingual.embed_documents(texts)
                record = SourceRecord(source_id=source_id, path="corpus.jsonl",
                                      content_hash="", title="", chunks=len(group),
                                      ingested_at=time.time())
                store.replace_sources([(record, group)], vectors, across)
                if progress:
                    progress("indexing corpus", start + len(group), len(lines))
            retriever = Retriever(store, embedder, multilingual)
            seconds = time.perf_counter() - started
            log.info("indexed %d corpus lines in %.1f s", len(lines), seconds)
            yield retriever, {"kind": "dataset corpus", "documents": len(lines),
                              "seconds": round(seconds, 2)}
        finally:
            store.close()


def _chunk(line: CorpusLine, source_id: str) -> Chunk:
    return Chunk(chunk_id=line.doc_id, kind="passage", source_id=source_id, doc_id=line.doc_id,
                 title=line.title, text=line.text, page_start=1, page_end=1)


@contextmanager
def unpacked(archive: Path, max_bytes: int) -> Iterator[Path]:
    """An uploaded BEIR zip unpacked into a temporary folder (never the data dir), removed after."""
    with tempfile.TemporaryDirectory(prefix="toolbox-upload-") as tmp:
        yield extract_zip(archive, Path(tmp), max_bytes)
