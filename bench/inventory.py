"""Inventory cost on an emulated account of 5,000 users, 1% of them unused.

The credential-report path is measured against the per-user path (ListUsers, then
GetLoginProfile, ListAccessKeys and GetAccessKeyLastUsed for every user) in the same run, on
the same moto server, so the ratio means something on a noisy machine. AWS calls are counted
by the client (every HTTP attempt) and cross-checked with what the server saw.

Goal (issue: live inventory): the report path takes at most 10 + 8 x unused calls.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from iam_prune import demo
from iam_prune.aws.inventory import collect
from iam_prune.aws.session import default_session
from iam_prune.model import Inventory
from iam_prune.rules import RuleSettings, may_be_flagged

USERS = int(os.environ.get("IAM_PRUNE_BENCH_USERS", "5000"))
UNUSED_SHARE = 0.01


@dataclass(frozen=True)
class Run:
    label: str
    calls: int
    seconds: float
    users: int
    flagged: int


def seed(now: datetime) -> int:
    """``USERS`` users in the demo account, 1% unused. Returns the number of unused users."""
    return seed_users(demo.ACCOUNT_ID, USERS, now, unused_every=round(1 / UNUSED_SHARE))


def seed_users(account_id: str, count: int, now: datetime, *, unused_every: int) -> int:
    """``count`` users straight into the emulator's backend for ``account_id`` (HTTP seeding
    would dominate the run).

    Every ``unused_every``-th user has neither keys nor a password (unused); the rest have a
    key used recently. Returns the number of unused users.
    """
    from moto.backends import get_backend
    from moto.iam.models import AccessKeyLastUsed

    backend: Any = get_backend("iam")[account_id]["global"]
    created = (now - timedelta(days=400)).replace(tzinfo=None)
    used = (now - timedelta(days=2)).replace(tzinfo=None)
    unused = 0
    for n in range(count):
        user = backend.create_user("us-east-1", f"user-{n:05}")
        user.create_date = created
        if n % unused_every == 0:
            unused += 1
            continue
        key = user.create_access_key(prefix="AKIA")
        key.create_date = created
        key.last_used = AccessKeyLastUsed(timestamp=used, service="s3", region="eu-west-1")
    return unused


@contextmanager
def server_call_log() -> Iterator[list[str]]:
    from moto.core.responses import BaseResponse

    seen: list[str] = []
    original = BaseResponse.call_action

    def recording(self: Any) -> Any:
        seen.append(self._get_action())
        return original(self)

    BaseResponse.call_action = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        BaseResponse.call_action = original  # type: ignore[method-assign]


def measure(label: str, read: Callable[[], Inventory], log: list[str], now: datetime) -> Run:
    log.clear()
    started = time.perf_counter()
    inventory = read()
    seconds = time.perf_counter() - started
    if inventory.api_calls != len(log):
        raise SystemExit(f"{label}: client counted {inventory.api_calls}, server saw {len(log)}")
    flagged = sum(1 for u in inventory.users if may_be_flagged(u, RuleSettings(), now))
    return Run(label, inventory.api_calls, seconds, len(inventory.users), flagged)


def main() -> None:
    now = datetime.now(UTC)
    print(f"inventory: {USERS} users, {UNUSED_SHARE:.0%} unused (moto on loopback, HTTP)")
    with demo.moto_server() as url, demo.aws_environment(url), server_call_log() as log:
        unused = seed(now)

        def read(use_report: bool) -> Inventory:
            return collect(
                default_session(),
                candidate=lambda u: may_be_flagged(u, RuleSettings(), now),
                for_deletion=lambda _u: True,  # worst case: every unused user is unmanaged
                use_report=use_report,
            )

        report = measure("credential report", lambda: read(True), log, now)
        per_user = measure("per-user calls", lambda: read(False), log, now)

    if (report.users, report.flagged) != (per_user.users, per_user.flagged):
        raise SystemExit("the two paths disagree about the account")
    goal = 10 + 8 * unused
    print(f"{'path':<20}{'AWS calls':>10}{'calls/user':>12}{'seconds':>10}")
    for run in (report, per_user):
        per = run.calls / run.users
        print(f"{run.label:<20}{run.calls:>10}{per:>12.2f}{run.seconds:>10.2f}")
    print(
        f"report path: {report.calls} calls for {unused} unused users "
        f"(goal <= {goal}: {'met' if report.calls <= goal else 'MISSED'}); "
        f"{per_user.calls / report.calls:.0f}x fewer calls and "
        f"{per_user.seconds / report.seconds:.0f}x faster than per-user calls"
    )
