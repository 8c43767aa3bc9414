"""Questions that copy tool texts: the longest run of words each benchmark question shares with
any tool's example_use, description, description_de or name_de.

    python benchmarks/leakage.py [--min 4]

A question that shares a long run with a tool text tests string matching, not retrieval; the
benchmark keeps every run at 3 words or fewer (tests/test_benchmark_file.py checks it).

One exception: a question may name a tool by its full German name, as staff would, so a run
that is the whole name_de (without its bracketed qualifier) is not a leak. Any shorter run of four
or more words from a name still is: long names are often sentences ("Welche Beteiligungsmethoden
können Bürgerinnen und Bürger ... aktivieren?") whose fragments a reworded question would copy.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_BRACKETED = re.compile(r"\([^)]*\)")
_PROSE_FIELDS = ("example_use", "description", "description_de")
_NAME_FIELDS = ("name_de",)

__all__ = ["leaks", "longest_shared_run", "proper_names", "tool_texts", "words"]


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def longest_shared_run(a: list[str], b: list[str]) -> tuple[int, str]:
    """The longest run of consecutive words in both lists (dynamic programming)."""
    best, end = 0, 0
    previous = [0] * (len(b) + 1)
    for i, word in enumerate(a, start=1):
        current = [0] * (len(b) + 1)
        for j, other in enumerate(b, start=1):
            if word == other:
                current[j] = previous[j - 1] + 1
                if current[j] > best:
                    best, end = current[j], i
        previous = current
    return best, " ".join(a[end - best:end])


def tool_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for path in sorted((CORPUS / "tools").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        for field in (*_PROSE_FIELDS, *_NAME_FIELDS):
            if record.get(field):
                texts[f"{record['id']}.{field}"] = words(str(record[field]))
    return texts


def proper_names() -> dict[str, str]:
    """Per name text key, the tool's proper name (its name without bracketed qualifiers) as
    joined words: a question may quote exactly this run."""
    names: dict[str, str] = {}
    for path in sorted((CORPUS / "tools").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        for field in _NAME_FIELDS:
            if record.get(field):
                names[f"{record['id']}.{field}"] = " ".join(
                    words(_BRACKETED.sub(" ", str(record[field]))))
    return names


def _run_against(question: list[str], name: str, text: list[str],
                 names: dict[str, str]) -> tuple[int, str, str]:
    length, run = longest_shared_run(question, text)
    if run and names.get(name) == run:
        return 0, "", name
    return length, run, name


def leaks(queries: list[dict], minimum: int) -> list[tuple[str, int, str, str, str]]:
    """(query id, run length, where, shared words, question) for every run >= minimum."""
    texts = tool_texts()
    names = proper_names()
    found = []
    for query in queries:
        question = words(query["text"])
        length, run, where = max(
            (_run_against(question, name, text, names) for name, text in texts.items()),
            key=lambda t: t[0])
        if length >= minimum:
            found.append((query["_id"], length, where, run, query["text"]))
    return sorted(found, key=lambda t: (-t[1], t[0]))


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=int, default=4, help="shortest run reported (words)")
    args = parser.parse_args()
    path = CORPUS / "benchmark" / "queries.jsonl"
    queries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for query_id, length, where, run, text in leaks(queries, args.min):
        print(f"{query_id}\t{length}\t{where}\t“{run}”\t{text}")


if __name__ == "__main__":
    main()
