"""German compound splitting in BM25 (ingest/core/compounds.py), its modes side by side in one run.

    python benchmarks/compound_splitting.py [--modes off,all,keep-glossary]
        [--benchmarks generalise,realdocs] [--keep DIR]

For each mode the analyzer is switched (compounds.SPLITTING; the lexical cache's fingerprint
includes it, so every mode builds its own BM25 index) and the figures of benchmarks/generalise.py
(built-in tools nDCG@10 by language, CLIMATE-FEVER dev) and benchmarks/realdocs.py (the three
real reports; `--keep` reuses their ingested index between modes and runs) are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import generalise
import realdocs

from ingest.core import compounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="off,all,keep-glossary")
    parser.add_argument("--benchmarks", default="generalise,realdocs")
    parser.add_argument("--keep", type=Path, help="realdocs index folder to build once and reuse")
    args = parser.parse_args()
    keep = args.keep or Path(tempfile.mkdtemp(prefix="compound-realdocs-"))
    for mode in args.modes.split(","):
        compounds.SPLITTING = mode
        compounds.reset()
        for name in args.benchmarks.split(","):
            print(f"\n=== splitting={mode}: {name} ===", flush=True)
            if name == "generalise":
                sys.argv = ["generalise.py"]
                generalise.main()
            elif name == "realdocs":
                sys.argv = ["realdocs.py", "--keep", str(keep)]
                realdocs.main()
            sys.stdout.flush()


if __name__ == "__main__":
    main()
