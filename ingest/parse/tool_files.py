"""Tool files -> validated tools: YAML (one per file), JSON and JSONL (many), CSV (many, header).

Every record is checked against `Tool`; an error names the file and the line or record, and
fails the whole file, so a file is always indexed as a whole.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ingest.core.errors import FileProblem
from ingest.core.records import Tool
from ingest.parse.common import MAX_INT_DIGITS, load_yaml, read_text, yaml_problem

__all__ = ["TOOL_SUFFIXES", "read_tools", "validate_tool"]

TOOL_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".jsonl", ".csv"})
_CSV_LISTS = ("hazards", "phases", "scale", "languages", "aliases")
_CSV_OPTIONAL = ("provider", "url", "cost", "url_note", "name_de", "description_de")


def read_tools(path: Path) -> list[Tool]:
    suffix = path.suffix.lower()
    text = read_text(path)
    if suffix in (".yaml", ".yml"):
        return [validate_tool(_yaml_record(path, text), path)]
    if suffix == ".json":
        return _validate_all(path, _json_records(path, text), "record")
    if suffix == ".jsonl":
        return _validate_all(path, _jsonl_records(path, text), "line")
    if suffix == ".csv":
        return _validate_all(path, _csv_records(path, text), "line")
    raise FileProblem(path, f"unsupported tool file type {suffix!r}")


def validate_tool(data: dict, path: Path, where: str = "") -> Tool:
    """A Tool from one record; the error names the record, the field and the problem."""
    try:
        return Tool.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "record"
        message = str(first["msg"]).removeprefix("Value error, ")
        more = err.error_count() - 1
        raise FileProblem(
            path, f"{where}tool {data.get('id', '?')!r}: field {field}: {message}"
            + (f" (and {more} more problems)" if more else "")) from None


def _validate_all(path: Path, records: list[tuple[str, Any]], unit: str) -> list[Tool]:
    if not records:
        raise FileProblem(path, "no tool records in the file")
    tools: list[Tool] = []
    seen: dict[str, str] = {}
    for where, record in records:
        if not isinstance(record, dict):
            raise FileProblem(path, f"{where}: a tool must be an object of fields (id, name, ...)")
        tool = validate_tool(record, path, f"{where}: ")
        if tool.id in seen:
            raise FileProblem(path, f"{where}: duplicate tool id {tool.id!r} "
                                    f"(already at {seen[tool.id]})")
        seen[tool.id] = where
        tools.append(tool)
    return tools


def _yaml_record(path: Path, text: str) -> dict:
    try:
        data = load_yaml(text)
    except yaml.YAMLError as err:
        raise FileProblem(path, f"invalid YAML: {yaml_problem(err)}") from None
    if not isinstance(data, dict):
        raise FileProblem(path, "a tool file must hold one mapping of fields (id, name, ...)")
    return data


def _json_records(path: Path, text: str) -> list[tuple[str, Any]]:
    try:
        data = _load_json(path, text)
    except json.JSONDecodeError as err:
        raise FileProblem(path, f"invalid JSON: {err.msg} at line {err.lineno}") from None
    if isinstance(data, dict):
        data = data.get("tools", [data])
    if not isinstance(data, list):
        raise FileProblem(path, "JSON must hold a tool, a list of tools or {\"tools\": [...]}")
    return [(f"record {n}", item) for n, item in enumerate(data, start=1)]


def _jsonl_records(path: Path, text: str) -> list[tuple[str, Any]]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((f"line {number}", _load_json(path, line, f"line {number}: ")))
        except json.JSONDecodeError as err:
            raise FileProblem(path, f"line {number}: invalid JSON: {err.msg}") from None
    return records


def _load_json(path: Path, text: str, where: str = "") -> Any:
    """json.loads, with the limits Python would otherwise raise bare errors for."""
    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise FileProblem(path, f"{where}invalid JSON: a number of {len(digits)} digits "
                                    f"(at most {MAX_INT_DIGITS})")
        return int(digits)

    try:
        return json.loads(text, parse_int=bounded_int)
    except RecursionError:
        raise FileProblem(path, f"{where}invalid JSON: nested too deeply") from None


def _csv_records(path: Path, text: str) -> list[tuple[str, Any]]:
    """CSV with a header row; list fields hold `a;b`; an empty optional cell means none."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise FileProblem(path, "CSV needs a header row naming the fields (id, name, ...)")
    records = []
    try:
        for row in reader:
            if None in row:
                raise FileProblem(path, f"line {reader.line_num}: more cells than header fields")
            record: dict[str, Any] = {}
            for key, value in row.items():
                value = (value or "").strip()
                if key in _CSV_LISTS:
                    record[key] = [v.strip() for v in value.split(";") if v.strip()]
                elif key in _CSV_OPTIONAL and not value:
                    record[key] = None
                elif value or key not in ("aliases", "experiences"):
                    record[key] = value
            records.append((f"line {reader.line_num}", record))
    except csv.Error as err:
        raise FileProblem(path, f"line {reader.line_num}: invalid CSV: {err}") from None
    return records
