"""``jsondecode``, ``yamldecode`` and ``csvdecode``: text to Terraform values.

Users are often listed in a YAML, JSON or CSV file beside the code
(``for_each = toset(yamldecode(file("users.yaml")).users)``). Decoding is deterministic, so it
is evaluated like any other function; the text comes from ``file()``, which the module layer
reads. A text read from a file decodes with origins (the lines of each entry,
:mod:`iam_prune.terraform.dataorigins`): removing a user's entry there is the fix.

YAML is read with PyYAML's safe loader, which agrees with Terraform's decoder on what user
lists are made of (strings, numbers, bools, null, sequences, mappings); timestamps come out
as Terraform writes them (``2024-01-02T00:00:00Z``) and non-string keys as their string.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any

import yaml

from iam_prune.terraform.dataorigins import (
    DataText,
    with_csv_origins,
    with_json_origins,
    with_yaml_origins,
)
from iam_prune.terraform.values import Unknown, Value, make_obj, make_seq, to_string


class DecodeError(Exception):
    """Text the decoder rejects; Terraform rejects it too."""


def _file(text: str, line: int | None = None, column: int | None = None) -> str:
    """Where a decoded text comes from, when ``file()`` read it: ``users.yaml:3:5: ``."""
    if not isinstance(text, DataText):
        return ""
    return ":".join(str(part) for part in (text.file, line, column) if part is not None) + ": "


def jsondecode(text: str) -> Value:
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as error:
        where = _file(text, error.lineno, error.colno)
        raise DecodeError(f"{where}the text is not valid JSON: {error.msg}") from error
    value = from_plain(loaded)
    return with_json_origins(value, text) if isinstance(text, DataText) else value


def yamldecode(text: str) -> Value:
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = _file(text, *((mark.line + 1, mark.column + 1) if mark else ()))
        problem = getattr(error, "problem", None) or error
        raise DecodeError(f"{where}the text is not valid YAML: {problem}") from error
    if len(documents) > 1:
        raise DecodeError(f"{_file(text)}the text holds more than one YAML document")
    value = from_plain(documents[0] if documents else None)
    return with_yaml_origins(value, text) if isinstance(text, DataText) else value


def csvdecode(text: str) -> Value:
    """A list of objects, one per row after the header, every value a string; a row whose
    number of fields differs from the header's is an error, as in Terraform."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise DecodeError(f"{_file(text)}the CSV text has no header row")
    header = rows[0]
    records: list[Value] = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DecodeError(
                f"{_file(text)}CSV row {number} has {len(row)} fields, the header has {len(header)}"
            )
        records.append(make_obj("object", ((k, v, None) for k, v in zip(header, row, strict=True))))
    value = make_seq("list", records)
    return with_csv_origins(value, text) if isinstance(text, DataText) else value


def from_plain(data: Any) -> Value:
    """A decoded document as a Terraform value: arrays are tuples, mappings objects."""
    if isinstance(data, datetime):
        moment = data if data.tzinfo is None else data.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(data, date):
        return data.strftime("%Y-%m-%dT00:00:00Z")
    if data is None or isinstance(data, str | bool | int | float):
        return data
    if isinstance(data, list):
        return make_seq("tuple", [from_plain(item) for item in data])
    if isinstance(data, dict):
        entries = []
        for key, item in data.items():
            name = to_string(from_plain(key))
            if isinstance(name, Unknown):
                raise DecodeError(f"a mapping key cannot be used as a string: {name.reason}")
            entries.append((name, from_plain(item), None))
        return make_obj("object", entries)
    raise DecodeError(f"a value of type {type(data).__name__} has no Terraform equivalent")
