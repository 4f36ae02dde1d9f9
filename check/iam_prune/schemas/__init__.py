"""The JSON contracts iam-prune writes, shipped with the package.

``report.schema.json`` is the project's JSON report contract (v1), kept identical to the
copy the team's shared design folder holds (a test compares them whenever both are present),
so that the package, its tests and anyone validating its output use the same file.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that ``--json`` output validates against."""
    text = resources.files(__name__).joinpath("report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
