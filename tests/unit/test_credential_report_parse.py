"""The credential report CSV → typed users, for real AWS's sentinels and moto's.

AWS writes ``N/A`` (no password / no key / key never used), ``no_information`` (password never
used) and ``not_supported`` (root's password fields) and puts a ``<root_account>`` row first;
moto writes ``not_supported`` where AWS writes ``N/A`` and has no root row. Both must parse to
the same users.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from iam_prune.aws import AwsError
from iam_prune.aws.report import parse_report, parse_time
from iam_prune.model import AccessKey, LiveUser

COLUMNS = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    *(
        f"access_key_{n}_{field}"
        for n in (1, 2)
        for field in (
            "active",
            "last_rotated",
            "last_used_date",
            "last_used_region",
            "last_used_service",
        )
    ),
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
]
assert len(COLUMNS) == 22
ARN = "arn:aws:iam::123456789012:user/"

# Shaped like a report downloaded from a real account.
AWS_REPORT = "\n".join(
    [
        ",".join(COLUMNS),
        "<root_account>,arn:aws:iam::123456789012:root,2015-01-01T00:00:00+00:00,not_supported,"
        "2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,"
        "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        # never signed in, no keys
        f"ghost,{ARN}ghost,2020-02-03T04:05:06+00:00,true,no_information,"
        "2020-02-03T04:05:06+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,"
        "false,N/A,false,N/A",
        # no password at all, two keys: one used, one never used
        f"deploy,{ARN}deploy,2019-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,"
        "true,2019-01-02T00:00:00+00:00,2024-05-30T12:15:00+00:00,eu-west-1,s3,"
        "false,2021-06-01T00:00:00+00:00,N/A,N/A,N/A,true,2019-01-03T00:00:00+00:00,"
        "true,2019-01-04T00:00:00+00:00",
        # only key slot 2 holds a key (key 1 was deleted); password removed after use; MFA on
        f"rotated,{ARN}rotated,2018-07-07T07:07:07+00:00,false,2022-12-24T18:30:00+00:00,N/A,"
        "N/A,true,false,N/A,N/A,N/A,N/A,true,2023-03-03T03:03:03+00:00,N/A,N/A,N/A,"
        "false,N/A,true,2020-01-01T00:00:00+00:00",
    ]
)

EXPECTED = (
    LiveUser(
        name="ghost",
        arn=f"{ARN}ghost",
        created=datetime(2020, 2, 3, 4, 5, 6, tzinfo=UTC),
        has_password=True,
        password_last_used=None,
        password_set=datetime(2020, 2, 3, 4, 5, 6, tzinfo=UTC),  # password_last_changed
    ),
    LiveUser(
        name="deploy",
        arn=f"{ARN}deploy",
        created=datetime(2019, 1, 1, tzinfo=UTC),
        has_password=False,
        password_last_used=None,
        access_keys=(
            AccessKey(
                active=True,
                created=datetime(2019, 1, 2, tzinfo=UTC),
                last_used=datetime(2024, 5, 30, 12, 15, tzinfo=UTC),
                last_used_service="s3",
            ),
            AccessKey(active=False, created=datetime(2021, 6, 1, tzinfo=UTC), last_used=None),
        ),
        active_certificates=2,
    ),
    LiveUser(
        name="rotated",
        arn=f"{ARN}rotated",
        created=datetime(2018, 7, 7, 7, 7, 7, tzinfo=UTC),
        has_password=False,
        password_last_used=datetime(2022, 12, 24, 18, 30, tzinfo=UTC),
        access_keys=(
            AccessKey(
                active=True, created=datetime(2023, 3, 3, 3, 3, 3, tzinfo=UTC), last_used=None
            ),
        ),
        active_certificates=1,
        mfa_active=True,
    ),
)


def test_real_aws_report() -> None:
    users = parse_report(AWS_REPORT)
    assert users == EXPECTED


def test_root_row_is_skipped() -> None:
    assert "<root_account>" not in {u.name for u in parse_report(AWS_REPORT)}


def test_report_with_only_the_root_row_has_no_users() -> None:
    assert parse_report("\n".join(AWS_REPORT.splitlines()[:2])) == ()


def test_crlf_line_endings() -> None:
    assert parse_report(AWS_REPORT.replace("\n", "\r\n")) == EXPECTED


def _moto_shaped(report: str) -> str:
    """Rewrite the AWS report as moto 5.2 writes it: no root row, ``not_supported`` for a missing
    password's last use and for every key's region and service."""
    rows = list(csv.DictReader(io.StringIO(report)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        if row["user"] == "<root_account>":
            continue
        if row["password_enabled"] == "false" and row["password_last_used"] == "N/A":
            row["password_last_used"] = "not_supported"
        row["password_next_rotation"] = "not_supported"
        for n in (1, 2):
            row[f"access_key_{n}_last_used_region"] = "not_supported"
            row[f"access_key_{n}_last_used_service"] = "not_supported"
        writer.writerow(row)
    return out.getvalue()


def test_moto_shaped_report_parses_the_same_except_key_service() -> None:
    moto = _moto_shaped(AWS_REPORT)
    assert "not_supported" in moto and "<root_account>" not in moto
    users = parse_report(moto)
    # moto does not report the service a key was last used for
    expected = tuple(
        LiveUser(
            **{
                **u.__dict__,
                "access_keys": tuple(
                    AccessKey(k.active, k.created, k.last_used, None) for k in u.access_keys
                ),
            }
        )
        for u in EXPECTED
    )
    assert users == expected


def test_row_written_by_moto_itself() -> None:
    # Exactly as moto's User.to_csv writes a user with no password and one unused key.
    row = (
        f"svc,{ARN}svc,2024-01-01T00:00:00+00:00,false,not_supported,2024-01-01T00:00:00+00:00,"
        "not_supported,false,true,2024-01-02T00:00:00+00:00,N/A,not_supported,not_supported,"
        "false,N/A,N/A,not_supported,not_supported,false,N/A,false,N/A"
    )
    (svc,) = parse_report(",".join(COLUMNS) + "\n" + row + "\n")
    assert svc.has_password is False
    assert svc.password_last_used is None
    assert svc.access_keys == (AccessKey(True, datetime(2024, 1, 2, tzinfo=UTC), None, None),)
    assert svc.active_certificates == 0


def test_row_without_creation_time_is_an_error() -> None:
    row = f"bad,{ARN}bad,N/A,false," + ",".join(["N/A"] * 18)
    with pytest.raises(AwsError, match="bad"):
        parse_report(",".join(COLUMNS) + "\n" + row + "\n")


# --------------------------------------------------------------------------- parse_time


@pytest.mark.parametrize(
    "value",
    ["2024-05-30T12:15:00Z", "2024-05-30T12:15:00+00:00", " 2024-05-30T12:15:00+00:00 "],
)
def test_parse_time_utc_spellings(value: str) -> None:
    parsed = parse_time(value)
    assert parsed == datetime(2024, 5, 30, 12, 15, tzinfo=UTC)
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


def test_parse_time_keeps_offsets_and_fractions() -> None:
    parsed = parse_time("2024-05-30T14:15:00.250+02:00")
    assert parsed == datetime(2024, 5, 30, 12, 15, 0, 250000, tzinfo=UTC)
    assert parsed is not None and parsed.tzinfo == timezone(timedelta(hours=2))


def test_parse_time_naive_is_utc() -> None:
    parsed = parse_time("2024-05-30T12:15:00")
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize("sentinel", ["N/A", "no_information", "not_supported", "", "  N/A "])
def test_parse_time_sentinels_are_none(sentinel: str) -> None:
    assert parse_time(sentinel) is None


def test_parse_time_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_time("yesterday")
