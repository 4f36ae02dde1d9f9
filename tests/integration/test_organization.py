"""``--organization`` against moto's Organizations and STS: discovery, OU filters, account
filters, shards and their merge, and the failures an organisation brings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest

from conftest import aws_error, json_error
from iam_prune import demo
from iam_prune.cli import main

NOW = datetime.now(UTC)
SARIF_SCHEMA = (
    Path(__file__).resolve().parents[3] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
)
OLD = (NOW - timedelta(days=300)).replace(tzinfo=None)


def _users(account_id: str, *names: str) -> None:
    """Unused users straight into the emulator's backend of ``account_id``."""
    from moto.backends import get_backend

    backend: Any = get_backend("iam")[account_id]["global"]
    for name in names:
        backend.create_user("us-east-1", name).create_date = OLD


@pytest.fixture
def org(aws: str) -> dict[str, Any]:
    """root ─ prod ─ payments   (pay-1)
    │      └ (prod-1)
    ├ sandbox (sand-1, sand-2 suspended)
    └ (the management account, shared-1)"""
    client = boto3.client("organizations")
    client.create_organization(FeatureSet="ALL")
    root = client.list_roots()["Roots"][0]["Id"]

    def ou(parent: str, name: str) -> str:
        made = client.create_organizational_unit(ParentId=parent, Name=name)
        return str(made["OrganizationalUnit"]["Id"])

    prod = ou(root, "prod")
    payments = ou(prod, "payments")
    sandbox = ou(root, "sandbox")
    ids: dict[str, str] = {}
    for name, parent in (
        ("pay-1", payments),
        ("prod-1", prod),
        ("sand-1", sandbox),
        ("sand-2", sandbox),
        ("shared-1", root),
    ):
        status = client.create_account(Email=f"{name}@example.com", AccountName=name)
        ids[name] = status["CreateAccountStatus"]["AccountId"]
        if parent != root:
            client.move_account(
                AccountId=ids[name], SourceParentId=root, DestinationParentId=parent
            )
        _users(ids[name], "deployer", f"stray-{name}")
    client.close_account(AccountId=ids["sand-2"])
    ids["management"] = demo.ACCOUNT_ID
    _users(demo.ACCOUNT_ID, "deployer")
    return {
        "ids": ids,
        "paths": {
            "pay-1": f"{root}/{prod}/{payments}",
            "prod-1": f"{root}/{prod}",
            "sand-1": f"{root}/{sandbox}",
            "shared-1": root,
        },
        "ous": {"root": root, "prod": prod, "payments": payments, "sandbox": sandbox},
    }


@pytest.fixture
def tree(repo: Path) -> Path:
    infra = repo / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(
        'resource "aws_iam_user" "deployer" {\n  name = "deployer"\n}\n', encoding="utf-8"
    )
    return infra


def _scan(tree: Path, out: str, *flags: str) -> tuple[int, dict[str, Any]]:
    argv = ["scan", "--terraform-dir", str(tree), "--json", out, "--organization"]
    code = main([*argv, "--role-name", "iam-prune-audit", *flags])
    return code, json.loads(Path(out).read_text(encoding="utf-8"))


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in report["accounts"]}


def test_every_active_account_is_scanned_with_its_name_and_ou_path(
    org: dict[str, Any], tree: Path, server_actions: list[str]
) -> None:
    code, report = _scan(tree, "org.json")

    accounts = _by_name(report)
    scanned = {a["account_id"] for a in report["accounts"]}
    assert scanned == {i for name, i in org["ids"].items() if name != "sand-2"}  # suspended
    for name, path in org["paths"].items():
        assert accounts[name]["account_id"] == org["ids"][name]
        assert accounts[name]["ou_path"] == path
        statuses = {f["user"]: f["status"] for f in accounts[name]["findings"]}
        assert statuses == {"deployer": "remove-from-code", f"stray-{name}": "delete-unmanaged"}
    assert [a["account_id"] for a in report["accounts"]] == sorted(scanned)
    assert report["complete"] is True
    assert code == 1
    assert server_actions.count("AssumeRole") == 5
    assert "ListAccounts" in server_actions


