"""Faults on the AWS side, through a misbehaving server between boto3 and moto: answers that
make no sense and an endpoint that stops answering end in an account error, a JSON report
that says ``complete: false``, and exit 2 — never a traceback, never a hang.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from misbehaving import STALL, Misbehaving, misbehaving

from iam_prune.aws import session
from iam_prune.cli import main

SPEC = {"users": [{"name": "bob", "created_days_ago": 200}]}
HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
ROW = (
    "bob,arn:aws:iam::123456789012:user/bob,{created},false,N/A,N/A,N/A,false,false,N/A,N/A,"
    "N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)


@pytest.fixture
def proxy(aws: str, seed_account: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Misbehaving]:
    seed_account(SPEC)
    with misbehaving(aws) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        yield server


@pytest.fixture
def infra(repo: Path) -> Path:
    folder = repo / "infra"
    folder.mkdir()
    (folder / "main.tf").write_text(
        'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n', encoding="utf-8"
    )
    return folder


def scan(infra: Path) -> tuple[int, dict[str, Any]]:
    code = main(["scan", "--terraform-dir", str(infra), "--json", "r.json"])
    report: dict[str, Any] = json.loads((infra.parent / "r.json").read_text(encoding="utf-8"))
    return code, report


def report_answer(csv_text: str) -> tuple[int, bytes]:
    content = base64.b64encode(csv_text.encode()).decode()
    body = (
        '<GetCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<GetCredentialReportResult><Content>{content}</Content>"
        "<ReportFormat>text/csv</ReportFormat>"
        "<GeneratedTime>2026-01-01T00:00:00Z</GeneratedTime></GetCredentialReportResult>"
        "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        "</GetCredentialReportResponse>"
    )
    return 200, body.encode()


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param((200, b"<<<this is not XML"), id="garbage"),
        pytest.param((200, b""), id="empty"),
        pytest.param(
            (200, b'<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"/>'),
            id="no-result",
        ),
    ],
)
def test_a_list_users_answer_that_makes_no_sense_is_an_account_error(
    proxy: Misbehaving, infra: Path, answer: tuple[int, bytes]
) -> None:
    proxy.rules["ListUsers"] = answer
    code, report = scan(infra)
    assert code == 2
    assert report["complete"] is False
    assert report["accounts"] == []
    (error,) = report["errors"]
    assert error["source"] == "aws"
    assert error["account_id"] == "123456789012"
    assert "cannot read" in error["message"]


@pytest.mark.parametrize(
    ("csv_text", "says"),
    [
        pytest.param(
            HEADER + "\n" + ROW.format(created="2024-01-01T00:00:00+00:00")[:60],
            "fields",
            id="cut-mid-row",
        ),
        pytest.param("<html><body>Service Unavailable</body></html>\n", "no user", id="not-csv"),
        pytest.param(
            HEADER + "\n" + ROW.format(created="yesterday") + "\n", "line 2", id="bad-timestamp"
        ),
    ],
)
def test_a_broken_credential_report_falls_back_and_says_so(
    proxy: Misbehaving, infra: Path, csv_text: str, says: str
) -> None:
    proxy.rules["GetCredentialReport"] = report_answer(csv_text)
    code, report = scan(infra)
    assert code == 2
    assert report["complete"] is False
    (error,) = report["errors"]
    assert error["source"] == "aws"
    assert "credential report" in error["message"]
    assert says in error["message"]
    # The users were read one by one instead: the findings are all there.
    (account,) = report["accounts"]
    assert account["inventory"]["source"] == "api"
    assert [f["user"] for f in account["findings"]] == ["bob"]


def test_an_endpoint_that_stalls_after_sts_gives_up_after_a_few_timeouts(
    proxy: Misbehaving, infra: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "READ_TIMEOUT", 0.5)  # the limit counts attempts, not seconds
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")  # the default: eight attempts per call
    proxy.rules["ListUsers"] = STALL
    code, report = scan(infra)
    assert code == 2
    assert report["complete"] is False
    (error,) = report["errors"]
    assert "stopped answering" in error["message"]
    assert proxy.seen["GetCallerIdentity"] == 1
    assert proxy.seen["ListUsers"] == session.STALL_LIMIT


THROTTLED = (
    400,
    b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender'
    b"</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    b"<RequestId>1</RequestId></ErrorResponse>",
)


def test_a_throttled_first_call_is_retried_with_the_runs_own_retries(
    proxy: Misbehaving, infra: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first call gives up early on an endpoint that does not answer; one that answers
    "slow down" is answering, and gets the backoff every other call has."""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    proxy.rules["GetCallerIdentity"] = THROTTLED
    proxy.times["GetCallerIdentity"] = 2  # both attempts of the quick first call
    code, report = scan(infra)
    assert (code, report["complete"]) == (1, True), report["errors"]
    assert proxy.seen["GetCallerIdentity"] == 3
    assert [f["user"] for f in report["accounts"][0]["findings"]] == ["bob"]


@pytest.mark.parametrize("action", ["GenerateCredentialReport", "GetCredentialReport"])
@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("throttled", id="throttled"),
        pytest.param((500, b"<Error><Code>InternalFailure</Code></Error>"), id="500"),
    ],
)
def test_a_credential_report_that_keeps_failing_falls_back_to_reading_users(
    proxy: Misbehaving, infra: Path, action: str, answer: tuple[int, bytes] | str
) -> None:
    """Throttled or failing past the client's retries, the report is given up for the
    per-user path: the account's results are kept, and the note says why."""
    proxy.rules[action] = THROTTLED if answer == "throttled" else answer
    code, report = scan(infra)
    assert (code, report["complete"]) == (1, True), report["errors"]
    (account,) = report["accounts"]
    assert account["inventory"]["source"] == "api"
    assert [f["user"] for f in account["findings"]] == ["bob"]


def test_listing_users_throttled_past_the_retries_is_that_accounts_error(
    proxy: Misbehaving, infra: Path
) -> None:
    proxy.rules["ListUsers"] = THROTTLED
    code, report = scan(infra)
    assert (code, report["complete"], report["accounts"]) == (2, False, [])
    (error,) = report["errors"]
    assert error["account_id"] == "123456789012"
    assert error["message"] == "iam:ListUsers failed: Throttling (after 2 retries)"
