"""A pull request and reports about it, for the ``publish`` tests.

``infra/users.tf`` gains two users in pull request 7; alice's removal lies inside that diff,
carol's (in ``infra/legacy.tf``, which the pull request does not touch) outside it. Patches
and the pull request's diff are made with difflib from the texts, as git would.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from pathlib import Path

from iam_prune.formats import json as json_format
from iam_prune.model import (
    AccountResult,
    Declaration,
    Finding,
    Remediation,
    Report,
    Rule,
    RunSettings,
    SourceSpan,
    Status,
)

ACCOUNT = "123456789012"
TOKEN = "ghs_s3cr3tT0kenValue000000000000000000"
PULL_REQUEST = 7
BASE = 'locals {\n  team = "platform"\n}\n'
HEAD = (
    BASE
    + '\nresource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
    + '\nresource "aws_iam_user" "bob" {\n  name = "bob"\n}\n'
    + '\noutput "team" {\n  value = local.team\n}\n'
)
WITHOUT_ALICE = HEAD.replace('\nresource "aws_iam_user" "alice" {\n  name = "alice"\n}\n', "")
LEGACY = 'resource "aws_iam_user" "carol" {\n  name = "carol"\n}\n'


def unified(path: str, before: str, after: str, context: int = 3) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"a/{path}",
        f"b/{path}",
        n=context,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def pr_files() -> list[dict[str, object]]:
    """``GET /pulls/7/files``: the patch without its ``---``/``+++`` header, as GitHub gives it."""
    patch = unified("infra/users.tf", BASE, HEAD)
    hunks = patch.split("\n", 2)[2].rstrip("\n")
    return [{"sha": "abc", "filename": "infra/users.tf", "status": "modified", "patch": hunks}]


def _declaration(user: str, file: str, line: int) -> Declaration:
    return Declaration(
        address=f"aws_iam_user.{user}",
        name=user,
        span=SourceSpan(file=file, start=0, end=0, line=line, end_line=line + 2),
        expression=f'"{user}"',
    )


def removal(user: str, file: str, line: int, patch: str) -> Finding:
    return Finding(
        user=user,
        status=Status.REMOVE_FROM_CODE,
        reason="console password never used and no access keys",
        arn=f"arn:aws:iam::{ACCOUNT}:user/{user}",
        rule=Rule.NEVER_USED,
        declarations=(_declaration(user, file, line),),
        remediation=Remediation(patch=patch, destroys=(f"aws_iam_user.{user}",)),
    )


def alice() -> Finding:
    return removal("alice", "infra/users.tf", 5, unified("infra/users.tf", HEAD, WITHOUT_ALICE))


def carol() -> Finding:
    return removal("carol", "infra/legacy.tf", 1, unified("infra/legacy.tf", LEGACY, ""))


def unmanaged(user: str) -> Finding:
    return Finding(
        user=user,
        status=Status.DELETE_UNMANAGED,
        reason="console password never used and no access keys; declared in no Terraform",
        remediation=Remediation(commands=(f"aws iam delete-user --user-name {user}",)),
    )


def report(*findings: Finding) -> Report:
    return Report(
        tool_version="0.1.0",
        generated_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        settings=RunSettings(grace_days=7, terraform_dirs=("infra",)),
        accounts=(
            AccountResult(
                account_id=ACCOUNT,
                source="credential-report",
                report_generated_at=None,
                users_seen=10,
                api_calls=3,
                findings=findings,
            ),
        ),
    )


def write(path: Path, value: Report) -> Path:
    path.write_text(json_format.render(value), encoding="utf-8")
    return path


def apply_suggestions(text: str, comments: list[dict[str, object]]) -> str:
    """What clicking every suggestion in ``comments`` does to ``text`` (bottom up)."""
    lines = text.splitlines(keepends=True)
    for comment in sorted(comments, key=lambda c: -int(str(c["line"]))):
        body = str(comment["body"])
        start = body.index("```suggestion\n") + len("```suggestion\n")
        end = body.index("```", start)
        replacement = body[start:end].splitlines(keepends=True)
        first = int(str(comment.get("start_line", comment["line"])))
        lines[first - 1 : int(str(comment["line"]))] = replacement
    return "".join(lines)
