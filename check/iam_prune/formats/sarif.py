"""SARIF 2.1.0, for GitHub code scanning (``github/codeql-action/upload-sarif``).

Code scanning shows results at places in the repository, so only what has a place becomes a
result: a ``remove-from-code`` user, at its ``aws_iam_user`` declaration, with the patch as a
SARIF ``fix`` when it changes one file. A ``delete-unmanaged`` user is declared nowhere; putting
it on some file would invent a location, so those are counted in the run's properties and
listed in one run-level notification instead, with the report's errors and notes.

``partialFingerprints`` carry :meth:`Finding.fingerprint` (account, user, address): code
scanning recognises the same alert across runs however the reason, a date or the line moves.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import quote

from iam_prune.fixes.text.patch import diff_target
from iam_prune.model import AccountResult, Finding, Note, Report, ReportError, Status

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY: Final = "iamPruneFinding/v1"

_EXEMPT_HOW = (
    "To keep the user, exempt it with a reason: an `[[exempt]]` entry in `.iam-prune.toml` "
    "(`user`, `reason`, optional `until`), the tag `iam-prune:exempt` on the user, or a comment "
    "`# iam-prune:exempt <reason>` directly above its `aws_iam_user` block."
)
_RULE_TEXT = (
    "An IAM user with no access keys whose console password was never used has never been "
    "used (with `--inactive-days N`, also a user with no sign-in and no key use in N days)."
)

RULES: Final[tuple[dict[str, Any], ...]] = (
    {
        "id": Status.REMOVE_FROM_CODE.value,
        "name": "UnusedIamUserInTerraform",
        "shortDescription": {"text": "Unused IAM user declared in Terraform"},
        "fullDescription": {
            "text": "An unused IAM user is declared here: remove it from the code, not in AWS."
        },
        "help": {
            "text": f"{_RULE_TEXT} Remove its declaration (the fix shows the change). "
            f"Deleting it in AWS instead would make the next terraform apply create it again. "
            f"{_EXEMPT_HOW}",
            "markdown": (
                "## Unused IAM user declared in Terraform\n\n"
                f"{_RULE_TEXT}\n\n"
                "**Why remove it from the code:** the user is managed by Terraform. Deleting it "
                "in the console or with the CLI makes the next `terraform apply` create it "
                "again; removing the `aws_iam_user` block (and what exists only for it: "
                "policies, attachments, keys, memberships) lets `terraform apply` delete it for "
                "good, after review in a pull request. The fix attached to the alert is that "
                "change; `iam-prune fix` applies it to a working tree.\n\n"
                f"**How to exempt it:** {_EXEMPT_HOW}\n"
            ),
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "iam", "terraform"], "precision": "high"},
    },
    {
        "id": Status.DELETE_UNMANAGED.value,
        "name": "UnusedIamUserNotInCode",
        "shortDescription": {"text": "Unused IAM user declared in no Terraform"},
        "fullDescription": {
            "text": "An unused IAM user that no Terraform read declares: delete it in AWS."
        },
        "help": {
            "text": f"{_RULE_TEXT} No Terraform declares it, so it is deleted in AWS; the "
            f"report lists the ordered AWS CLI commands. {_EXEMPT_HOW}",
            "markdown": (
                "## Unused IAM user declared in no Terraform\n\n"
                f"{_RULE_TEXT}\n\n"
                "**Why not in the code:** none of the Terraform that was read declares this "
                "user, so there is nothing to remove from the code. The JSON and Markdown "
                "reports list the AWS CLI commands that delete it, in the order AWS requires "
                "(login profile, keys, certificates, MFA devices, policies, groups, then the "
                "user). These users have no place in the repository, so code scanning shows "
                "them as a run notification, not as alerts.\n\n"
                f"**How to exempt it:** {_EXEMPT_HOW}\n"
            ),
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["security", "iam"], "precision": "high"},
    },
)
_RULE_INDEX: Final = {rule["id"]: index for index, rule in enumerate(RULES)}


def render(report: Report) -> str:
    """The report as a SARIF 2.1.0 log with one run."""
    return json.dumps(to_document(report), indent=2) + "\n"


def to_document(report: Report) -> dict[str, Any]:
    results = [
        _result(finding, account)
        for account in report.accounts
        for finding in account.findings
        if finding.status is Status.REMOVE_FROM_CODE and finding.declarations
    ]
    unmanaged = [
        (account, finding)
        for account in report.accounts
        for finding in account.findings
        if finding.status is Status.DELETE_UNMANAGED
    ]
    notifications = [_error(e) for e in report.errors] + [_note(n) for n in report.notes]
    if unmanaged:
        notifications.append(_unmanaged(unmanaged))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iam-prune",
                        "version": report.tool_version,
                        "rules": list(RULES),
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": report.complete,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
                "properties": {
                    "complete": report.complete,
                    "removeFromCode": len(results),
                    "deleteUnmanaged": len(unmanaged),
                    "accounts": [_account_properties(a) for a in report.accounts],
                },
            }
        ],
    }


def _account_label(account: AccountResult) -> str:
    return f"{account.account_id} ({account.name})" if account.name else account.account_id


def _account_properties(account: AccountResult) -> dict[str, Any]:
    return {
        "accountId": account.account_id,
        "name": account.name,
        "ouPath": account.ou_path,
        "usersSeen": account.users_seen,
        "deleteUnmanaged": sum(f.status is Status.DELETE_UNMANAGED for f in account.findings),
    }


def _location(file: str, line: int | None, end_line: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(file, safe="/")}}
    if line is not None:
        physical["region"] = {"startLine": line, "endLine": max(end_line or line, line)}
    return {"physicalLocation": physical}


def _result(finding: Finding, account: AccountResult) -> dict[str, Any]:
    first, *others = finding.declarations
    message = (
        f"IAM user {finding.user!r} in account {_account_label(account)} is unused: "
        f"{finding.reason} Remove {first.address} from the code rather than deleting the user "
        "in AWS, which the next terraform apply would undo."
    )
    message += "".join(f" Note: {note}" for note in finding.notes)
    result: dict[str, Any] = {
        "ruleId": Status.REMOVE_FROM_CODE.value,
        "ruleIndex": _RULE_INDEX[Status.REMOVE_FROM_CODE.value],
        "level": "error",
        "message": {"text": message},
        "locations": [_location(first.file, first.line, first.span.end_line)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint(account.account_id)},
        "properties": {
            "accountId": account.account_id,
            "accountName": account.name,
            "user": finding.user,
            "arn": finding.arn,
            "rule": None if finding.rule is None else finding.rule.value,
            "address": first.address,
        },
    }
    if finding.notes:
        result["properties"]["notes"] = list(finding.notes)
    if others:
        result["relatedLocations"] = [
            {"id": n, **_location(d.file, d.line, d.span.end_line), "message": {"text": d.address}}
            for n, d in enumerate(others, start=1)
        ]
    remediation = finding.remediation
    if remediation is not None:
        if remediation.destroys:
            result["properties"]["destroys"] = list(remediation.destroys)
        if remediation.manual:
            result["properties"]["manual"] = list(remediation.manual)
        fix = _fix(remediation.patch or "", finding.user)
        if fix is not None:
            result["fixes"] = [fix]
    return result


def _error(error: ReportError) -> dict[str, Any]:
    prefix = f"account {error.account_id}: " if error.account_id else ""
    notification: dict[str, Any] = {
        "level": "error",
        "message": {"text": f"{prefix}{error.message}"},
        "properties": {"source": error.source.value, "accountId": error.account_id},
    }
    if error.file is not None:
        notification["locations"] = [_location(error.file, error.line)]
    return notification


def _note(note: Note) -> dict[str, Any]:
    prefix = f"account {note.account_id}: " if note.account_id else ""
    notification: dict[str, Any] = {"level": "note", "message": {"text": f"{prefix}{note.message}"}}
    if note.file is not None:
        notification["locations"] = [_location(note.file, note.line)]
    return notification


def _unmanaged(found: list[tuple[AccountResult, Finding]]) -> dict[str, Any]:
    listed = "; ".join(f"{_account_label(a)}: {f.user}" for a, f in found)
    return {
        "level": "warning",
        "message": {
            "text": f"{len(found)} unused IAM user(s) are declared in no Terraform that was "
            f"read, so they have no place in the code; the report lists the AWS CLI commands "
            f"that delete them: {listed}"
        },
        "associatedRule": {
            "id": Status.DELETE_UNMANAGED.value,
            "index": _RULE_INDEX[Status.DELETE_UNMANAGED.value],
        },
        "properties": {
            "users": [{"accountId": a.account_id, "user": f.user, "arn": f.arn} for a, f in found]
        },
    }


# --------------------------------------------------------------------------- patch -> fix

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _fix(patch: str, user: str) -> dict[str, Any] | None:
    """The patch as one SARIF fix, when it edits exactly one file and can be said in lines.

    Each run of removed and added lines between context lines becomes a replacement whose
    deleted region runs from column 1 of its first line to column 1 of the line after its
    last, so whole lines go with their line ends. A file whose last line has no newline is
    left to the patch (a line region cannot say that exactly)."""
    lines = patch.split("\n")[:-1] if patch.endswith("\n") else []
    targets = [line for line in lines if line.startswith("+++ ")]
    if len(targets) != 1 or any(line.startswith("\\") for line in lines):
        return None
    path = diff_target(targets[0][4:])
    if path is None:
        return None
    replacements: list[dict[str, Any]] = []
    old_line = 0
    removed: list[int] = []
    added: list[str] = []

    def flush() -> None:
        if not removed and not added:
            return
        start = removed[0] if removed else old_line
        stop = removed[-1] + 1 if removed else old_line
        replacement: dict[str, Any] = {
            "deletedRegion": {
                "startLine": start,
                "startColumn": 1,
                "endLine": stop,
                "endColumn": 1,
            }
        }
        if added:
            replacement["insertedContent"] = {"text": "".join(f"{a}\n" for a in added)}
        replacements.append(replacement)
        removed.clear()
        added.clear()

    in_hunk = False
    for line in lines:
        header = _HUNK.match(line)
        if header:
            flush()
            in_hunk = True
            start, count = int(header.group(1)), header.group(2)
            old_line = start if count != "0" else start + 1
        elif not in_hunk:
            continue
        elif line.startswith("-"):
            if added and not removed:
                flush()
            removed.append(old_line)
            old_line += 1
        elif line.startswith("+"):
            added.append(line[1:])
        elif line.startswith(" "):
            flush()
            old_line += 1
        else:
            flush()
            in_hunk = False
    flush()
    if not replacements:
        return None
    return {
        "description": {"text": f"Remove IAM user {user!r} from the Terraform"},
        "artifactChanges": [
            {"artifactLocation": {"uri": quote(path, safe="/")}, "replacements": replacements}
        ],
    }