def test_ou_keeps_the_accounts_below_it_at_any_depth(org: dict[str, Any], tree: Path) -> None:
    _, report = _scan(tree, "prod.json", "--ou", org["ous"]["prod"])

    accounts = _by_name(report)
    assert set(accounts) == {"pay-1", "prod-1"}
    assert accounts["pay-1"]["ou_path"] == org["paths"]["pay-1"]


def test_accounts_and_exclusions_by_id_or_glob_over_names(org: dict[str, Any], tree: Path) -> None:
    flags = ["--accounts", "p*-1", "--accounts", org["ids"]["sand-1"]]
    _, report = _scan(tree, "some.json", *flags, "--exclude-accounts", org["ids"]["prod-1"])

    assert set(_by_name(report)) == {"pay-1", "sand-1"}
    assert report["complete"] is True


def test_a_pattern_that_names_no_account_makes_the_run_incomplete(
    org: dict[str, Any], tree: Path
) -> None:
    code, report = _scan(tree, "typo.json", "--accounts", "prdo-*", "--accounts", "pay-1")

    assert code == 2
    assert set(_by_name(report)) == {"pay-1"}
    [error] = report["errors"]
    assert "'prdo-*'" in error["message"]


def test_a_role_missing_in_some_accounts_leaves_the_others_scanned(
    org: dict[str, Any], tree: Path, faults: list[Any]
) -> None:
    missing = {org["ids"]["sand-1"], demo.ACCOUNT_ID}

    def no_role(action: str, params: dict[str, list[str]]) -> Any:
        arn = params.get("RoleArn", [""])[0]
        if action == "AssumeRole" and arn.split(":")[4] in missing:
            return aws_error(
                403, "AccessDenied", f"not authorized to perform sts:AssumeRole on {arn}"
            )
        return None

    faults.append(no_role)
    code, report = _scan(tree, "missing.json")

    assert code == 2
    assert set(_by_name(report)) == {"pay-1", "prod-1", "shared-1"}
    assert {e["account_id"] for e in report["errors"]} == missing
    assert all("iam-prune-audit" in e["message"] for e in report["errors"])


