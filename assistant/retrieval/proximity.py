"""Term proximity for BM25: a passage whose question words stand near each other gains.

BM25 scores a passage by its words alone, wherever they stand in it. Here each chunk's stems in
its own language are kept in order (stopwords left out), and a BM25 candidate's score is raised
by the share of the question's stem pairs that occur within WINDOW stems of each other:
score x (1 + WEIGHT x share). Measured on the four sets in one run (benchmarks/generalise.py,
hybrid nDCG@10; README, How the hybrid got here): built-in tools 0.785 -> 0.788, CLIMATE-FEVER
0.441 -> 0.442, real reports 0.580 -> 0.588 (hit@5 0.853 both), follow-up gap -0.016 -> -0.013.
A window of 3 stems gained less than 12 (real reports 0.572), so what counts is mostly that the
question's words meet in one stretch of the passage, not that they touch. Pairs of neighbouring
stems indexed as terms of their own lost on CLIMATE-FEVER (README, not kept). Cost: BM25's
time per question 0.3 -> 1.5 ms (p50), and the stems in order, a sixth more on disk.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.core import npy

__all__ = ["WINDOW", "WEIGHT", "DEPTH", "Sequences", "raise_near"]

WINDOW = 12  # stems (stopwords not counted) between two question words that still count as near
WEIGHT = 0.5  # a passage holding every question pair near gains half its BM25 score
DEPTH = 100  # the best BM25 chunks that are looked at (hybrid.py's CANDIDATES), and every tool

_TERMS, _OFFSETS = "terms.npy", "offsets.npy"


class Sequences:
    """Every chunk's stems as term ids of the lexical index, in text order (CSR layout)."""

    def __init__(self, terms: np.ndarray, offsets: np.ndarray) -> None:
        self.terms = terms
        self.offsets = offsets

    @classmethod
    def of(cls, sequences: list[list[int]]) -> Sequences:
        offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(s) for s in sequences])
        terms = np.fromiter((t for s in sequences for t in s), dtype=np.int32,
                            count=int(offsets[-1]))
        return cls(terms, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def save(self, directory: Path) -> None:
        np.save(directory / _TERMS, self.terms)
        np.save(directory / _OFFSETS, self.offsets)

    @classmethod
    def load(cls, directory: Path, documents: int) -> Sequences:
        """The sequences `save` wrote, memory-mapped; ValueError unless they describe
        `documents` chunks whole."""
        terms = npy.load(directory / _TERMS, mmap_mode="r")
        offsets = npy.load(directory / _OFFSETS, mmap_mode="r")
        if len(offsets) != documents + 1 or int(offsets[-1]) != len(terms) \
                or int(offsets[0]) != 0:
            raise ValueError(f"{directory}: term sequences do not match {documents} chunks")
        return cls(terms, offsets)


def raise_near(scores: np.ndarray, sequences: Sequences, question: list[int],
               candidates: np.ndarray) -> None:
    """Raise the candidates' scores in place by the share of the question's term pairs
    (`question`: its term ids) that occur within WINDOW of each other.

    All candidates at once, in numpy: a loop over them cost 13 ms a question (p95 39 ms) over
    250 candidates, against 0.2 ms for BM25 itself.
    """
    wanted = np.unique(np.asarray(question, dtype=np.int32))
    m = len(wanted)
    if m < 2 or not len(candidates):
        return
    starts = np.asarray(sequences.offsets[candidates], dtype=np.int64)
    lengths = np.asarray(sequences.offsets[candidates + 1], dtype=np.int64) - starts
    owner = np.repeat(np.arange(len(candidates)), lengths)  # the candidate of every stem
    first = np.cumsum(lengths) - lengths
    position = np.arange(int(lengths.sum())) - np.repeat(first, lengths)  # within its chunk
    terms = np.asarray(sequences.terms[np.repeat(starts, lengths) + position])
    keep = np.isin(terms, wanted)
    owner, position = owner[keep], position[keep]
    term = np.searchsorted(wanted, terms[keep])  # 0..m-1, in text order within each chunk
    codes = []
    for step in range(1, WINDOW + 1):  # positions rise by at least 1 a stem
        a, b = slice(None, -step), slice(step, None)
        within = (owner[a] == owner[b]) & (position[b] - position[a] <= WINDOW)
        if not within.any():
            break
        near = within & (term[a] != term[b])
        low = np.minimum(term[a], term[b])[near]
        high = np.maximum(term[a], term[b])[near]
        codes.append((owner[a][near] * m + low) * m + high)
    if not codes:
        return
    distinct = np.unique(np.concatenate(codes))
    near_pairs = np.bincount(distinct // (m * m), minlength=len(candidates))
    scores[candidates] *= (1.0 + WEIGHT * near_pairs / (m * (m - 1) // 2)).astype(scores.dtype)

