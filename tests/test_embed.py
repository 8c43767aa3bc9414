"""The embedder's question path (ingest/embed/bert.py) against sentence-transformers itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from ingest.core.settings import DEFAULT_EMBED_MODEL
from ingest.embed.bert import BertMeanEncoder
from ingest.embed.bert_forward import NumpyBertEncoder
from ingest.embed.sentence_transformer import Embedder, resolve_model

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
MODEL = Path(resolve_model(DEFAULT_EMBED_MODEL))


def _questions() -> list[dict]:
    lines = (ROOT / "corpus" / "benchmark" / "queries.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# Beside the benchmark's questions: empty, punctuation only, umlauts and ß, a text over the
# 256-token max_seq_length (truncated), a script the vocabulary barely knows, odd whitespace.
LONG = "flood " * 600
ODD_TEXTS = ["", "?", "Hitzeaktionsplan für Städte: Straße, Öl, ß", LONG, "洪水 リスク 地図",
             "a\tb\nc  d"]


def _texts() -> list[str]:
    """Every benchmark question (each embedded alone, as a question is) and the odd texts."""
    return [q["text"] for q in _questions()] + ODD_TEXTS


def _batches() -> list[list[str]]:
    """The padded batches: padding to the longest text must not change a vector.

    The first, per language every 12th question from the shortest to the longest, and the odd
    texts but the long one; the second, the shortest and longest question of each language
    beside the text over the max length, so padded to 256 tokens. All 306 texts in one batch
    padded to 256 took 112 s of the numpy forward on this machine; every question is compared
    alone already."""
    first, second = [], [LONG, ""]
    for language in ("de", "en"):
        texts = sorted((q["text"] for q in _questions() if q["lang"] == language), key=len)
        first += texts[::12] + texts[-1:]
        second += [texts[0], texts[-1]]
    return [first + [t for t in ODD_TEXTS if t != LONG], second]


@pytest.fixture(scope="module")
def reference() -> SentenceTransformer:
    return SentenceTransformer(str(MODEL), device="cpu")


@pytest.fixture(scope="module")
def expected(reference: SentenceTransformer) -> dict[str, np.ndarray]:
    """sentence-transformers' vector of every text, computed once for both encoders."""
    texts = _texts()
    vectors = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    return dict(zip(texts, vectors, strict=True))


def _agree(ours: np.ndarray, texts: list[str], expected: dict[str, np.ndarray]) -> None:
    theirs = np.stack([expected[t] for t in texts])
    assert ours.shape == theirs.shape
    assert np.min(np.sum(ours * theirs, axis=1)) >= 0.99999


def test_the_batches_span_lengths_and_languages() -> None:
    batches, questions = _batches(), _questions()
    for language in ("de", "en"):
        texts = sorted((q["text"] for q in questions if q["lang"] == language), key=len)
        assert {texts[0], texts[-1]} <= set(batches[1])
        assert len(set(batches[0]) & set(texts)) >= 12
    assert LONG in batches[1] and set(batches[0]) | set(batches[1]) <= set(_texts())
    assert len(set(_texts())) > 150


def test_questions_get_the_vectors_sentence_transformers_gives(expected) -> None:
    texts = _texts()
    encoder = BertMeanEncoder.load(MODEL)
    assert encoder is not None
    # All submitted at once: the workers run the one traced graph side by side.
    ours = np.stack([future.result()[0] for future in [encoder.submit([t]) for t in texts]])
    _agree(ours, texts, expected)
    for batch in _batches():
        _agree(encoder.encode(batch), batch, expected)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_the_numpy_forward_gives_the_vectors_sentence_transformers_gives(expected) -> None:
    texts = _texts()
    encoder = NumpyBertEncoder.load(MODEL)
    assert encoder is not None
    ours = np.stack([encoder.submit([t]).result()[0] for t in texts])
    _agree(ours, texts, expected)
    for batch in _batches():
        _agree(encoder.encode(batch), batch, expected)
    assert ours.dtype == np.float32
    assert NumpyBertEncoder.load(MODEL.parent / "missing") is None


def test_the_embedder_serves_questions_without_sentence_transformers() -> None:
    probe = (
        "import sys\n"
        "from assistant.service import Assistant\n"
        "from ingest.embed.sentence_transformer import Embedder\n"
        "embedder = Embedder()\n"
        "embedder.embed_queries(['heat action plan', 'Hitzeaktionsplan'])\n"
        "embedder.embed_query('flood map')\n"
        "print('before', 'sentence_transformers' in sys.modules)\n"
        "embedder.embed_documents(['a passage'])\n"
        "print('after', 'sentence_transformers' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=True).stdout.split("\n")
    assert "before False" in out and "after True" in out


def test_passages_and_questions_agree_in_one_embedder(embedder: Embedder) -> None:
    text = "Heat action plans protect vulnerable people during heat waves."
    assert float(embedder.embed_documents([text])[0] @ embedder.embed_query(text)) >= 0.99999


def test_another_pooling_is_left_to_sentence_transformers(tmp_path: Path) -> None:
    folder = tmp_path / "cls-model"
    shutil.copytree(MODEL, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    os.link(MODEL / "model.safetensors", folder / "model.safetensors")
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))
    assert BertMeanEncoder.load(folder) is None
    assert BertMeanEncoder.load(tmp_path / "missing") is None

    cls_embedder = Embedder(str(folder))
    text = "drought monitoring for a small town"
    expected = SentenceTransformer(str(folder), device="cpu").encode(
        text, normalize_embeddings=True)
    assert float(cls_embedder.embed_query(text) @ expected) >= 0.99999
    assert float(cls_embedder.embed_query(text) @ Embedder().embed_query(text)) < 0.999
