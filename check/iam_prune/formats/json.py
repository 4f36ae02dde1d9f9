"""The JSON report: the format machines read, and the one ``iam-prune merge`` combines.

Its shape is a published contract, ``iam-prune/report/v1`` (``shared/report.schema.json``):
additive changes keep v1, anything else is v2. Keys are written in a fixed order and findings
in the order the report holds them, so two runs over the same facts give byte-identical files
that diff cleanly. Optional facts are ``null`` where the schema names them as nullable and are
left out where the schema lists them as optional (remediation parts, error positions).
"""

from __future__ import annotations

import json
from typing import Any, Final

from iam_prune.formats.interface import isoformat
from iam_prune.model import (
    AccountResult,
    Declaration,
    Exemption,
    Finding,
    Note,
    Remediation,
    Report,
    ReportError,
    RunInfo,
    RunSettings,
)

SCHEMA_ID: Final = "iam-prune/report/v1"
TOOL_NAME: Final = "iam-prune"

JsonObject = dict[str, Any]


def render(report: Report) -> str:
    """The report as indented JSON with a trailing newline."""
    return json.dumps(to_document(report), indent=2) + "\n"


def to_document(report: Report) -> JsonObject:
    """The report as plain JSON values, before serialisation (handy for tests and merging)."""
    doc: JsonObject = {
        "schema": SCHEMA_ID,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "generated_at": isoformat(report.generated_at),
        "complete": report.complete,
        "errors": [_error(e) for e in report.errors],
        "accounts": [_account(a) for a in report.accounts],
        "notes": [_note(n) for n in report.notes],
    }
    if report.settings is not None:
        doc["settings"] = _settings(report.settings)
    if report.run is not None:
        doc["run"] = _run(report.run)
    if report.sources:
        doc["sources"] = list(report.sources)
    return doc


def _note(note: Note) -> JsonObject:
    doc: JsonObject = {"message": note.message}
    optional = {"file": note.file, "line": note.line, "account_id": note.account_id}
    doc.update({key: value for key, value in optional.items() if value is not None})
    return doc


def _run(run: RunInfo) -> JsonObject:
    return {"url": run.url, "repository": run.repository, "sha": run.sha, "event": run.event}


def _settings(settings: RunSettings) -> JsonObject:
    return {
        "inactive_days": settings.inactive_days,
        "grace_days": settings.grace_days,
        "terraform_dirs": list(settings.terraform_dirs),
    }


def _error(error: ReportError) -> JsonObject:
    doc: JsonObject = {"source": error.source.value, "message": error.message}
    optional = {
        "file": error.file,
        "line": error.line,
        "column": error.column,
        "account_id": error.account_id,
    }
    doc.update({key: value for key, value in optional.items() if value is not None})
    return doc


def _account(account: AccountResult) -> JsonObject:
    generated = account.report_generated_at
    inventory: JsonObject = {
        "source": account.source,
        "report_generated_at": None if generated is None else isoformat(generated),
        "users": account.users_seen,
    }
    if account.api_calls is not None:  # what is not known is left out, not made 0
        inventory["api_calls"] = account.api_calls
    return {
        "account_id": account.account_id,
        "inventory": inventory,
        "findings": [_finding(f, account.account_id) for f in account.findings],
        "name": account.name,
        "alias": account.alias,
        "ou_path": account.ou_path,
    }


def _finding(finding: Finding, account_id: str) -> JsonObject:
    doc: JsonObject = {
        "user": finding.user,
        "arn": finding.arn,
        "status": finding.status.value,
        "rule": None if finding.rule is None else finding.rule.value,
        "reason": finding.reason,
        "created": None if finding.created is None else isoformat(finding.created),
        "last_activity": (
            None if finding.last_activity is None else isoformat(finding.last_activity)
        ),
        "declarations": [_declaration(d) for d in finding.declarations],
    }
    remediation = _remediation(finding.remediation)
    if remediation:
        doc["remediation"] = remediation
    if finding.exemption is not None:
        doc["exemption"] = _exemption(finding.exemption)
    if finding.notes:
        doc["notes"] = list(finding.notes)
    doc["fingerprint"] = finding.fingerprint(account_id)
    return doc


def _declaration(declaration: Declaration) -> JsonObject:
    return {
        "address": declaration.address,
        "file": declaration.file,
        "line": declaration.line,
        "end_line": declaration.span.end_line,
        "via": declaration.via,
    }


def _remediation(remediation: Remediation | None) -> JsonObject:
    """Only the parts that say something; the character-range edits stay internal."""
    if remediation is None:
        return {}
    parts: JsonObject = {}
    if remediation.patch:
        parts["patch"] = remediation.patch
    for key, items in (
        ("destroys", remediation.destroys),
        ("manual", remediation.manual),
        ("commands", remediation.commands),
    ):
        if items:
            parts[key] = list(items)
    return parts


def _exemption(exemption: Exemption) -> JsonObject:
    doc: JsonObject = {"reason": exemption.reason, "expires": exemption.expires}
    if exemption.source is not None:
        doc = {"source": exemption.source, **doc}
    return doc
