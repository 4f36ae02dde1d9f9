"""Polling for the credential report: how long between asks, and when to give up.

The clock and sleep are the poller's own (injected), so the schedule is checked exactly, with
no wall time involved."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from iam_prune.aws.report import Poller, ReportUnavailableError, fetch

CSV = (
    "user,arn,user_creation_time,password_enabled,password_last_used\n"
    "bob,arn:aws:iam::123456789012:user/bob,2024-01-01T00:00:00+00:00,false,N/A\n"
)


class _Iam:
    """GenerateCredentialReport answering ``states`` in turn (the last one for ever after),
    GetCredentialReport the report once it is COMPLETE."""

    def __init__(self, states: list[str]) -> None:
        self.states = states
        self.calls = 0

    def generate_credential_report(self) -> dict[str, Any]:
        self.calls += 1
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"State": state}

    def get_credential_report(self) -> dict[str, Any]:
        self.calls += 1
        return {"Content": CSV.encode(), "GeneratedTime": datetime(2026, 1, 1, tzinfo=UTC)}


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _poller(clock: _Clock, **limits: float) -> Poller:
    return Poller(sleep=clock.sleep, clock=lambda: clock.now, **limits)


def test_a_report_generated_in_seconds_is_asked_for_from_a_tenth_of_a_second_doubling() -> None:
    clock = _Clock()
    iam = _Iam(["STARTED", "INPROGRESS", "INPROGRESS", "INPROGRESS", "COMPLETE"])
    report = fetch(iam, _poller(clock), lambda: iam.calls)
    assert clock.slept == [0.1, 0.2, 0.4, 0.8]
    assert report.waited_seconds == pytest.approx(1.5)
    assert [u.name for u in report.users] == ["bob"]
    assert report.calls == 6  # five generate calls, one read


def test_a_report_ready_at_once_is_read_without_waiting() -> None:
    clock = _Clock()
    iam = _Iam(["COMPLETE"])
    report = fetch(iam, _poller(clock), lambda: iam.calls)
    assert (clock.slept, report.calls) == ([], 2)


def test_the_wait_between_asks_is_capped_and_the_whole_wait_bounded() -> None:
    clock = _Clock()
    iam = _Iam(["INPROGRESS"])
    with pytest.raises(ReportUnavailableError, match=r"not ready after 26\.3 s \(limit 30 s\)"):
        fetch(iam, _poller(clock, max_wait=30.0, max_delay=4.0), lambda: iam.calls)
    assert clock.slept == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert sum(clock.slept) <= 30.0