def test_a_denied_list_accounts_names_the_permission_and_the_management_account(
    org: dict[str, Any], tree: Path, faults: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    def deny(action: str, _params: Any) -> Any:
        if action == "ListAccounts":
            return json_error(400, "AccessDeniedException", "You don't have permissions")
        return None

    faults.append(deny)
    code, report = _scan(tree, "denied.json")

    assert code == 2
    assert report["accounts"] == []
    [error] = report["errors"]
    assert "organizations:ListAccounts" in error["message"]
    assert f"management account {demo.ACCOUNT_ID}" in error["message"]
    assert "organizations:ListAccounts" in capsys.readouterr().err


def test_four_shards_cover_every_account_once_and_merge_into_the_whole(
    org: dict[str, Any], tree: Path
) -> None:
    code, whole = _scan(tree, "whole.json")
    assert code == 1, whole["errors"]
    shards = [f"shard-{n}.json" for n in range(1, 5)]
    for n, out in enumerate(shards, start=1):
        code, part = _scan(tree, out, "--shard", f"{n}/4")
        # A shard that met an error makes the merge exit 2: say which, and why.
        assert code in (0, 1), (out, part["errors"])
    parts = [json.loads(Path(s).read_text(encoding="utf-8")) for s in shards]
    seen = [a["account_id"] for part in parts for a in part["accounts"]]
    assert sorted(seen) == [a["account_id"] for a in whole["accounts"]]

    code = main(["merge", *shards, "--json", "merged.json", "--sarif", "merged.sarif"])

    merged = json.loads(Path("merged.json").read_text(encoding="utf-8"))
    assert code == 1, merged["errors"]
    assert merged["sources"] == shards
    for document in (merged, whole):  # when, and how many calls it took, differ by run
        document.pop("generated_at")
        document.pop("sources", None)
        for account in document["accounts"]:
            account["inventory"].pop("api_calls")
    assert json.dumps(merged, indent=1).splitlines() == json.dumps(whole, indent=1).splitlines()
    sarif = json.loads(Path("merged.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == len(whole["accounts"])  # one deployer each
    assert sarif["runs"][0]["properties"]["deleteUnmanaged"] == len(whole["accounts"]) - 1
    if SARIF_SCHEMA.is_file():
        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft7Validator(schema).validate(sarif)


@pytest.mark.parametrize("shard", ["5/4", "0/4", "1of4", "2/"])
def test_a_malformed_shard_exits_2_with_the_expected_form(
    tree: Path, shard: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["scan", "--terraform-dir", str(tree), "--organization", "--role-name", "r"]
    assert main([*argv, "--shard", shard]) == 2
    assert "expected I/N" in capsys.readouterr().err


def test_role_credentials_are_renewed_when_the_scan_outlives_them(
    aws: str, tree: Path, faults: list[Any]
) -> None:
    """Credentials that expire within botocore's refresh window are renewed through
    AssumeRole again before a request is signed: the scan completes on fresh ones."""
    _users(demo.ACCOUNT_ID, "deployer")
    issued: list[str] = []

    def short_lived(action: str, _params: Any) -> Any:
        if action != "AssumeRole":
            return None
        issued.append(f"ASIA{len(issued):016d}")
        expires = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = (
            '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<AssumeRoleResult><Credentials>"
            f"<AccessKeyId>{issued[-1]}</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
            f"<SessionToken>t</SessionToken><Expiration>{expires}</Expiration>"
            "</Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{demo.ACCOUNT_ID}:assumed-role/r/x</Arn></AssumedRoleUser>"
            "</AssumeRoleResult></AssumeRoleResponse>"
        )
        return 200, body.encode()

    faults.append(short_lived)
    arn = f"arn:aws:iam::{demo.ACCOUNT_ID}:role/r"
    code = main(["scan", "--terraform-dir", str(tree), "--role-arn", arn, "--json", "r.json"])

    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert report["complete"] is True
    assert code == 1
    assert len(issued) > 2  # renewed while scanning, not only at the start


def test_a_denied_renewal_is_named_as_the_renewal_not_the_call_it_interrupted(
    aws: str, tree: Path, faults: list[Any]
) -> None:
    """The first AssumeRole gives credentials about to expire; the renewal is denied. The
    error must name the role's AssumeRole, not whichever call was being signed then."""
    _users(demo.ACCOUNT_ID, "deployer")
    arn = f"arn:aws:iam::{demo.ACCOUNT_ID}:role/r"
    issued: list[str] = []

    def once(action: str, _params: Any) -> Any:
        if action != "AssumeRole":
            return None
        issued.append("ASIA")
        if len(issued) > 1:
            return aws_error(403, "AccessDenied", f"not authorized: sts:AssumeRole on {arn}")
        expires = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = (
            '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<AssumeRoleResult><Credentials>"
            "<AccessKeyId>ASIA0000000000000000</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
            f"<SessionToken>t</SessionToken><Expiration>{expires}</Expiration>"
            "</Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{demo.ACCOUNT_ID}:assumed-role/r/x</Arn></AssumedRoleUser>"
            "</AssumeRoleResult></AssumeRoleResponse>"
        )
        return 200, body.encode()

    faults.append(once)
    code = main(["scan", "--terraform-dir", str(tree), "--role-arn", arn, "--json", "r.json"])

    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert code == 2 and report["complete"] is False
    [error] = report["errors"]
    assert (
        f"renewing the credentials of {arn} (sts:AssumeRole) failed: AccessDenied"
        in (error["message"])
    )
    assert "GetCallerIdentity" not in error["message"]


def test_merge_refuses_another_schema_and_the_same_account_twice(
    org: dict[str, Any], tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _scan(tree, "a.json", "--accounts", "pay-1")
    capsys.readouterr()
    document = json.loads(Path("a.json").read_text(encoding="utf-8"))
    document["schema"] = "iam-prune/report/v2"
    Path("v2.json").write_text(json.dumps(document), encoding="utf-8")

    assert main(["merge", "a.json", "v2.json", "--json", "m.json"]) == 2
    assert "v2.json: report format 'iam-prune/report/v2'" in capsys.readouterr().err
    assert main(["merge", "a.json", "a.json", "--json", "m.json", "--markdown", "m.md"]) == 2
    assert f"account {org['ids']['pay-1']} is in both" in capsys.readouterr().err
    # The reports asked for still come, saying what went wrong, never a clean pass.
    merged = json.loads(Path("m.json").read_text(encoding="utf-8"))
    assert (merged["complete"], merged["accounts"]) == (False, [])
    [error] = merged["errors"]
    assert f"account {org['ids']['pay-1']} is in both" in error["message"]
    assert "is in both" in Path("m.md").read_text(encoding="utf-8")


def test_an_unknown_ou_is_an_error_naming_it(org: dict[str, Any], tree: Path) -> None:
    code, report = _scan(tree, "unknown.json", "--ou", "ou-zzzz-00000000")

    assert code == 2
    assert report["accounts"] == []
    [error] = report["errors"]
    assert error["message"].startswith("--ou")


def test_accounts_planned_at_once_get_the_changes_one_at_a_time_gets(
    org: dict[str, Any], tree: Path
) -> None:
    """Every account plans against the one planner of the run, from its own thread."""
    _, together = _scan(tree, "together.json", "--concurrency", "8")
    _, alone = _scan(tree, "alone.json", "--concurrency", "1")

    def changes(report: dict[str, Any]) -> dict[str, Any]:
        return {
            (a["account_id"], f["user"]): f.get("remediation")
            for a in report["accounts"]
            for f in a["findings"]
        }

    planned = changes(together)
    assert planned == changes(alone)
    patches = [r["patch"] for (_, user), r in planned.items() if user == "deployer"]
    assert len(patches) == 5 and all('resource "aws_iam_user" "deployer"' in p for p in patches)


def test_accounts_with_state_and_no_status_are_scanned(
    org: dict[str, Any], tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS retires ``Account.Status`` for ``State`` (botocore's model: 2026-09-09): an answer
    with ``State`` alone must not read as an organisation of no active account."""
    from moto.organizations.models import FakeAccount

    described = FakeAccount.describe

    def state_only(self: Any) -> dict[str, Any]:
        found: dict[str, Any] = described(self)
        found["State"] = found.pop("Status")
        return found

    monkeypatch.setattr(FakeAccount, "describe", state_only)
    code, report = _scan(tree, "state.json")

    assert report["complete"] is True and code == 1
    scanned = {a["account_id"] for a in report["accounts"]}
    assert scanned == {i for name, i in org["ids"].items() if name != "sand-2"}  # suspended


def test_a_list_of_no_accounts_is_unreadable_never_a_clean_pass(
    org: dict[str, Any], tree: Path, faults: list[Any]
) -> None:
    def empty(action: str, _params: Any) -> Any:
        return (200, b"{}") if action == "ListAccounts" else None

    faults.append(empty)
    code, report = _scan(tree, "empty.json")

    assert code == 2 and report["complete"] is False and report["accounts"] == []
    [error] = report["errors"]
    assert "ListAccounts answered no account at all" in error["message"]


def test_an_unreadable_assume_role_answer_costs_that_account_only(
    org: dict[str, Any], tree: Path, faults: list[Any]
) -> None:
    def garbage(action: str, params: dict[str, list[str]]) -> Any:
        arn = params.get("RoleArn", [""])[0]
        if action == "AssumeRole" and arn.split(":")[4] == org["ids"]["sand-1"]:
            return 200, b"<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>"
        return None

    faults.append(garbage)
    code, report = _scan(tree, "garbage.json")

    assert code == 2
    assert {"pay-1", "prod-1", "shared-1"} <= set(_by_name(report))
    [error] = report["errors"]
    assert error["account_id"] == org["ids"]["sand-1"]
    assert "cannot read" in error["message"] and error["source"] == "aws"


def test_an_unreadable_alias_is_a_note_and_the_run_stands(
    org: dict[str, Any], tree: Path, faults: list[Any]
) -> None:
    def garbage(action: str, _params: Any) -> Any:
        return (200, b"<html>proxy login") if action == "ListAccountAliases" else None

    faults.append(garbage)
    code, report = _scan(tree, "alias.json")

    assert code == 1 and report["complete"] is True and report["errors"] == []
    assert len(report["accounts"]) == 5
    assert any("account alias not read" in n["message"] for n in report["notes"])


def test_an_unknown_ou_beside_a_known_one_keeps_the_known_one(
    org: dict[str, Any], tree: Path
) -> None:
    code, report = _scan(tree, "mixed.json", "--ou", org["ous"]["prod"], "--ou", "ou-zzzz-00000000")

    assert code == 2
    assert set(_by_name(report)) == {"pay-1", "prod-1"}
    [error] = report["errors"]
    assert error["message"].startswith("--ou ou-zzzz-00000000")
