"""What to do about each finding: the change to the code (planned by ``fixes.plan``), or
the console commands for a user no code declares; and, for the benchmark, what each
finding's planning took."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from iam_prune.fixes import plan
from iam_prune.fixes.commands import delete_commands
from iam_prune.model import (
    Finding,
    LiveUser,
    Remediation,
    Status,
    TerraformModel,
    UserRead,
)

#: Where each finding's planning time goes, one JSON line per finding, when set (the whole-scan
#: benchmark reads it: planning cannot be timed from outside the process).
PLANNING_TIMES_ENV = "IAM_PRUNE_PLANNING_TIMES"


def remediate(finding: Finding, user: LiveUser | None, model: TerraformModel) -> Finding:
    """Attach what to do: the code change, or the console commands."""
    if finding.status is Status.REMOVE_FROM_CODE:
        remediation, seconds = plan.retire_timed(finding.declarations, model)
        record_planning(finding.user, seconds)
        return replace(finding, remediation=remediation)
    if finding.status is Status.DELETE_UNMANAGED and user is not None:
        manual = tuple(_read_by_code(read) for read in model.user_reads if read.name == user.name)
        remediation = Remediation(commands=delete_commands(user), manual=manual)
        return replace(finding, remediation=remediation)
    return finding


def _read_by_code(read: UserRead) -> str:
    """No code declares the user, but a data source reads it: deleting the user first would
    break the next plan of that root, so the data source goes first."""
    return (
        f"`{read.address}` ({read.span.file}:{read.span.line}) reads this user: once it is "
        "deleted, the next `terraform plan` there fails. Remove that data source, and what "
        "refers to it, before running these commands."
    )


def record_planning(user: str, seconds: float, phase: str = "finding") -> None:
    """One line: ``phase`` is ``finding`` (one user's change), ``evaluate`` (the original
    configuration, once for all findings) or ``combine`` (the combined patch)."""
    path = os.environ.get(PLANNING_TIMES_ENV)
    if path:
        with Path(path).open("a", encoding="utf-8") as stream:
            line = {"phase": phase, "user": user, "seconds": seconds}
            stream.write(json.dumps(line) + "\n")
