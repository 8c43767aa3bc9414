"""Write corpus/tools/<id>.yaml from the shared catalogue (tools.jsonl), one record per tool.

Usage: python corpus/seed_tools.py [CATALOGUE] [--force]
Existing files are kept unless --force: editors may have changed them since. With --force the
catalogue's fields are written again, and fields the catalogue does not have (`aliases`,
`experiences`: added by editors with their sources) are kept from the existing file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
EDITOR_FIELDS = ("aliases", "experiences")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogue", nargs="?", type=Path,
                        default=HERE.parent.parent / "shared" / "toolbox" / "tools.jsonl")
    parser.add_argument("--force", action="store_true", help="overwrite existing tool files")
    args = parser.parse_args()
    out_dir = HERE / "tools"
    out_dir.mkdir(exist_ok=True)
    written = 0
    for line in args.catalogue.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        target = out_dir / f"{record['id']}.yaml"
        if target.exists():
            if not args.force:
                continue
            record = _with_editor_fields(record, target)
        target.write_text(
            yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
        written += 1
    print(f"{written} tool files written to {out_dir}")


def _with_editor_fields(record: dict, target: Path) -> dict:
    """The catalogue record plus what an editor added to the existing file (never overwritten)."""
    existing = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
    return {**record, **{k: v for k, v in existing.items()
                         if k in EDITOR_FIELDS and k not in record}}


if __name__ == "__main__":
    main()
