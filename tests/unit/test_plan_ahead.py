"""Planning ahead: the candidates' removals are planned while their details are read, each
user once, and a finding then finds its change already planned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from iam_prune.fixes import plan
from iam_prune.fixes.planning.planner import Planner
from iam_prune.model import Finding, LiveUser, Status
from iam_prune.reconcile import CodeIndex
from iam_prune.remediation import plan_ahead, remediate
from iam_prune.rules import RuleSettings
from iam_prune.terraform import load

NOW = datetime(2026, 12, 1, tzinfo=UTC)
USERS = "".join(
    f'resource "aws_iam_user" "{name}" {{\n  name = "{name}"\n}}\n'
    f'resource "aws_iam_user_policy_attachment" "{name}" {{\n'
    f'  user       = aws_iam_user.{name}.name\n  policy_arn = "arn:aws:iam::aws:policy/X"\n}}\n'
    for name in ("alice", "bob")
)


def live(name: str, age_days: int) -> LiveUser:
    return LiveUser(
        name=name,
        arn=f"arn:aws:iam::123456789012:user/{name}",
        created=NOW - timedelta(days=age_days),
        has_password=False,
        password_last_used=None,
    )


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The users each real planning of a change was for."""
    planned: list[tuple[str, ...]] = []
    real = Planner.retire

    def retire(self: Planner, declarations: Any) -> Any:
        planned.append(tuple(d.name for d in declarations))
        return real(self, declarations)

    monkeypatch.setattr(Planner, "retire", retire)
    return planned


def test_only_declared_users_a_rule_flags_are_planned_ahead_and_each_once(
    tmp_path: Path, counted: list[tuple[str, ...]]
) -> None:
    (tmp_path / "main.tf").write_text(USERS, encoding="utf-8")
    model = load([tmp_path], tmp_path, use_cache=False)
    index = CodeIndex.build(model)
    rules = RuleSettings(inactive_days=None, grace_days=7)
    # bob is in his grace period, carol is declared nowhere: neither is a removal.
    candidates = [live("alice", 400), live("bob", 2), live("carol", 400)]

    plan_ahead(candidates, index, model, rules, NOW)
    assert counted == [("alice",)]

    declarations = index.declarations("alice")
    finding = Finding("alice", Status.REMOVE_FROM_CODE, "never used", declarations=declarations)
    remediation = remediate(finding, candidates[0], model).remediation
    assert counted == [("alice",)]  # looked up, not planned again
    assert remediation is not None and remediation.patch
    assert 'resource "aws_iam_user" "alice"' in remediation.patch
    # What was planned ahead is what planning the finding on its own gives.
    fresh = load([tmp_path], tmp_path, use_cache=False)
    assert plan.retire(CodeIndex.build(fresh).declarations("alice"), fresh) == remediation
    # Everything it needed was evaluated ahead: there is nothing left to prepare.
    assert plan.prepare([declarations], model) is False
