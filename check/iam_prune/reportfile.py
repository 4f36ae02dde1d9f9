"""A JSON report read back into a :class:`~iam_prune.model.Report`.

``merge`` and ``publish`` start from reports written by other runs (other matrix jobs, other
machines), so what they read is checked first: a report of another schema version is refused
with that reason (its fields may mean something else), and anything else is validated against
the schema this package ships before a single field is trusted. What the JSON does not carry
(character ranges, the edits behind a patch, the inventory's notes) comes back empty: enough
to render every format again, not to apply a fix.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from iam_prune.formats.json import SCHEMA_ID
from iam_prune.model import (
    AccountResult,
    Declaration,
    ErrorSource,
    Exemption,
    Finding,
    Note,
    Remediation,
    Report,
    ReportError,
    Rule,
    RunInfo,
    RunSettings,
    SourceSpan,
    Status,
)
from iam_prune.schemas import report_schema


class ReportFileError(Exception):
    """A report file that cannot be used; the message starts with the file's path."""


def load_report(path: Path | str) -> Report:
    """The report in the JSON file at ``path``, validated; :class:`ReportFileError` otherwise."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ReportFileError(f"{where}: cannot read: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise ReportFileError(f"{where}: not UTF-8 text, so not an iam-prune report") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportFileError(
            f"{where}:{error.lineno}:{error.colno}: not JSON ({error.msg})"
        ) from error
    return from_document(document, where)


def from_document(document: Any, where: str = "<report>") -> Report:
    """A report from parsed JSON (what :func:`iam_prune.formats.json.to_document` gives)."""
    if not isinstance(document, dict):
        raise ReportFileError(f"{where}: not an iam-prune report (a JSON object was expected)")
    schema = document.get("schema")
    if schema != SCHEMA_ID:
        raise ReportFileError(
            f"{where}: report format {schema!r}, but this iam-prune reads {SCHEMA_ID!r}: "
            "made by another major version of iam-prune, so its fields cannot be trusted to "
            "mean the same; run both with the same version"
            if isinstance(schema, str)
            else f"{where}: no 'schema' key, so not an iam-prune report"
        )
    import jsonschema  # here: a scan, which reads no report, does not pay for its import

    problem = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if problem is not None:
        at = "/".join(str(part) for part in problem.absolute_path) or "(top level)"
        raise ReportFileError(f"{where}: does not match {SCHEMA_ID} at {at}: {problem.message}")
    try:
        report = _report(document)
    except ValueError as error:  # a timestamp the schema's "string" let through
        raise ReportFileError(f"{where}: {error}") from error
    if document.get("complete") is False and report.complete:
        # A report is complete when it lists no error; one that says otherwise without
        # naming why (edited by hand, made by another tool) stays incomplete here too.
        unnamed = ReportError(
            ErrorSource.CONFIG, f"{where}: says it is incomplete, without naming an error"
        )
        report = replace(report, errors=(unnamed,))
    return report


_VALIDATOR: Any = None


def _validator() -> Any:
    global _VALIDATOR
    if _VALIDATOR is None:
        import jsonschema

        schema = report_schema()
        _VALIDATOR = jsonschema.validators.validator_for(schema)(schema)
    return _VALIDATOR


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _report(doc: dict[str, Any]) -> Report:
    settings = doc.get("settings")
    run = doc.get("run")
    return Report(
        tool_version=doc["tool"]["version"],
        generated_at=datetime.fromisoformat(doc["generated_at"]),
        settings=None
        if settings is None
        else RunSettings(
            inactive_days=settings.get("inactive_days"),
            grace_days=settings.get("grace_days", 7),
            terraform_dirs=tuple(settings.get("terraform_dirs", ())),
        ),
        accounts=tuple(_account(a) for a in doc["accounts"]),
        errors=tuple(_error(e) for e in doc["errors"]),
        notes=tuple(
            Note(n["message"], n.get("file"), n.get("line"), n.get("account_id"))
            for n in doc.get("notes", ())
        ),
        run=None if run is None else RunInfo(**{k: run.get(k) for k in RunInfo.__annotations__}),
        sources=tuple(doc.get("sources", ())),
    )


def _error(doc: dict[str, Any]) -> ReportError:
    return ReportError(
        source=ErrorSource(doc["source"]),
        message=doc["message"],
        file=doc.get("file"),
        line=doc.get("line"),
        column=doc.get("column"),
        account_id=doc.get("account_id"),
    )


def _account(doc: dict[str, Any]) -> AccountResult:
    inventory = doc["inventory"]
    return AccountResult(
        account_id=doc["account_id"],
        source=inventory["source"],
        report_generated_at=_time(inventory.get("report_generated_at")),
        users_seen=inventory["users"],
        api_calls=inventory.get("api_calls"),
        findings=tuple(_finding(f) for f in doc["findings"]),
        name=doc.get("name"),
        alias=doc.get("alias"),
        ou_path=doc.get("ou_path"),
    )


def _finding(doc: dict[str, Any]) -> Finding:
    remediation = doc.get("remediation")
    exemption = doc.get("exemption")
    return Finding(
        user=doc["user"],
        status=Status(doc["status"]),
        reason=doc["reason"],
        arn=doc.get("arn"),
        rule=None if doc.get("rule") is None else Rule(doc["rule"]),
        created=_time(doc.get("created")),
        last_activity=_time(doc.get("last_activity")),
        declarations=tuple(_declaration(d, doc["user"]) for d in doc["declarations"]),
        remediation=None
        if remediation is None
        else Remediation(
            patch=remediation.get("patch"),
            destroys=tuple(remediation.get("destroys", ())),
            manual=tuple(remediation.get("manual", ())),
            commands=tuple(remediation.get("commands", ())),
        ),
        exemption=None
        if exemption is None
        else Exemption(
            source=exemption.get("source"),
            reason=exemption.get("reason", ""),
            expires=exemption.get("expires"),
        ),
        notes=tuple(doc.get("notes", ())),
    )


def _declaration(doc: dict[str, Any], user: str) -> Declaration:
    line = doc["line"]
    return Declaration(
        address=doc["address"],
        name=user,
        span=SourceSpan(doc["file"], 0, 0, line, doc.get("end_line", line)),
        expression="",
        via=doc.get("via", "static"),
    )
