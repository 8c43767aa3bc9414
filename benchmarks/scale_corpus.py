"""Larger knowledge bases for the scale benchmarks: the shipped corpus plus generated guides.

Generated guides are Markdown files recombined (seeded, so repeatable) from the sentences of the
shipped guides' sources, in their language, with their hazards: realistic words for BM25 and
the embedder, and tool names where the sources name tools. Each guide has 10 pages of about
8,500 characters, about 100 chunks at the default chunking. They are ingested once through the
real pipeline and cached under benchmarks/.cache/scale-N/ (documents and data dir); a larger
corpus starts from a copy of the next smaller one, and ingest skips what is unchanged.

Embedding is the cost: MiniLM on 2 otherwise idle cores embeds about 28 chunks a second (100k:
an hour), on the shared benchmark machine 6-10 (100k: 3-5 hours). So the 10k corpus is embedded
for real, and the guides the 100k corpus adds get a stand-in vector: the normalised mean of the
MiniLM vectors of the whole sentences in the chunk (each distinct sentence is embedded once, for
real). Query latency and memory depend on how many vectors there are and how they spread, which
these keep; retrieval quality at 100k is not what this corpus measures. Both encoders embed every
chunk, as the shipped index does (the multilingual one gets the same stand-in above 10k).

    python benchmarks/scale_corpus.py 10000 100000     # build (or check) these sizes
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import CACHE, CORPUS

from ingest.core.settings import Settings

CHUNKS_PER_GUIDE = 108  # measured on the generated guides; the corpus records its real count
PAGES = 10
PAGE_CHARS = 8500
_FRONT = re.compile(r"^---\n(.*?)\n---\n", re.S)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
REAL_UP_TO = 10_000  # corpora up to this size are embedded for real


def scale_dir(chunks: int) -> Path:
    return CACHE / f"scale-{chunks // 1000}k"


def scale_settings(chunks: int, **overrides: object) -> Settings:
    return Settings.from_env(environ={}, data_dir=scale_dir(chunks) / "data", corpus_dir=CORPUS,
                             collection="bench", **overrides)


def built(chunks: int) -> dict | None:
    """What the cached corpus of this size holds, or None when it is not (fully) built."""
    marker = scale_dir(chunks) / "built.json"
    return json.loads(marker.read_text()) if marker.exists() else None


def _sources() -> list[tuple[str, list[str], list[str]]]:
    """(language, hazards, sentences) of each shipped guide source."""
    out = []
    for path in sorted((CORPUS / "sources").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        front = _FRONT.match(text)
        meta = front.group(1) if front else ""
        language = re.search(r"^language:\s*(\w+)", meta, re.M)
        hazards = re.search(r"^hazards:\s*\[(.*?)\]", meta, re.M)
        body = _FRONT.sub("", text)
        body = re.sub(r"<!--.*?-->|[#*|>`_]|\[|\]\([^)]*\)", " ", body)
        sentences = [s.strip() for s in _SENTENCE.split(body)
                     if 40 <= len(s.strip()) <= 400]
        out.append((language.group(1) if language else "en",
                    [h.strip() for h in hazards.group(1).split(",")] if hazards else ["general"],
                    sentences))
    return out


def write_guides(folder: Path, first: int, count: int) -> None:
    """Guides number `first` .. `first + count - 1`, each seeded by its number."""
    sources = _sources()
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(first, first + count):
        path = folder / f"guide-{number:05d}.md"
        if path.exists():
            continue
        rng = random.Random(number)
        language, hazards, _ = rng.choice(sources)
        pool = [s for lang, _, sentences in sources if lang == language for s in sentences]
        pages = []
        for page in range(1, PAGES + 1):
            parts = [f"# Part {page}: {' '.join(rng.choice(pool).split()[:6])}\n"]
            size = 0
            while size < PAGE_CHARS:
                paragraph = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 7)))
                parts.append(paragraph + "\n")
                size += len(paragraph)
            pages.append("\n".join(parts))
        front = (f"---\nid: generated-{number:05d}\ntitle: \"Generated guide {number}\"\n"
                 f"language: {language}\nhazards: [{', '.join(hazards)}]\n---\n\n")
        path.write_text(front + "\n<!-- pagebreak -->\n\n".join(pages), encoding="utf-8")


class SentenceMeanEmbedder:
    """Stand-in for the embedder while the generated guides are written (see the docstring):
    a chunk's vector is the normalised mean of its whole sentences' real vectors."""

    def __init__(self, real: Any) -> None:
        self.real, self.dim, self.name = real, real.dim, real.name
        self.identity = real.identity
        pool = sorted({_key(s) for _, _, sentences in _sources() for s in sentences})
        self._vectors = dict(zip(pool, real.embed_documents(pool, batch_size=64), strict=True))

    def embed_documents(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        rows = []
        for text in texts:
            known = [self._vectors[k] for k in map(_key, _SENTENCE.split(text))
                     if k in self._vectors]
            if not known:  # no whole sentence (e.g. a tool record): embed it for real
                rows.append(self.real.embed_documents([text])[0])
                continue
            mean = np.mean(known, axis=0)
            rows.append(mean / np.linalg.norm(mean))
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)


def _key(sentence: str) -> str:
    return " ".join(sentence.split())


def build(chunks: int) -> dict:
    """Build (or finish building) the corpus of about `chunks` chunks; return its marker."""
    done = built(chunks)
    if done:
        return done
    from assistant.service import Assistant

    target = scale_dir(chunks)
    smaller = max((n for n in (10_000, 100_000) if n < chunks and built(n)), default=None)
    if smaller and not (target / "data").exists():  # start from the smaller corpus' index
        shutil.copytree(scale_dir(smaller) / "data", target / "data")
    guides = max(0, (chunks - 600) // CHUNKS_PER_GUIDE)
    write_guides(CACHE / "scale-guides", 0, guides)
    folder = target / "guides"
    folder.mkdir(parents=True, exist_ok=True)
    folders = [CORPUS, folder]
    first = 0
    if smaller:  # its guides stay indexed under their own folder; this one adds the rest
        folders.insert(1, scale_dir(smaller) / "guides")
        first = built(smaller)["guides"]  # type: ignore[index]
    for number in range(first, guides):  # hard links (ingest refuses symlinks out of a folder)
        name = f"guide-{number:05d}.md"
        if not (folder / name).exists():
            os.link(CACHE / "scale-guides" / name, folder / name)
    started = time.perf_counter()
    assistant = Assistant(scale_settings(chunks))
    if chunks > REAL_UP_TO:
        assistant.embedder = SentenceMeanEmbedder(assistant.embedder)  # type: ignore[assignment]
        if assistant.multilingual is not None:
            assistant.multilingual = SentenceMeanEmbedder(assistant.multilingual)  # type: ignore[assignment]
    report = assistant.ingest(folders)
    marker = {"chunks": assistant.store.count(), "guides": guides,
              "ingest_seconds": round(time.perf_counter() - started, 1),
              "failed": len(report.failed),
              "vectors": "real" if chunks <= REAL_UP_TO else
              f"real up to {REAL_UP_TO}, then means of real sentence vectors"}
    (target / "built.json").write_text(json.dumps(marker))
    return marker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="+", help="chunk counts, e.g. 10000 100000")
    args = parser.parse_args()
    for size in sorted(args.sizes):
        print(f"{size}: {build(size)}", flush=True)


if __name__ == "__main__":
    main()
