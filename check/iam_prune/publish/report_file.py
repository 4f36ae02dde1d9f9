"""Reading a JSON report (``iam-prune/report/v1``) back into a :class:`Report`.

``publish`` runs after ``scan`` (often in another step, sometimes on another machine), so the
report file is its only input. The JSON carries every fact the GitHub outputs show; the
character-range edits behind a patch are not in it and are not needed: suggestions are made
from the patch text itself.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

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

SCHEMA_ID = "iam-prune/report/v1"


class ReportFileError(Exception):
    """The report is missing, not JSON, or not a v1 report; the message says which."""


def load(path: Path) -> Report:
    """The report at ``path``; :class:`ReportFileError` with the reason when it is unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportFileError(f"{path}: no such report (run `iam-prune scan --json`)") from None
    except OSError as error:
        raise ReportFileError(f"{path}: cannot read: {error.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportFileError(
            f"{path}:{error.lineno}:{error.colno}: not JSON: {error.msg}"
        ) from None
    if not isinstance(document, dict):
        raise ReportFileError(f"{path}: not an iam-prune report (a JSON object is expected)")
    schema = document.get("schema")
    if schema != SCHEMA_ID:
        raise ReportFileError(
            f"{path}: report schema {schema!r} is not {SCHEMA_ID!r}"
            " (written by another iam-prune version?)"
        )
    try:
        return _report(document)
    except (KeyError, TypeError, ValueError) as error:
        raise ReportFileError(
            f"{path}: malformed report: {type(error).__name__}: {error}"
        ) from None


def _report(doc: dict[str, Any]) -> Report:
    settings = doc.get("settings") or {}
    run = doc.get("run")
    return Report(
        tool_version=str(doc["tool"]["version"]),
        generated_at=datetime.fromisoformat(doc["generated_at"]),
        settings=RunSettings(
            inactive_days=settings.get("inactive_days"),
            grace_days=int(settings.get("grace_days", 7)),
            terraform_dirs=tuple(settings.get("terraform_dirs", ())),
        ),
        accounts=tuple(_account(a) for a in doc["accounts"]),
        errors=tuple(_error(e) for e in doc["errors"]),
        notes=tuple(_note(n) for n in doc.get("notes", ())),
        run=None
        if run is None
        else RunInfo(
            url=run.get("url"),
            repository=run.get("repository"),
            sha=run.get("sha"),
            event=run.get("event"),
        ),
        sources=tuple(doc.get("sources", ())),
    )


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value)


def _account(doc: dict[str, Any]) -> AccountResult:
    inventory = doc["inventory"]
    return AccountResult(
        account_id=str(doc["account_id"]),
        source=str(inventory["source"]),
        report_generated_at=_time(inventory.get("report_generated_at")),
        users_seen=int(inventory["users"]),
        api_calls=int(inventory["api_calls"]),
        findings=tuple(_finding(f) for f in doc["findings"]),
        name=doc.get("name"),
        alias=doc.get("alias"),
        ou_path=doc.get("ou_path"),
    )


def _finding(doc: dict[str, Any]) -> Finding:
    remediation = doc.get("remediation")
    exemption = doc.get("exemption")
    return Finding(
        user=str(doc["user"]),
        status=Status(doc["status"]),
        reason=str(doc["reason"]),
        arn=doc.get("arn"),
        rule=None if doc.get("rule") is None else Rule(doc["rule"]),
        created=_time(doc.get("created")),
        last_activity=_time(doc.get("last_activity")),
        declarations=tuple(_declaration(d) for d in doc.get("declarations", ())),
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
            source=str(exemption["source"]),
            reason=str(exemption["reason"]),
            expires=exemption.get("expires"),
        ),
        notes=tuple(doc.get("notes", ())),
    )


def _declaration(doc: dict[str, Any]) -> Declaration:
    line = int(doc["line"])
    return Declaration(
        address=str(doc["address"]),
        name=None,
        span=SourceSpan(
            file=str(doc["file"]),
            start=0,
            end=0,
            line=line,
            end_line=int(doc.get("end_line", line)),
        ),
        expression="",
        via=str(doc.get("via", "static")),
    )


def _error(doc: dict[str, Any]) -> ReportError:
    return ReportError(
        source=ErrorSource(doc["source"]),
        message=str(doc["message"]),
        file=doc.get("file"),
        line=doc.get("line"),
        column=doc.get("column"),
        account_id=doc.get("account_id"),
    )


def _note(doc: dict[str, Any]) -> Note:
    return Note(
        message=str(doc["message"]),
        file=doc.get("file"),
        line=doc.get("line"),
        account_id=doc.get("account_id"),
    )
