"""The fail policy: which findings exit 1, and that an incomplete run always exits 2."""

from __future__ import annotations

import pytest
from report_builders import incomplete_report, removal, report, simple, unmanaged

from iam_prune.config import FailOn
from iam_prune.delivery import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, exit_code
from iam_prune.model import Status

BOTH = report([removal("bob"), unmanaged("ghost")])
MANAGED_ONLY = report([removal("bob")])
UNMANAGED_ONLY = report([unmanaged("ghost")])
QUIET = report(
    [
        simple("a", Status.IN_USE, "used"),
        simple("b", Status.NEEDS_REVIEW, "ssh key"),
        simple("c", Status.EXEMPT, "why"),
    ]
)


@pytest.mark.parametrize(
    ("policy", "both", "managed", "unmanaged_", "quiet"),
    [
        (FailOn.FINDINGS, EXIT_FINDINGS, EXIT_FINDINGS, EXIT_FINDINGS, EXIT_CLEAN),
        (FailOn.MANAGED, EXIT_FINDINGS, EXIT_FINDINGS, EXIT_CLEAN, EXIT_CLEAN),
        (FailOn.UNMANAGED, EXIT_FINDINGS, EXIT_CLEAN, EXIT_FINDINGS, EXIT_CLEAN),
        (FailOn.NEVER, EXIT_CLEAN, EXIT_CLEAN, EXIT_CLEAN, EXIT_CLEAN),
    ],
)
def test_fail_policies(
    policy: FailOn, both: int, managed: int, unmanaged_: int, quiet: int
) -> None:
    assert exit_code(BOTH, policy) == both
    assert exit_code(MANAGED_ONLY, policy) == managed
    assert exit_code(UNMANAGED_ONLY, policy) == unmanaged_
    assert exit_code(QUIET, policy) == quiet


@pytest.mark.parametrize("policy", list(FailOn))
def test_an_incomplete_run_exits_2_whatever_the_policy(policy: FailOn) -> None:
    assert exit_code(incomplete_report(), policy) == EXIT_ERROR


def test_fail_on_touched_counts_only_findings_in_the_pull_requests_files() -> None:
    declared_here = report([removal("bob"), unmanaged("ghost")])  # bob: infra/users.tf
    assert exit_code(declared_here, FailOn.TOUCHED, frozenset({"infra/users.tf"})) == EXIT_FINDINGS
    assert exit_code(declared_here, FailOn.TOUCHED, frozenset({"README.md"})) == EXIT_CLEAN
    # Unknown files (not a pull request): every finding counts, never a silent pass.
    assert exit_code(declared_here, FailOn.TOUCHED, None) == EXIT_FINDINGS
