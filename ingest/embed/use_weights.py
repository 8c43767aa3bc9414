"""USE multilingual v3's weights: inflated from the package's archive once, then memory-mapped.

The package ships them as a compressed .npz (30 MB, 79 MB inflated). Inflating it took 0.65 s of
every start on a busy machine, and its 65 MB token table was anonymous memory, although a
question reads a few dozen of its rows. With a cache folder (the index's data dir), the first
start writes each array as a plain .npy there; later starts map them (milliseconds), and only
the pages a question touches count towards the process's memory. The cache (weights_cache.py,
shared with e5) is named after the archive's size and time, so an upgraded package unpacks
afresh; a damaged folder is unpacked again, and a cache that cannot be written only costs the
inflating.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.core.npy import NPY_HEADER_LOCK
from ingest.embed.use_forward import CHUNKS, EMB_DIM, ORDERS
from ingest.embed.weights_cache import through_cache

__all__ = ["Weights"]


@dataclass(frozen=True)
class Weights:
    table: np.ndarray  # uint8 token rows (65 MB), piece id p at row p; dequantized per batch
    w: dict[str, np.ndarray]
    eps: float

    @classmethod
    def load(cls, path: Path, cache_dir: Path | None = None) -> Weights:
        """The weights of the archive at `path`, through `cache_dir` when given."""
        return through_cache(path, cache_dir, "use-m3", cls.inflate, Weights._write, cls._mapped)

    @classmethod
    def inflate(cls, path: Path) -> Weights:
        with NPY_HEADER_LOCK, np.load(path, allow_pickle=False) as z:
            table = np.empty((CHUNKS * z["q1"].shape[0], EMB_DIM), dtype=np.uint8)
            for i in range(CHUNKS):  # piece id p lives in block p % 17, row p // 17
                table[i::CHUNKS] = z[f"q{i + 1}"]
            w = {k: np.ascontiguousarray(z[k], dtype=np.float32)
                 for k in z.files if not k.startswith("q") and k != "bits"}
        eps = float(w.pop("eps").reshape(-1)[0])
        # One layer norm over all three branches' projections, exactly as the package does.
        w["proj"] = np.concatenate([w[f"proj{n}"] for n, _ in ORDERS], axis=1)
        w["proj_b"] = np.concatenate([w[f"proj_b{n}"] for n, _ in ORDERS])
        w["proj_ln_g"] = np.concatenate([w[f"ln_g{n}"] for n, _ in ORDERS])
        w["proj_ln_b"] = np.concatenate([w[f"ln_b{n}"] for n, _ in ORDERS])
        return cls(table, w, eps)

    @classmethod
    def _mapped(cls, folder: Path) -> Weights:
        w = {f.stem.removeprefix("w_"): np.load(f, mmap_mode="r", allow_pickle=False)
             for f in folder.glob("w_*.npy")}
        eps = float(np.load(folder / "eps.npy", allow_pickle=False))
        table = np.load(folder / "table.npy", mmap_mode="r", allow_pickle=False)
        return cls(table, w, eps)

    def _write(self, folder: Path) -> None:
        np.save(folder / "table.npy", self.table)
        np.save(folder / "eps.npy", np.float64(self.eps))
        for name, array in self.w.items():
            np.save(folder / f"w_{name}.npy", array)
