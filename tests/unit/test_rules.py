"""The rules: never-used, inactive (with its day boundaries), grace, and needs-review.

Every test builds a :class:`LiveUser` by hand at a fixed ``NOW`` so that each boundary (exactly N
days, N days and a second) is stated in the test, not inferred from a clock.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iam_prune.model import AccessKey, LiveUser, Rule, SigningCertificate, Status, UserDetails
from iam_prune.rules import (
    PASSWORD_TRACKING_START,
    RuleSettings,
    inactive,
    judge,
    may_be_flagged,
    never_used,
)

NOW = datetime(2024, 6, 15, 12, 0, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=400)
CLEAN = UserDetails()  # details read, nothing hidden


def user(
    name: str = "alice",
    *,
    created: datetime = OLD,
    has_password: bool = False,
    password_last_used: datetime | None = None,
    keys: tuple[AccessKey, ...] = (),
    active_certificates: int = 0,
    details: UserDetails | None = CLEAN,
) -> LiveUser:
    return LiveUser(
        name=name,
        arn=f"arn:aws:iam::123456789012:user/{name}",
        created=created,
        has_password=has_password,
        password_last_used=password_last_used,
        access_keys=keys,
        active_certificates=active_certificates,
        details=details,
    )


def key(
    *, active: bool = True, created: datetime | None = OLD, last_used: datetime | None = None
) -> AccessKey:
    return AccessKey(active=active, created=created, last_used=last_used)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


# --------------------------------------------------------------------------- never-used


def test_password_never_used_and_no_keys_is_never_used() -> None:
    u = user(has_password=True)
    assert never_used(u)
    verdict = judge(u, RuleSettings(), NOW)
    assert verdict.rule is Rule.NEVER_USED
    assert verdict.status is None
    assert verdict.unused


def test_no_password_at_all_and_no_keys_is_never_used() -> None:
    u = user(has_password=False)
    assert never_used(u)
    assert judge(u, RuleSettings(), NOW).unused


@pytest.mark.parametrize(
    "k",
    [
        key(active=False),  # inactive, never used
        key(active=True),  # active, never used
        key(active=False, last_used=days_ago(1000)),  # inactive, used long ago
        key(created=None),  # no creation date known
    ],
    ids=["inactive-never-used", "active-never-used", "inactive-used-long-ago", "no-created"],
)
def test_any_access_key_means_not_never_used(k: AccessKey) -> None:
    u = user(has_password=True, keys=(k,))
    assert not never_used(u)
    verdict = judge(u, RuleSettings(), NOW)
    assert verdict.rule is None
    assert verdict.status is Status.IN_USE


def test_password_used_is_not_never_used() -> None:
    u = user(has_password=True, password_last_used=days_ago(1000))
    assert not never_used(u)
    assert judge(u, RuleSettings(), NOW).status is Status.IN_USE


def test_inactive_rule_is_off_by_default() -> None:
    u = user(has_password=True, password_last_used=days_ago(1000))
    assert not may_be_flagged(u, RuleSettings(), NOW)
    assert may_be_flagged(u, RuleSettings(inactive_days=90), NOW)


# --------------------------------------------------------------------------- inactive boundaries


def test_password_use_exactly_n_days_ago_is_recent() -> None:
    u = user(has_password=True, password_last_used=days_ago(90))
    assert not inactive(u, 90, NOW)
    assert judge(u, RuleSettings(inactive_days=90), NOW).status is Status.IN_USE


def test_password_use_n_days_and_one_second_ago_is_inactive() -> None:
    u = user(has_password=True, password_last_used=days_ago(90) - timedelta(seconds=1))
    assert inactive(u, 90, NOW)
    verdict = judge(u, RuleSettings(inactive_days=90), NOW)
    assert verdict.rule is Rule.INACTIVE
    assert verdict.unused
    assert "nothing used in the last 90 days" in verdict.reason


def test_key_use_exactly_n_days_ago_is_recent() -> None:
    u = user(keys=(key(last_used=days_ago(30)),))
    assert not inactive(u, 30, NOW)


def test_key_use_n_days_and_one_second_ago_is_inactive() -> None:
    u = user(keys=(key(last_used=days_ago(30) - timedelta(seconds=1)),))
    assert inactive(u, 30, NOW)


def test_one_recent_key_among_old_ones_keeps_the_user_active() -> None:
    u = user(
        has_password=True,
        password_last_used=days_ago(500),
        keys=(key(last_used=days_ago(300)), key(active=False, last_used=days_ago(2))),
    )
    assert not inactive(u, 90, NOW)


def test_key_created_exactly_n_days_ago_never_used_counts_as_unused() -> None:
    u = user(keys=(key(created=days_ago(90)),))
    assert inactive(u, 90, NOW)
    assert judge(u, RuleSettings(inactive_days=90), NOW).rule is Rule.INACTIVE


def test_key_created_n_minus_one_days_ago_never_used_is_not_unused_yet() -> None:
    u = user(keys=(key(created=days_ago(89)),))
    assert not inactive(u, 90, NOW)
    assert judge(u, RuleSettings(inactive_days=90), NOW).status is Status.IN_USE


@pytest.mark.parametrize("age", [0, 1, 89, 89.999])
def test_user_younger_than_n_days_is_never_inactive(age: float) -> None:
    u = user(created=days_ago(age), keys=(key(created=days_ago(age)),))
    assert not inactive(u, 90, NOW)


def test_user_exactly_n_days_old_with_nothing_used_is_inactive() -> None:
    u = user(created=days_ago(90), keys=(key(created=days_ago(90)),))
    assert inactive(u, 90, NOW)


def test_removed_password_recent_use_does_not_keep_user_active() -> None:
    # The password was used 10 days ago and removed since: no sign-in is possible and there
    # are no keys, so there is no way this user has been (or can be) active.
    u = user(has_password=False, password_last_used=days_ago(10))
    assert inactive(u, 90, NOW)


# --------------------------------------------------------------------------- grace


@pytest.mark.parametrize("grace", [1, 7, 30])
def test_grace_edge(grace: int) -> None:
    settings = RuleSettings(grace_days=grace)
    young = judge(user(created=days_ago(grace - 1)), settings, NOW)
    assert young.status is Status.GRACE
    assert young.rule is Rule.NEVER_USED
    assert re.search(rf"within the {grace}[- ]days? grace period", young.reason)
    edge = judge(user(created=days_ago(grace)), settings, NOW)
    assert edge.status is None
    assert edge.unused


def test_grace_zero_flags_a_user_created_now() -> None:
    verdict = judge(user(created=NOW), RuleSettings(grace_days=0), NOW)
    assert verdict.unused


def test_grace_applies_to_inactive_too() -> None:
    # inactive needs an age >= N, so grace only bites when grace_days > inactive_days
    u = user(created=days_ago(10), keys=(key(created=days_ago(10)),))
    verdict = judge(u, RuleSettings(inactive_days=5, grace_days=30), NOW)
    assert verdict.rule is Rule.INACTIVE
    assert verdict.status is Status.GRACE


def test_grace_wins_over_needs_review() -> None:
    u = user(created=days_ago(1), details=UserDetails(ssh_public_key_ids=("APKA1",)))
    assert judge(u, RuleSettings(), NOW).status is Status.GRACE


# --------------------------------------------------------------------------- needs-review


@pytest.mark.parametrize(
    ("u", "expected"),
    [
        (user(details=UserDetails(ssh_public_key_ids=("APKAEXAMPLE",))), "1 SSH public key"),
        (
            user(details=UserDetails(service_credential_ids=("ACCA1", "ACCA2"))),
            "2 service-specific credentials",
        ),
        (
            user(details=UserDetails(signing_certificates=(SigningCertificate("C1", True),))),
            "1 active signing certificate",
        ),
        (user(active_certificates=2), "2 active signing certificates"),
        (
            user(details=UserDetails(unknown=("service-specific credentials",))),
            "service-specific credentials could not be read",
        ),
        (user(details=None), "were not read"),
    ],
    ids=["ssh", "service-credential", "cert-details", "cert-report", "unknown", "no-details"],
)
def test_hidden_credentials_need_review(u: LiveUser, expected: str) -> None:
    verdict = judge(u, RuleSettings(), NOW)
    assert verdict.status is Status.NEEDS_REVIEW
    assert verdict.rule is Rule.NEVER_USED
    assert not verdict.unused
    assert expected in verdict.reason
    assert "AWS does not report" in verdict.reason


def test_inactive_signing_certificate_does_not_need_review() -> None:
    u = user(details=UserDetails(signing_certificates=(SigningCertificate("C1", False),)))
    assert judge(u, RuleSettings(), NOW).unused


def test_certificates_counted_once_from_report_and_details() -> None:
    u = user(
        active_certificates=1,
        details=UserDetails(signing_certificates=(SigningCertificate("C1", True),)),
    )
    reason = judge(u, RuleSettings(), NOW).reason
    assert "1 active signing certificate" in reason
    assert "2 active" not in reason


def test_hidden_credential_on_a_user_in_use_is_still_in_use() -> None:
    u = user(
        has_password=True,
        password_last_used=days_ago(1),
        details=UserDetails(ssh_public_key_ids=("APKA1",)),
    )
    assert judge(u, RuleSettings(), NOW).status is Status.IN_USE


# --------------------------------------------------------------------------- reasons


def test_reason_for_removed_password_says_removed() -> None:
    last = datetime(2023, 11, 30, 8, 0, tzinfo=UTC)  # 198 days before NOW
    u = user(has_password=False, password_last_used=last)
    verdict = judge(u, RuleSettings(inactive_days=90), NOW)
    assert verdict.rule is Rule.INACTIVE
    assert "removed" in verdict.reason
    assert "2023-11-30" in verdict.reason
    # without the inactive rule the user is not flagged, but the evidence still says so
    assert "removed" in judge(u, RuleSettings(), NOW).reason


def test_user_created_before_tracking_start_mentions_2014_10_20() -> None:
    created = datetime(2012, 3, 1, tzinfo=UTC)
    assert created < PASSWORD_TRACKING_START
    verdict = judge(user(created=created, has_password=True), RuleSettings(), NOW)
    assert verdict.rule is Rule.NEVER_USED
    assert "2014-10-20" in verdict.reason


def test_user_created_after_tracking_start_does_not_mention_it() -> None:
    verdict = judge(user(has_password=True), RuleSettings(), NOW)
    assert "2014-10-20" not in verdict.reason
    assert "console password never used" in verdict.reason


def test_reason_carries_dates_and_ages() -> None:
    created = datetime(2023, 5, 12, 9, 30, tzinfo=UTC)  # 400 days before NOW
    u = user(
        created=created,
        has_password=True,
        password_last_used=datetime(2024, 1, 3, tzinfo=UTC),
        keys=(
            key(last_used=datetime(2024, 2, 29, 23, 59, tzinfo=UTC)),
            key(active=False, created=days_ago(45)),
        ),
    )
    reason = judge(u, RuleSettings(), NOW).reason
    assert "created 400 days ago (2023-05-12)" in reason
    assert "console password last used 2024-01-03" in reason
    assert "active key last used 2024-02-29" in reason
    assert "inactive key never used, created 45 days ago" in reason
    for found in re.findall(r"\d{4}-\d{2}-\d{2}", reason):
        datetime.fromisoformat(found)  # every date is a real YYYY-MM-DD


def test_reason_singular_day() -> None:
    reason = judge(user(created=days_ago(1)), RuleSettings(grace_days=7), NOW).reason
    assert "created 1 day ago" in reason
    assert re.search(r"within the 7[- ]days? grace period", reason)


def test_never_used_reason_says_no_keys_and_no_password() -> None:
    reason = judge(user(), RuleSettings(), NOW).reason
    assert "no access keys" in reason
    assert "no console password" in reason


# --------------------------------------------------------------------------- properties

moments = st.datetimes(
    min_value=datetime(2005, 1, 1), max_value=datetime(2024, 6, 15), timezones=st.just(UTC)
)
optional_moments = st.none() | moments
keys = st.builds(
    AccessKey, active=st.booleans(), created=optional_moments, last_used=optional_moments
)
details = st.none() | st.builds(
    UserDetails,
    ssh_public_key_ids=st.lists(st.just("APKA"), max_size=1).map(tuple),
    service_credential_ids=st.lists(st.just("ACCA"), max_size=1).map(tuple),
    signing_certificates=st.lists(
        st.builds(SigningCertificate, st.just("C"), st.booleans()), max_size=2
    ).map(tuple),
    unknown=st.lists(st.sampled_from(["tags", "SSH public keys"]), max_size=1).map(tuple),
)
users = st.builds(
    LiveUser,
    name=st.just("u"),
    arn=st.just("arn:aws:iam::123456789012:user/u"),
    created=moments,
    has_password=st.booleans(),
    password_last_used=optional_moments,
    access_keys=st.lists(keys, max_size=2).map(tuple),
    active_certificates=st.integers(0, 2),
    details=details,
)
rule_settings = st.builds(
    RuleSettings,
    inactive_days=st.none() | st.integers(1, 2000),
    grace_days=st.integers(0, 60),
)


@given(u=users, settings=rule_settings)
def test_judge_is_total_and_gives_exactly_one_outcome(u: LiveUser, settings: RuleSettings) -> None:
    verdict = judge(u, settings, NOW)
    assert verdict.reason
    assert "created" in verdict.reason
    if verdict.rule is None:
        assert verdict.status is Status.IN_USE
        assert not may_be_flagged(u, settings, NOW)
    else:
        assert verdict.status in (None, Status.GRACE, Status.NEEDS_REVIEW)
        assert may_be_flagged(u, settings, NOW)
        if verdict.rule is Rule.NEVER_USED:
            assert never_used(u)
        else:
            assert settings.inactive_days is not None
            assert inactive(u, settings.inactive_days, NOW)
    # unused is exactly "flagged and not held back"
    assert verdict.unused == (verdict.rule is not None and verdict.status is None)


@given(u=users, days=st.integers(1, 3000), shorter=st.integers(0, 3000))
def test_inactive_is_monotone_in_days(u: LiveUser, days: int, shorter: int) -> None:
    """Inactive for N days implies inactive for any shorter window."""
    if inactive(u, days, NOW):
        assert inactive(u, min(days, shorter) or 1, NOW)


def test_a_password_that_existed_during_aws_2018_gap_says_so() -> None:
    user = LiveUser(
        name="old",
        arn="arn:aws:iam::123456789012:user/old",
        created=datetime(2017, 1, 1, tzinfo=UTC),
        has_password=True,
        password_last_used=None,
        password_set=datetime(2017, 1, 1, tzinfo=UTC),
    )
    verdict = judge(user, RuleSettings(), datetime(2026, 1, 1, tzinfo=UTC))
    assert "no sign-in dates for 2018-05-03 to 2018-05-23" in verdict.reason
    later = replace(user, created=datetime(2019, 1, 1, tzinfo=UTC), password_set=None)
    assert "2018-05-03" not in judge(later, RuleSettings(), datetime(2026, 1, 1, tzinfo=UTC)).reason
