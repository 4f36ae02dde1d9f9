"""The JSON report against its published schema, and the facts it must carry."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from report_builders import (
    ACCOUNT,
    full_report,
    incomplete_report,
    removal,
    report,
    simple,
    two_account_report,
)

from iam_prune.formats import json as json_format
from iam_prune.model import Finding, Remediation, Status
from iam_prune.schemas import report_schema

#: The team's shared design folder, beside the repository on every machine and in CI.
SHARED_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "report.schema.json"


@cache
def validator() -> Draft202012Validator:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def rendered(report_: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json_format.render(report_))
    return doc


def assert_valid(doc: dict[str, Any]) -> None:
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(doc)]
    assert problems == []


def findings_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["user"]: f for a in doc["accounts"] for f in a["findings"]}


def test_the_validator_checks_formats() -> None:
    """Otherwise a timestamp without a zone would pass the tests below unnoticed."""
    doc = rendered(full_report())
    doc["generated_at"] = "2024-05-01 noon"
    assert not validator().is_valid(doc)


@pytest.mark.parametrize("build", [full_report, incomplete_report, two_account_report])
def test_reports_validate_against_the_schema(build: Any) -> None:
    assert_valid(rendered(build()))


def test_envelope() -> None:
    doc = rendered(full_report())
    assert doc["schema"] == "iam-prune/report/v1"
    assert doc["tool"] == {"name": "iam-prune", "version": "0.1.0"}
    assert doc["generated_at"] == "2024-05-01T12:00:00+00:00"
    assert doc["settings"] == {"inactive_days": 90, "grace_days": 7, "terraform_dirs": ["infra"]}
    assert doc["complete"] is True
    assert doc["errors"] == []
    inventory = doc["accounts"][0]["inventory"]
    assert inventory == {
        "source": "credential-report",
        "report_generated_at": "2024-05-01T12:00:00+00:00",
        "users": 7,
        "api_calls": 3,
    }


def test_errors_keep_only_the_positions_they_have() -> None:
    doc = rendered(incomplete_report())
    assert doc["complete"] is False
    assert doc["errors"] == [
        {
            "source": "terraform",
            "message": "Unexpected token '}'",
            "file": "infra/broken.tf",
            "line": 3,
            "column": 5,
        },
        {"source": "aws", "message": "AccessDenied: iam:ListSSHPublicKeys", "account_id": ACCOUNT},
    ]


def test_removal_carries_declaration_and_remediation() -> None:
    alice = findings_of(rendered(full_report()))["alice"]
    assert alice["status"] == "remove-from-code"
    assert alice["rule"] == "never-used"
    assert alice["created"] == "2021-03-04T05:06:07+00:00"
    assert alice["last_activity"] is None
    assert alice["declarations"] == [
        {
            "address": "aws_iam_user.alice",
            "file": "infra/users.tf",
            "line": 10,
            "end_line": 14,
            "via": "static",
        }
    ]
    remediation = alice["remediation"]
    assert set(remediation) == {"patch", "destroys", "manual"}
    assert remediation["patch"].startswith("--- a/infra/users.tf\n")
    assert remediation["destroys"] == ["aws_iam_user.alice", "aws_iam_user_login_profile.alice"]


def test_unmanaged_carries_commands_only() -> None:
    carol = findings_of(rendered(full_report()))["carol"]
    assert carol["remediation"] == {
        "commands": [
            "aws iam delete-login-profile --user-name carol",
            "aws iam delete-user --user-name carol",
        ]
    }


def test_absent_parts_are_left_out_or_null() -> None:
    found = findings_of(rendered(full_report()))
    henry = found["henry"]
    assert "remediation" not in henry
    assert "exemption" not in henry
    assert henry["arn"] is None
    assert henry["rule"] is None
    assert henry["last_activity"] == "2023-01-02T03:04:05+00:00"
    assert found["erin"]["exemption"] == {
        "source": "tag",
        "reason": "break-glass account",
        "expires": "2030-01-01",
    }


def test_an_empty_remediation_is_left_out() -> None:
    finding = Finding("x", Status.REMOVE_FROM_CODE, "r", remediation=Remediation())
    assert "remediation" not in findings_of(rendered(report([finding])))["x"]


def test_findings_keep_the_order_given() -> None:
    doc = rendered(full_report())
    users = [f["user"] for f in doc["accounts"][0]["findings"]]
    assert users == ["henry", "alice", "frank", "carol", "dave", "erin", "gina"]


def test_naive_times_are_written_as_utc() -> None:
    naive = Finding(
        "old",
        Status.IN_USE,
        "used",
        created=datetime(2020, 1, 1),
        last_activity=datetime(2024, 1, 1),
    )
    doc = rendered(report([naive]))
    assert findings_of(doc)["old"]["created"] == "2020-01-01T00:00:00+00:00"
    assert_valid(doc)


def test_output_is_deterministic_indented_and_ends_with_a_newline() -> None:
    first = json_format.render(full_report())
    assert first == json_format.render(full_report())
    assert first.endswith("}\n")
    assert first.splitlines()[1].startswith('  "schema"')


@settings(max_examples=60, deadline=None)
@given(
    user=st.text(min_size=1, max_size=64),
    reason=st.text(max_size=200),
    patch=st.text(max_size=300),
    status=st.sampled_from(list(Status)),
)
def test_arbitrary_text_keeps_the_report_valid(
    user: str, reason: str, patch: str, status: Status
) -> None:
    finding = removal(user, patch=patch) if status is Status.REMOVE_FROM_CODE else None
    finding = finding or simple(user, status, reason)
    doc = rendered(report([finding]))
    assert_valid(doc)
    assert findings_of(doc)[user]["user"] == user


@pytest.mark.skipif(not SHARED_SCHEMA.is_file(), reason="no shared design folder beside the clone")
def test_the_shipped_schema_is_the_shared_contract() -> None:
    assert report_schema() == json.loads(SHARED_SCHEMA.read_text(encoding="utf-8"))


def test_notes_run_sources_and_account_names_are_written() -> None:
    from dataclasses import replace

    from iam_prune.model import Note, RunInfo

    base = full_report()
    account = replace(base.accounts[0], name="payments-prod", alias="pay", ou_path="r-1/ou-a")
    noted = replace(
        base,
        accounts=(account,),
        notes=(Note("module vpc is not read", "infra/main.tf", 4), Note("worker pool failed")),
        run=RunInfo(url="https://github.com/o/r/actions/runs/7", repository="o/r", event="push"),
        sources=("a.json", "b.json"),
    )
    doc = rendered(noted)
    assert_valid(doc)
    assert doc["notes"] == [
        {"message": "module vpc is not read", "file": "infra/main.tf", "line": 4},
        {"message": "worker pool failed"},
    ]
    assert doc["run"] == {
        "url": "https://github.com/o/r/actions/runs/7",
        "repository": "o/r",
        "sha": None,
        "event": "push",
    }
    assert doc["sources"] == ["a.json", "b.json"]
    assert (doc["accounts"][0]["name"], doc["accounts"][0]["alias"]) == ("payments-prod", "pay")
    assert doc["accounts"][0]["ou_path"] == "r-1/ou-a"


def test_fingerprints_follow_identity_not_position() -> None:
    from dataclasses import replace

    alice = removal("alice", line=10)
    moved = replace(
        alice, reason="another sentence", declarations=removal("alice", line=99).declarations
    )
    other_user = removal("bob", line=10)
    assert alice.fingerprint(ACCOUNT) == moved.fingerprint(ACCOUNT)
    assert alice.fingerprint(ACCOUNT) != other_user.fingerprint(ACCOUNT)
    assert alice.fingerprint(ACCOUNT) != alice.fingerprint("210987654321")
    doc = rendered(report([alice, simple("carol", Status.DELETE_UNMANAGED, "unused")]))
    prints = [f["fingerprint"] for f in doc["accounts"][0]["findings"]]
    assert prints[0] == alice.fingerprint(ACCOUNT)
    assert len(set(prints)) == 2


def test_finding_notes_are_written_only_when_there_are_some() -> None:
    from dataclasses import replace

    doc = rendered(report([replace(removal("alice"), notes=("the user has MFA",)), removal("bob")]))
    found = findings_of(doc)
    assert found["alice"]["notes"] == ["the user has MFA"]
    assert "notes" not in found["bob"]
