"""The live inventory against moto's server: read-only, retries, fallbacks, staleness, accounts."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from conftest import aws_error
from iam_prune.aws import WriteRefusedError
from iam_prune.aws.session import default_session
from iam_prune.cli import main
from iam_prune.config import build
from iam_prune.pipeline import run

NOW = datetime.now(UTC)

ACCOUNT = {
    "users": [
        {"name": "active", "created_days_ago": 300, "password": {"last_used_days_ago": 1}},
        {"name": "keyed", "created_days_ago": 300, "access_keys": [{"created_days_ago": 300}]},
        {"name": "managed-unused", "created_days_ago": 300, "password": {}},
        {"name": "loose", "created_days_ago": 300, "groups": ["g"]},
        {"name": "with-ssh", "created_days_ago": 300, "ssh_public_key": True},
        {"name": "fresh", "created_days_ago": 1},
    ],
    "groups": [{"name": "g"}],
}
EXPECTED = {
    "active": "in-use",
    "keyed": "in-use",
    "managed-unused": "remove-from-code",
    "loose": "delete-unmanaged",
    "with-ssh": "needs-review",
    "fresh": "grace",
}


@pytest.fixture
def tree(repo: Path) -> Path:
    infra = repo / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(
        'resource "aws_iam_user" "m" {\n  name = "managed-unused"\n}\n', encoding="utf-8"
    )
    return infra


def _scan(tree: Path, **flags: Any) -> Any:
    settings = build({"terraform_dirs": [str(tree)], **flags}, tree.parent)
    return run(settings, now=NOW).report


def _statuses(report: Any) -> dict[str, str]:
    return {f.user: f.status.value for f in report.findings}


def _reasons(report: Any) -> dict[str, str]:
    return {f.user: f.reason for f in report.findings}


def test_a_write_is_refused_before_it_is_sent(seed_account: Any, server_actions: list[str]) -> None:
    seed_account({"users": [{"name": "victim", "created_days_ago": 10}]})
    server_actions.clear()
    gs = default_session()

    with pytest.raises(WriteRefusedError, match="DeleteUser"):
        gs.client("iam").delete_user(UserName="victim")

    assert server_actions == []
    assert gs.counter.count == 0
    names = [u["UserName"] for u in boto3.client("iam").list_users()["Users"]]
    assert names == ["victim"]


def test_throttling_on_30_percent_of_calls_gives_identical_findings(
    seed_account: Any, tree: Path, faults: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_account(ACCOUNT, now=NOW)
    clean = _scan(tree)
    assert _statuses(clean) == EXPECTED

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "10")
    sent = [0]

    def throttle(action: str, _params: Any) -> Any:
        sent[0] += 1
        if sent[0] % 10 in (1, 4, 7):  # 30% of requests, never two in a row
            return aws_error(400, "Throttling", "Rate exceeded")
        return None

    faults.append(throttle)
    throttled = _scan(tree)

    assert throttled.complete
    assert _statuses(throttled) == _statuses(clean)
    assert _reasons(throttled) == _reasons(clean)
    clean_calls = clean.accounts[0].api_calls
    # every attempt is counted: the throttled ones on top of the same successful requests
    assert throttled.accounts[0].api_calls == sent[0]
    assert throttled.accounts[0].api_calls > clean_calls


def test_report_stuck_in_progress_ends_within_the_bound_and_falls_back(
    seed_account: Any, tree: Path, faults: list[Any]
) -> None:
    seed_account(ACCOUNT, now=NOW)
    in_progress = (
        b"<GenerateCredentialReportResponse><GenerateCredentialReportResult>"
        b"<State>INPROGRESS</State><Description>in progress</Description>"
        b"</GenerateCredentialReportResult></GenerateCredentialReportResponse>"
    )
    faults.append(
        lambda action, _: (200, in_progress) if action == "GenerateCredentialReport" else None
    )

    started = time.monotonic()
    report = _scan(tree, report_wait=2)
    elapsed = time.monotonic() - started

    assert report.accounts[0].source == "api"
    assert report.complete
    assert _statuses(report) == EXPECTED
    assert any("was not ready after" in note for note in report.accounts[0].notes)
    # the wait is bounded by report_wait (plus the per-user reads, which are quick here)
    assert elapsed < 2 + 10


def test_access_denied_on_the_report_falls_back_to_per_user_calls(
    seed_account: Any, tree: Path, faults: list[Any], server_actions: list[str]
) -> None:
    seed_account(ACCOUNT, now=NOW)
    faults.append(
        lambda action, _: (
            aws_error(403, "AccessDenied", "not authorized")
            if action == "GenerateCredentialReport"
            else None
        )
    )
    server_actions.clear()

    report = _scan(tree)

    assert report.accounts[0].source == "api"
    assert _statuses(report) == EXPECTED
    assert "GetCredentialReport" not in server_actions
    assert server_actions.count("GetLoginProfile") == len(ACCOUNT["users"])


def test_list_users_is_read_to_the_last_page_in_pages_of_1000(
    aws: str, tree: Path, server_actions: list[str]
) -> None:
    from moto.backends import get_backend

    backend = get_backend("iam")["123456789012"]["global"]
    for n in range(2100):  # straight into the emulator: 2,100 HTTP calls would only be slow
        backend.create_user("us-east-1", f"u{n:04}").create_access_key(prefix="AKIA")
    server_actions.clear()

    report = _scan(tree)

    assert report.accounts[0].users_seen == 2100
    assert server_actions.count("ListUsers") == 3  # moto pages as AWS does (demo.complete_moto)
    assert report.accounts[0].source == "credential-report"


def test_a_stale_report_is_cross_checked_with_list_users(
    seed_account: Any, tree: Path, frozen_credential_report: None, server_actions: list[str]
) -> None:
    seed_account(ACCOUNT, now=NOW)
    assert _statuses(_scan(tree)) == EXPECTED  # the report is now cached, as AWS caches it

    iam = boto3.client("iam")
    iam.remove_user_from_group(GroupName="g", UserName="loose")
    iam.delete_user(UserName="loose")
    seed_account({"users": [{"name": "newcomer", "created_days_ago": 40}]}, now=NOW)
    server_actions.clear()

    report = _scan(tree)

    statuses = _statuses(report)
    assert "loose" not in statuses  # deleted since the report
    assert statuses["newcomer"] == "delete-unmanaged"  # created since, read one by one
    assert report.accounts[0].source == "credential-report"
    assert server_actions.count("GetLoginProfile") == 1


def test_two_accounts_through_assumed_roles_and_one_that_fails(
    aws: str, repo: Path, tree: Path, faults: list[Any]
) -> None:
    roles = {
        "111111111111": "arn:aws:iam::111111111111:role/iam-prune",
        "222222222222": "arn:aws:iam::222222222222:role/iam-prune",
    }
    broken = "arn:aws:iam::333333333333:role/iam-prune"
    sts = boto3.client("sts")
    for account, users in (
        ("111111111111", [{"name": "managed-unused", "created_days_ago": 90}]),
        ("222222222222", [{"name": "stray", "created_days_ago": 90}]),
    ):
        credentials = sts.assume_role(RoleArn=roles[account], RoleSessionName="seed")["Credentials"]
        demo_seed = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
        from iam_prune import demo

        demo.seed({"users": users}, aws, NOW, account_id=account, credentials=demo_seed)

    def deny_third(action: str, params: dict[str, list[str]]) -> Any:
        if action == "AssumeRole" and params.get("RoleArn") == [broken]:
            return aws_error(403, "AccessDenied", "not authorized to perform sts:AssumeRole")
        return None

    faults.append(deny_third)
    argv = ["scan", "--terraform-dir", str(tree), "--json", "r.json"]
    for arn in (*roles.values(), broken):
        argv += ["--role-arn", arn]

    code = main(argv)

    assert code == 2  # one account failed: incomplete
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    by_account = {
        a["account_id"]: {f["user"]: f["status"] for f in a["findings"]} for a in report["accounts"]
    }
    assert by_account == {
        "111111111111": {"managed-unused": "remove-from-code"},
        "222222222222": {"stray": "delete-unmanaged", "managed-unused": "not-deployed"},
    }
    [error] = report["errors"]
    assert error["account_id"] == "333333333333"
    assert "AssumeRole" in error["message"]


def _first(n: int, action: str, reply: tuple[int, bytes]) -> Any:
    """A fault rule answering the first ``n`` requests for ``action`` with ``reply``."""
    left = [n]

    def rule(seen: str, _params: Any) -> Any:
        if seen == action and left[0] > 0:
            left[0] -= 1
            return reply
        return None

    return rule


@pytest.mark.parametrize(
    ("action", "times", "reply"),
    [
        ("GenerateCredentialReport", 2, aws_error(409, "LimitExceeded", "try later")),
        ("GetCredentialReport", 2, aws_error(404, "ReportInProgress", "not yet")),
        ("GetCredentialReport", 1, aws_error(410, "ReportExpired", "too old")),
        ("GetCredentialReport", 1, aws_error(410, "ReportNotPresent", "none")),
        ("GetCredentialReport", 4, aws_error(500, "ServiceFailure", "oops")),
    ],
    ids=["limit-exceeded", "in-progress", "expired", "not-present", "service-failure"],
)
def test_every_report_state_ends_in_the_report(
    seed_account: Any,
    tree: Path,
    faults: list[Any],
    server_actions: list[str],
    action: str,
    times: int,
    reply: tuple[int, bytes],
) -> None:
    seed_account(ACCOUNT, now=NOW)
    faults.append(_first(times, action, reply))
    server_actions.clear()

    report = _scan(tree)

    account = report.accounts[0]
    assert account.source == "credential-report"
    assert _statuses(report) == EXPECTED
    assert any("credential report ready after" in note for note in account.notes)
    # the faults were answered client-side: the server saw one successful read at the end
    assert server_actions.count("GetCredentialReport") == 1


def test_access_denied_names_the_action_and_the_policy(
    seed_account: Any,
    repo: Path,
    tree: Path,
    faults: list[Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_account(ACCOUNT, now=NOW)
    faults.append(
        lambda action, _: (
            aws_error(403, "AccessDenied", "User is not authorized")
            if action == "ListUsers"
            else None
        )
    )

    assert main(["scan", "--terraform-dir", str(tree)]) == 2

    err = capsys.readouterr().err
    assert "iam:ListUsers" in err and "Permissions" in err


def test_a_named_profile_is_used_and_a_missing_one_is_explained(
    seed_account: Any,
    repo: Path,
    tree: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_account(ACCOUNT, now=NOW)
    credentials = repo / "credentials"
    credentials.write_text(
        "[audit]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    assert main(["scan", "--terraform-dir", str(tree), "--profile", "audit"]) == 1
    assert "managed-unused" in capsys.readouterr().out

    assert main(["scan", "--terraform-dir", str(tree), "--profile", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_an_endpoint_that_never_answers_fails_fast_and_says_so(
    repo: Path, tree: Path, aws: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    import socket
    import threading

    from iam_prune.aws import session

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_stay_silent() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_stay_silent, daemon=True)
    thread.start()
    monkeypatch.setattr(session, "QUICK_TIMEOUTS", (1.0, 1.0))
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
    try:
        code = main(["scan", "--terraform-dir", str(tree)])
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()

    assert code == 2
    err = capsys.readouterr().err
    assert "could not reach AWS" in err and "Read timeout" in err
    assert len(accepted) == 2  # the first call gives up after two attempts


def test_the_per_user_path_reads_mfa_devices_for_the_delete_commands(
    seed_account: Any, tree: Path, faults: list[Any]
) -> None:
    seed_account({"users": [{"name": "loose", "created_days_ago": 300}]}, now=NOW)
    iam = boto3.client("iam")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="loose")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="loose",
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    faults.append(
        lambda action, _: (
            aws_error(403, "AccessDenied", "no") if action == "GenerateCredentialReport" else None
        )
    )

    report = _scan(tree)

    [finding] = [f for f in report.findings if f.user == "loose"]
    assert report.accounts[0].source == "api"
    assert finding.remediation is not None
    commands = finding.remediation.commands
    assert f"aws iam deactivate-mfa-device --user-name loose --serial-number {serial}" in commands
    assert commands.index(
        f"aws iam delete-virtual-mfa-device --serial-number {serial}"
    ) < commands.index("aws iam delete-user --user-name loose")


def test_a_sign_in_after_the_cached_report_counts(
    seed_account: Any, tree: Path, frozen_credential_report: None
) -> None:
    seed_account(ACCOUNT, now=NOW)
    assert _statuses(_scan(tree))["managed-unused"] == "remove-from-code"

    from moto.backends import get_backend

    backend = get_backend("iam")["123456789012"]["global"]
    backend.users["managed-unused"].password_last_used = NOW.replace(tzinfo=None)

    assert _statuses(_scan(tree))["managed-unused"] == "in-use"


def test_a_user_deleted_during_the_per_user_read_is_dropped(
    seed_account: Any, tree: Path, faults: list[Any]
) -> None:
    seed_account(ACCOUNT, now=NOW)
    faults.append(
        lambda action, _: (
            aws_error(403, "AccessDenied", "no") if action == "GenerateCredentialReport" else None
        )
    )
    faults.append(
        lambda action, params: (
            aws_error(404, "NoSuchEntity", "gone")
            if action == "ListAccessKeys" and params.get("UserName") == ["keyed"]
            else None
        )
    )

    report = _scan(tree)

    assert report.complete
    assert "keyed" not in _statuses(report)
    assert len(_statuses(report)) == len(EXPECTED) - 1


def test_progress_stays_quiet_in_ci_and_off_a_terminal(
    seed_account: Any, tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    seed_account(ACCOUNT, now=NOW)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.setenv("CI", "true")
    main(["scan", "--terraform-dir", str(tree)])
    assert "waiting for the credential report" not in capsys.readouterr().err

    monkeypatch.delenv("CI")
    main(["scan", "--terraform-dir", str(tree)])
    assert "waiting for the credential report" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed here")
def test_the_delete_commands_run_as_printed_with_the_aws_cli(seed_account: Any, tree: Path) -> None:
    """IAM allows names that start with ``-``; the commands must still be what the AWS CLI
    parses, run in the order printed, until the user is gone (from the emulator)."""
    seed_account(
        {
            "users": [
                {
                    "name": "-old",
                    "created_days_ago": 300,
                    "password": {},
                    "groups": ["-ops"],
                    "inline_policies": {
                        "-p": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}
                            ],
                        }
                    },
                }
            ],
            "groups": [{"name": "-ops"}],
        }
    )
    (finding,) = [f for f in _scan(tree).findings if f.user == "-old"]
    assert finding.status.value == "delete-unmanaged" and finding.remediation is not None
    for line in finding.remediation.commands:
        done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{line}: {done.stderr}"
    names = [u["UserName"] for u in boto3.client("iam").list_users()["Users"]]
    assert "-old" not in names


def test_users_are_listed_while_the_credential_report_is_generated(
    seed_account: Any, tree: Path, faults: list[Any]
) -> None:
    """The listing is held back until the report has been asked for: read one after the
    other, the hold would end only at its time limit and the report be asked for after."""
    import threading

    seed_account(ACCOUNT, now=NOW)
    asked = threading.Event()
    overlapped: list[bool] = []

    def rule(action: str, _params: Any) -> None:
        if action == "GenerateCredentialReport":
            asked.set()
        elif action == "ListUsers" and not overlapped:
            overlapped.append(asked.wait(timeout=10))

    faults.append(rule)
    report = _scan(tree)

    assert overlapped == [True]
    assert report.accounts[0].source == "credential-report"
    assert _statuses(report) == EXPECTED


def test_a_denied_listing_is_the_accounts_error_even_with_the_report_denied_too(
    seed_account: Any, tree: Path, faults: list[Any]
) -> None:
    seed_account(ACCOUNT, now=NOW)
    faults.append(
        lambda action, _: (
            aws_error(403, "AccessDenied", "not authorized")
            if action in ("ListUsers", "GenerateCredentialReport")
            else None
        )
    )
    report = _scan(tree)
    assert (report.complete, report.accounts) == (False, ())
    (error,) = report.errors
    assert "iam:ListUsers" in error.message
