"""An uploaded dataset file (`file_content_base64` of a `.csv` or `.json` file) read into a table.

CSV: the first row names the columns; every later row has one value per column (strings); blank
lines are skipped. JSON: a list of objects; the columns are their keys in the order first seen,
and a row without a key has `null` there; values stay as they were (numbers, objects, lists).
Column names must be unique and not empty. Every problem is a 400 naming the field and where.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from promptsync.emulator.promptlayer.store import StoreError

MAX_BYTES = 100 * 1024 * 1024  # "Maximum decoded file size is 100MB."
FIELD = "file_content_base64"


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Any]]


def _problem(message: str) -> StoreError:
    return StoreError(400, f"Invalid {FIELD}: {message}")


def read_upload(file_name: str, content_base64: str) -> Table:
    kind = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if kind not in ("csv", "json"):
        raise StoreError(400, f"Invalid file_name '{file_name}': it must end with .csv or .json")
    compact = "".join(content_base64.split())  # line-wrapped base64 is still base64
    if len(compact) // 4 * 3 > MAX_BYTES + 2:
        raise _problem("the decoded file is larger than 100MB")
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise _problem("not valid base64") from None
    if len(raw) > MAX_BYTES:
        raise _problem("the decoded file is larger than 100MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _problem("the file is not UTF-8 text") from None
    return _csv(text) if kind == "csv" else _json(text)


def _check_columns(columns: list[str]) -> None:
    seen: set[str] = set()
    for number, name in enumerate(columns, 1):
        if not name.strip():
            raise _problem(f"column {number} has no name")
        if name in seen:
            raise _problem(f"column '{name}' appears twice")
        seen.add(name)


def _csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = [(reader.line_num, row) for row in reader if row]
    except csv.Error as exc:
        raise _problem(f"CSV line {reader.line_num}: {exc}") from None
    if not records:
        raise _problem("the CSV file has no header row")
    (_, header), *body = records
    _check_columns(header)
    for line, row in body:
        if len(row) != len(header):
            raise _problem(f"CSV line {line} has {len(row)} fields; the header has {len(header)}")
    return Table(header, [row for _, row in body])


def _json(text: str) -> Table:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise _problem(f"the file is not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise _problem("a JSON dataset must be a list of objects")
    columns: dict[str, None] = {}
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise _problem(f"item {index} of the JSON list is not an object")
        columns.update(dict.fromkeys(item))
    names = list(columns)
    _check_columns(names)
    return Table(names, [[item.get(name) for name in names] for item in data])
