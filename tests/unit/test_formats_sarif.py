"""SARIF: valid 2.1.0, results at declarations, fixes from one-file patches, unmanaged users
in the run rather than at a made-up place."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_builders import (
    ACCOUNT,
    OTHER_ACCOUNT,
    account,
    declaration,
    full_report,
    incomplete_report,
    removal,
    report,
    two_account_report,
    unmanaged,
)

from iam_prune.formats import sarif
from iam_prune.model import Note

SARIF_SCHEMA = (
    Path(__file__).resolve().parents[3] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
)


def _doc(rep: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(sarif.render(rep))
    return loaded


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(), reason="no shared design folder beside the clone")
@pytest.mark.parametrize("build", [full_report, incomplete_report, two_account_report])
def test_the_log_is_valid_sarif_2_1_0(build: Any) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(_doc(build()))


def test_remove_from_code_is_a_result_at_the_declaration_with_a_stable_fingerprint() -> None:
    doc = _doc(full_report())
    [run] = doc["runs"]
    [result] = run["results"]
    assert result["ruleId"] == "remove-from-code"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "remove-from-code"
    region = result["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "infra/users.tf"
    assert region["region"] == {"startLine": 10, "endLine": 14}
    expected = removal("alice").fingerprint(ACCOUNT)
    assert result["partialFingerprints"] == {sarif.FINGERPRINT_KEY: expected}
    moved = report([removal("alice", line=50)])  # same user and address, other lines
    [again] = _doc(moved)["runs"][0]["results"]
    assert again["partialFingerprints"] == result["partialFingerprints"]


def test_a_findings_notes_are_in_its_message_and_properties() -> None:
    [plain] = _doc(report([removal("alice")]))["runs"][0]["results"]
    assert "notes" not in plain["properties"]
    noted = replace(removal("alice"), notes=("exemption (audit) expired on 2024-01-31",))
    [result] = _doc(report([noted]))["runs"][0]["results"]
    assert result["message"]["text"].endswith(" Note: exemption (audit) expired on 2024-01-31")
    assert result["properties"]["notes"] == ["exemption (audit) expired on 2024-01-31"]


def test_every_rule_has_markdown_help_on_the_rule_removal_and_exemption() -> None:
    for rule in sarif.RULES:
        help_text = rule["help"]["markdown"]
        assert "never used" in help_text
        assert "iam-prune:exempt" in help_text
    assert "terraform apply" in sarif.RULES[0]["help"]["markdown"]


def test_a_one_file_patch_becomes_a_fix_of_whole_lines() -> None:
    [result] = _doc(full_report())["runs"][0]["results"]
    [fix] = result["fixes"]
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "infra/users.tf"
    # patch_for removes lines 10..14 (the block); line 15 is context.
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 10, "startColumn": 1, "endLine": 15, "endColumn": 1}}
    ]


def test_replacements_keep_inserted_lines_and_skip_context() -> None:
    patch = (
        "diff --git a/m.tf b/m.tf\n--- a/m.tf\n+++ b/m.tf\n"
        "@@ -1,4 +1,4 @@\n keep\n-old\n+new\n keep\n-gone\n"
    )
    fix = sarif._fix(patch, "u")
    assert fix is not None
    assert fix["artifactChanges"][0]["replacements"] == [
        {
            "deletedRegion": {"startLine": 2, "startColumn": 1, "endLine": 3, "endColumn": 1},
            "insertedContent": {"text": "new\n"},
        },
        {"deletedRegion": {"startLine": 4, "startColumn": 1, "endLine": 5, "endColumn": 1}},
    ]


def test_no_fix_for_a_patch_over_two_files_or_without_a_final_newline() -> None:
    one = "--- a/a.tf\n+++ b/a.tf\n@@ -1,1 +0,0 @@\n-x\n"
    two = one + "--- a/b.tf\n+++ b/b.tf\n@@ -1,1 +0,0 @@\n-y\n"
    tail = "--- a/a.tf\n+++ b/a.tf\n@@ -1,1 +0,0 @@\n-x\n\\ No newline at end of file\n"
    assert sarif._fix(one, "u") is not None
    assert sarif._fix(two, "u") is None
    assert sarif._fix(tail, "u") is None


def test_a_quoted_path_is_unquoted() -> None:
    patch = '--- "a/caf\\303\\251.tf"\n+++ "b/caf\\303\\251.tf"\n@@ -1,1 +0,0 @@\n-x\n'
    fix = sarif._fix(patch, "u")
    assert fix is not None
    assert fix["artifactChanges"][0]["artifactLocation"]["uri"] == "caf%C3%A9.tf"


def test_unmanaged_users_are_counted_and_listed_in_the_run_not_placed() -> None:
    rep = report(
        accounts=(
            account([unmanaged("carol"), removal("alice")]),
            account([unmanaged("zed")], account_id=OTHER_ACCOUNT),
        )
    )
    [run] = _doc(rep)["runs"]
    assert [r["ruleId"] for r in run["results"]] == ["remove-from-code"]
    assert run["properties"]["deleteUnmanaged"] == 2
    [listing] = [
        n
        for n in run["invocations"][0]["toolExecutionNotifications"]
        if n.get("associatedRule", {}).get("id") == "delete-unmanaged"
    ]
    assert "carol" in listing["message"]["text"] and "zed" in listing["message"]["text"]
    assert "locations" not in listing
    assert {u["accountId"] for u in listing["properties"]["users"]} == {ACCOUNT, OTHER_ACCOUNT}


def test_errors_and_notes_are_notifications_and_an_incomplete_run_did_not_succeed() -> None:
    rep = incomplete_report()
    rep = replace(rep, notes=(Note("module x not read", "infra/m.tf", 2),))
    invocation = _doc(rep)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    levels = [n["level"] for n in invocation["toolExecutionNotifications"]]
    assert levels.count("error") == 2 and "note" in levels
    parse_error = invocation["toolExecutionNotifications"][0]
    assert parse_error["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_other_declarations_are_related_locations() -> None:
    finding = removal("alice")
    twice = replace(
        finding, declarations=(*finding.declarations, declaration("alice", file="b.tf"))
    )
    [result] = _doc(report([twice]))["runs"][0]["results"]
    [related] = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "b.tf"
