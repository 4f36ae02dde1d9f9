"""What to do about each finding: the change to the code, or the console commands.

The code changes are planned as early as they can be: once the credential report names an
account's candidates, the removal of every one the code declares is planned while their
detail calls run (:func:`plan_ahead`). Planning is CPU work and the detail calls are mostly
waiting on AWS, so the two overlap; a big account's hundreds of detail calls no longer come
before all of its planning. The details can only take a candidate off the list (a
credential the report does not show, an exemption tag), so what is planned ahead is a
superset of what the findings need; each user is planned once, and a finding looks its
change up (``plan.retired``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from iam_prune.fixes import plan
from iam_prune.fixes.commands import delete_commands
from iam_prune.model import (
    Declaration,
    Finding,
    LiveUser,
    Remediation,
    Status,
    TerraformModel,
    UserDetails,
    UserRead,
)
from iam_prune.reconcile import CodeIndex
from iam_prune.rules import RuleSettings, judge

#: Where each finding's planning time goes, one JSON line per finding, when set (the whole-scan
#: benchmark reads it: planning cannot be timed from outside the process).
PLANNING_TIMES_ENV = "IAM_PRUNE_PLANNING_TIMES"


def remediate(finding: Finding, user: LiveUser | None, model: TerraformModel) -> Finding:
    """Attach what to do: the code change, or the console commands."""
    if finding.status is Status.REMOVE_FROM_CODE:
        remediation, seconds = plan.retired(finding.declarations, model)
        record_planning(finding.user, seconds)
        return replace(finding, remediation=remediation)
    if finding.status is Status.DELETE_UNMANAGED and user is not None:
        manual = tuple(_read_by_code(read) for read in model.user_reads if read.name == user.name)
        remediation = Remediation(commands=delete_commands(user), manual=manual)
        return replace(finding, remediation=remediation)
    return finding


def plan_ahead(
    candidates: Sequence[LiveUser],
    index: CodeIndex,
    model: TerraformModel,
    rules: RuleSettings,
    now: datetime,
) -> None:
    """Plan the removal of every candidate that the code declares and that a rule flags on
    the report's facts, as if its details held nothing the report does not show."""
    planned: list[tuple[Declaration, ...]] = []
    for user in candidates:
        declarations = index.declarations(user.name)
        hopeful = replace(user, details=user.details or UserDetails())
        if declarations and judge(hopeful, rules, now).status is None:
            planned.append(declarations)
    started = time.perf_counter()
    if planned and plan.prepare(planned, model):
        record_planning("", time.perf_counter() - started, phase="evaluate")
    for declarations in planned:
        plan.retired(declarations, model)


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
