"""`iam-prune scan` end to end: moto's server over HTTP, real files, main(argv)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import aws_error
from iam_prune.aws.session import READ_ONLY_OPERATIONS
from iam_prune.cli import main
from iam_prune.schemas import report_schema

REPO = Path(__file__).resolve().parents[2]

SCHEMA = report_schema()

EXPECTED = {
    "alice": "in-use",
    "deploy-bot": "in-use",
    "data-loader": "in-use",
    "bob": "remove-from-code",
    "legacy-reporting": "remove-from-code",
    "contractor-2019": "delete-unmanaged",
    "git-mirror": "needs-review",
    "new-hire": "grace",
    "break-glass": "exempt",
    "auditor": "exempt",
    "ci-2021": "in-use",
    "intern-2027": "not-deployed",
}


def _demo_tree(repo: Path) -> Path:
    target = repo / "infra"
    shutil.copytree(REPO / "examples" / "demo" / "terraform", target)
    return target


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {f["user"]: f["status"] for a in report["accounts"] for f in a["findings"]}


def test_demo_account_gets_every_status_and_valid_reports(
    repo: Path,
    seed_account: Any,
    demo_spec: dict[str, Any],
    server_actions: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_account(demo_spec)
    server_actions.clear()
    infra = _demo_tree(repo)

    code = main(
        [
            "scan",
            "--terraform-dir",
            str(infra),
            "--json",
            "out/report.json",
            "--junit",
            "out/junit.xml",
            "--markdown",
            "out/comment.md",
        ]
    )

    assert code == 1
    report = json.loads((repo / "out" / "report.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert report["complete"] is True
    assert _statuses(report) == EXPECTED
    assert report["accounts"][0]["inventory"]["source"] == "credential-report"
    # Only reads reached the server, and each was counted by the client.
    assert server_actions
    assert {("iam", a) for a in server_actions} - READ_ONLY_OPERATIONS <= {
        ("iam", "GetCallerIdentity")
    }
    assert report["accounts"][0]["inventory"]["api_calls"] == len(server_actions)

    bob = next(f for f in report["accounts"][0]["findings"] if f["user"] == "bob")
    assert bob["declarations"][0]["file"] == "infra/users.tf"
    assert bob["declarations"][0]["address"] == "aws_iam_user.bob"
    assert '-resource "aws_iam_user" "bob" {' in bob["remediation"]["patch"]
    unmanaged = next(f for f in report["accounts"][0]["findings"] if f["user"] == "contractor-2019")
    commands = unmanaged["remediation"]["commands"]
    assert commands[0] == "aws iam delete-login-profile --user-name contractor-2019"
    assert commands[-1] == "aws iam delete-user --user-name contractor-2019"
    assert commands.index(
        "aws iam delete-user-policy --user-name contractor-2019 --policy-name read-reports"
    ) < commands.index(
        "aws iam remove-user-from-group --user-name contractor-2019 --group-name contractors"
    )

    suite = ET.parse(repo / "out" / "junit.xml").getroot()
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["bob"].find("failure") is not None
    assert cases["bob"].get("file") == "infra/users.tf"
    assert cases["git-mirror"].find("skipped") is not None
    assert cases["alice"].find("failure") is None

    comment = (repo / "out" / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith("<!-- iam-prune:report -->")
    assert "```diff" in comment

    out = capsys.readouterr().out
    assert "bob" in out and "contractor-2019" in out


def test_broken_file_is_reported_and_never_makes_a_user_unmanaged(
    repo: Path, seed_account: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(
        {
            "users": [
                {"name": "ghost", "created_days_ago": 100},
                {"name": "orphan", "created_days_ago": 100},
                {"name": "kept", "created_days_ago": 100},
            ]
        }
    )
    infra = repo / "infra"
    infra.mkdir()
    (infra / "ok.tf").write_text('resource "aws_iam_user" "kept" {\n  name = "kept"\n}\n')
    (infra / "broken.tf").write_text(
        'resource "aws_iam_user" "svc" {\n  name = local.svc\n  tags = = 1\n}\n'
    )

    code = main(["scan", "--terraform-dir", str(infra), "--json", "r.json"])

    assert code == 2
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert report["complete"] is False
    [error] = report["errors"]
    assert error["source"] == "terraform"
    assert error["file"] == "infra/broken.tf"
    assert error["line"] == 3
    assert error["column"] == 10
    statuses = _statuses(report)
    assert statuses["kept"] == "remove-from-code"  # the sound file is still used
    # the broken file declares a user under a name it does not spell out: any user may be it
    assert statuses["ghost"] == "needs-review"
    assert statuses["orphan"] == "needs-review"
    assert "INCOMPLETE" in capsys.readouterr().out.upper()


def test_a_broken_file_that_only_names_a_user_holds_back_just_that_user(
    repo: Path, seed_account: Any
) -> None:
    seed_account(
        {
            "users": [
                {"name": "ghost", "created_days_ago": 100},
                {"name": "orphan", "created_days_ago": 100},
            ]
        }
    )
    infra = repo / "infra"
    infra.mkdir()
    (infra / "ok.tf").write_text('resource "aws_iam_user" "kept" {\n  name = "kept"\n}\n')
    (infra / "names.tf").write_text('locals {\n  who = "ghost"\n  oops = = 1\n}\n')

    assert main(["scan", "--terraform-dir", str(infra), "--json", "r.json"]) == 2

    statuses = _statuses(json.loads((repo / "r.json").read_text(encoding="utf-8")))
    assert statuses["ghost"] == "needs-review"
    assert statuses["orphan"] == "delete-unmanaged"


def test_a_module_whose_code_is_not_read_calls_no_user_unmanaged(
    repo: Path, seed_account: Any
) -> None:
    seed_account(
        {
            "users": [
                {"name": "bob", "created_days_ago": 100},
                {"name": "zed", "created_days_ago": 100},
            ]
        }
    )
    infra = repo / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(
        'module "extra" {\n  source = "git::https://example.com/x.git"\n}\n\n'
        'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n'
    )

    assert main(["scan", "--terraform-dir", str(infra), "--json", "r.json"]) == 1

    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["complete"] is True
    assert _statuses(report) == {"bob": "remove-from-code", "zed": "needs-review"}
    zed = next(f for f in report["accounts"][0]["findings"] if f["user"] == "zed")
    assert "infra/main.tf:1" in zed["reason"] and "remediation" not in zed


def test_a_var_file_that_cannot_be_read_calls_no_user_unmanaged(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(demo_spec)
    infra = _demo_tree(repo)
    (infra / "broken.tfvars").write_text("oops = = 1\n")

    code = main(
        [
            "scan",
            "--terraform-dir",
            str(infra),
            "--var-file",
            "infra/broken.tfvars",
            "--json",
            "r.json",
        ]
    )

    assert code == 2
    statuses = _statuses(json.loads((repo / "r.json").read_text(encoding="utf-8")))
    # any name may come from the variables it would have set...
    assert "delete-unmanaged" not in statuses.values()
    assert statuses["contractor-2019"] == "needs-review"
    # ...while a literal name still stands
    assert statuses["bob"] == "remove-from-code"


def test_no_credentials_is_one_clear_line(
    repo: Path, aws: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    (repo / "tf").mkdir()
    (repo / "tf" / "main.tf").write_text('resource "aws_iam_user" "a" {\n  name = "a"\n}\n')

    code = main(["scan", "--terraform-dir", "tf"])

    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "no AWS credentials" in err[0] and "AWS_PROFILE" in err[0]


def test_unreachable_endpoint_exits_2_naming_it(
    repo: Path, aws: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: refused
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    (repo / "tf").mkdir()
    (repo / "tf" / "main.tf").write_text('resource "aws_iam_user" "a" {\n  name = "a"\n}\n')

    code = main(["scan", "--terraform-dir", "tf", "--json", "r.json"])

    assert code == 2
    err = capsys.readouterr().err
    assert "could not reach AWS" in err and "127.0.0.1:9" in err
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["complete"] is False and report["accounts"] == []


def test_missing_terraform_dir_exits_2_naming_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--terraform-dir", "does/not/exist"]) == 2
    assert "does/not/exist: no such directory" in capsys.readouterr().err
    (repo / "empty").mkdir()
    assert main(["scan", "--terraform-dir", "empty"]) == 2
    assert "empty: holds no .tf or .tf.json file" in capsys.readouterr().err
    (repo / "file.tf").write_text("")
    assert main(["scan", "--terraform-dir", "file.tf"]) == 2
    assert "file.tf: is a file, not a directory" in capsys.readouterr().err
    (repo / "infra").mkdir()
    (repo / "infra" / "main.tf").write_text("")
    assert main(["scan", "--terraform-dir", "infra", "--var-file", "nope.tfvars"]) == 2
    assert "nope.tfvars: no such file" in capsys.readouterr().err
    assert main(["scan", "--terraform-dir", "infra", "--role-arn", "not-an-arn"]) == 2
    assert "is not a role ARN" in capsys.readouterr().err


def test_fix_applies_the_removal_and_dry_run_only_prints(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(demo_spec)
    infra = _demo_tree(repo)
    before = (infra / "users.tf").read_text()

    assert main(["fix", "--dry-run", "--terraform-dir", str(infra)]) == 1
    assert (infra / "users.tf").read_text() == before
    printed = capsys.readouterr()
    assert printed.out.startswith("diff --git ")  # stdout is the patch alone...
    assert '-resource "aws_iam_user" "bob" {' in printed.out
    assert "Remove from code" in printed.err  # ...the report went to stderr
    (repo / "fix.patch").write_text(printed.out)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "apply", "--check", "fix.patch"], cwd=repo, check=True)

    assert main(["fix", "--terraform-dir", str(infra)]) == 0
    after = (infra / "users.tf").read_text()
    assert '"aws_iam_user" "bob"' not in after
    assert '"aws_iam_user" "alice"' in after
    assert "Bob joined" not in after  # the attached comment went with the block
    legacy = (infra / "machines.tf").read_text()
    assert "legacy_reporting" not in legacy and "deploy_bot" in legacy

    # Once fixed, the same account has nothing left to remove from this code.
    assert main(["scan", "--terraform-dir", str(infra), "--fail-on", "managed"]) == 0


def test_console_script_runs_as_a_subprocess(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any]
) -> None:
    seed_account(demo_spec)
    infra = _demo_tree(repo)
    script = Path(sys.executable).parent / "iam-prune"
    result = subprocess.run(
        [str(script), "scan", "--terraform-dir", str(infra), "--json", "r.json"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert _statuses(report)["bob"] == "remove-from-code"
    assert "2 to remove from code" in result.stdout.splitlines()[-1]  # the last line came out


def _closed_pipe_run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed script with its standard output a pipe whose reader is already gone."""
    script = Path(sys.executable).parent / "iam-prune"
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [str(script), *args],
            cwd=repo,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)


def test_a_reader_that_leaves_the_pipe_early_costs_no_result(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any]
) -> None:
    """``iam-prune scan --json r.json | head -3``: the terminal report loses its reader; the
    JSON report still holds every finding and the exit code is the findings' (before, the run
    ended as an internal error with an empty report)."""
    seed_account(demo_spec)
    infra = _demo_tree(repo)
    done = _closed_pipe_run(repo, "scan", "--terraform-dir", str(infra), "--json", "r.json")
    assert done.returncode == 1, done.stderr
    assert "error" not in done.stderr and "Traceback" not in done.stderr
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["complete"] is True and report["errors"] == []
    assert _statuses(report)["bob"] == "remove-from-code"

    dry = _closed_pipe_run(repo, "fix", "--dry-run", "--terraform-dir", str(infra))
    assert dry.returncode == 1, dry.stderr
    assert "error" not in dry.stderr and "Remove from code" in dry.stderr

    fixed = _closed_pipe_run(repo, "fix", "--terraform-dir", str(infra), "--summary", "s.md")
    assert fixed.returncode == 0, fixed.stderr
    assert "error" not in fixed.stderr
    assert '"aws_iam_user" "bob"' not in (infra / "users.tf").read_text()
    assert (repo / "s.md").is_file()  # written after the lines the closed pipe did not take


def test_in_github_actions_the_summary_and_outputs_are_written(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_account(demo_spec)
    infra = _demo_tree(repo)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(repo / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(repo / "output"))

    assert main(["scan", "--terraform-dir", str(infra), "--json", "r.json"]) == 1

    assert (repo / "summary.md").read_text(encoding="utf-8").startswith("<!-- iam-prune:report -->")
    outputs = dict(
        line.split("=", 1) for line in (repo / "output").read_text().splitlines() if "=" in line
    )
    assert outputs == {
        "json-path": "r.json",
        "findings": "3",
        "complete": "true",
        "exit-code": "1",
    }


def test_in_github_actions_no_text_from_aws_or_code_is_read_as_a_workflow_command(
    repo: Path,
    seed_account: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The runner takes any output line starting with ``::`` as a command; a tag value is
    set by whoever may tag a user, and the terminal report shows it."""
    forged = "::error::Your AWS account is compromised: rotate every key at evil.example"
    seed_account(
        {
            "users": [
                {"name": "ci", "created_days_ago": 100, "tags": {"iam-prune:exempt": forged}},
                {"name": "old", "created_days_ago": 100},
            ]
        }
    )
    infra = repo / "infra"
    infra.mkdir()
    (infra / "u.tf").write_text('resource "aws_iam_user" "ci" {\n  name = "ci"\n}\n')
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(repo / "output"))

    main(["scan", "--terraform-dir", str(infra), "--no-cache"])

    lines = capsys.readouterr().out.splitlines()
    stop = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[0])
    assert stop is not None, lines[:2]
    assert lines[-1] == f"::{stop.group(1)}::"
    inside = "\n".join(lines[1:-1])
    assert "::error::Your AWS account" in inside  # shown, as text the runner does not run


def _pet_tree(repo: Path) -> Path:
    infra = repo / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(
        'resource "random_pet" "x" {}\n\n'
        'resource "aws_iam_user" "pet" {\n  name = "pet-${random_pet.x.id}"\n}\n\n'
        'variable "team" {}\n\n'
        'resource "aws_iam_user" "lead" {\n  name = "${var.team}-lead"\n}\n',
        encoding="utf-8",
    )
    return infra


PET_STATE = {
    "version": 4,
    "terraform_version": "1.11.4",
    "serial": 1,
    "lineage": "0b8d5bd6-5d4c-4a8e-9a52-000000000000",
    "outputs": {},
    "resources": [
        {
            "mode": "managed",
            "type": "aws_iam_user",
            "name": "pet",
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [{"schema_version": 0, "attributes": {"name": "pet-brave-otter"}}],
        }
    ],
    "check_results": None,
}


def test_state_and_var_files_resolve_what_static_evaluation_cannot(
    repo: Path, seed_account: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(
        {
            "users": [
                {"name": "pet-brave-otter", "created_days_ago": 90},
                {"name": "data-lead", "created_days_ago": 90},
                {"name": "stray", "created_days_ago": 90},
            ]
        }
    )
    infra = _pet_tree(repo)

    # Without state and tfvars both names are unknown: a user they may produce is never
    # called unmanaged; one that neither template can produce still is.
    assert main(["scan", "--terraform-dir", str(infra), "--json", "a.json"]) == 2
    first = json.loads((repo / "a.json").read_text(encoding="utf-8"))
    assert _statuses(first) == {
        "pet-brave-otter": "needs-review",
        "data-lead": "needs-review",
        "stray": "delete-unmanaged",
    }
    assert any("--state" in e["message"] for e in first["errors"])

    (repo / "state.json").write_text(json.dumps(PET_STATE), encoding="utf-8")
    (repo / "prod.tfvars").write_text('team = "data"\n', encoding="utf-8")
    code = main(
        [
            "scan",
            "--terraform-dir",
            str(infra),
            "--state",
            "state.json",
            "--var-file",
            "prod.tfvars",
            "--json",
            "b.json",
        ]
    )

    assert code == 1
    second = json.loads((repo / "b.json").read_text(encoding="utf-8"))
    assert second["complete"] is True
    assert _statuses(second) == {
        "pet-brave-otter": "remove-from-code",
        "data-lead": "remove-from-code",
        "stray": "delete-unmanaged",
    }
    pet = next(
        f for a in second["accounts"] for f in a["findings"] if f["user"] == "pet-brave-otter"
    )
    assert pet["declarations"][0]["via"] == "state"
    assert pet["declarations"][0]["address"] == "aws_iam_user.pet"


@pytest.mark.parametrize(
    ("text", "place"),
    [('{"version": 99}', {}), ('{\n  "version": 4,\n  oops\n}', {"line": 3, "column": 3})],
)
def test_an_unreadable_state_is_an_error_not_a_crash(
    repo: Path,
    seed_account: Any,
    capsys: pytest.CaptureFixture[str],
    text: str,
    place: dict[str, int],
) -> None:
    seed_account({"users": [{"name": "stray", "created_days_ago": 90}]})
    infra = _pet_tree(repo)
    (repo / "state.json").write_text(text, encoding="utf-8")

    code = main(
        ["scan", "--terraform-dir", str(infra), "--state", "state.json", "--json", "r.json"]
    )

    assert code == 2
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    [error] = [e for e in report["errors"] if e["source"] == "state"]
    assert error["message"].startswith("Terraform state: ")
    assert {k: error.get(k) for k in ("file", *place)} == {"file": "state.json", **place}
    where = ":".join(["state.json", *(str(n) for n in place.values())])
    assert f"{where}: Terraform state: " in capsys.readouterr().out


def test_a_malformed_exemption_tag_is_reviewed_and_the_run_stays_complete(
    repo: Path, seed_account: Any
) -> None:
    seed_account(
        {
            "users": [
                {
                    "name": "svc-old",
                    "created_days_ago": 400,
                    "tags": {
                        "iam-prune:exempt": "batch jobs",
                        "iam-prune:exempt-until": "31/12/2026",
                    },
                },
                {"name": "orphan", "created_days_ago": 400},
            ]
        }
    )
    (repo / "infra").mkdir()
    (repo / "infra" / "main.tf").write_text("locals { x = 1 }\n", encoding="utf-8")

    code = main(["scan", "--terraform-dir", "infra", "--json", "r.json"])

    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["complete"] is True
    assert report["errors"] == []
    findings = {f["user"]: f for f in report["accounts"][0]["findings"]}
    assert findings["svc-old"]["status"] == "needs-review"
    assert "remediation" not in findings["svc-old"]
    assert (
        "exemption tag `iam-prune:exempt-until` = `31/12/2026` is not YYYY-MM-DD"
        in findings["svc-old"]["reason"]
    )
    assert findings["orphan"]["status"] == "delete-unmanaged"
    assert code == 1  # the orphan, not an error


def test_patch_flag_writes_the_combined_patch_that_git_applies(
    repo: Path,
    seed_account: Any,
    demo_spec: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_account(demo_spec)
    infra = _demo_tree(repo)

    assert main(["scan", "--terraform-dir", str(infra), "--patch", "out/iam-prune.patch"]) == 1
    written = (repo / "out" / "iam-prune.patch").read_text(encoding="utf-8")
    assert "wrote patch: out/iam-prune.patch" in capsys.readouterr().err
    assert main(["fix", "--terraform-dir", str(infra), "--dry-run"]) == 1
    assert written == capsys.readouterr().out
    assert '-resource "aws_iam_user" "bob" {' in written
    check = subprocess.run(
        ["git", "apply", "--check", "out/iam-prune.patch"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def test_junit_max_bytes_and_real_time_per_account(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any]
) -> None:
    from iam_prune.formats import junit

    seed_account(demo_spec)
    infra = _demo_tree(repo)
    assert main(["scan", "--terraform-dir", str(infra), "--junit", "whole.xml"]) == 1
    whole = (repo / "whole.xml").read_text(encoding="utf-8")
    assert junit.LEFT_OUT not in whole
    suite = ET.fromstring(whole).find("testsuite")
    assert suite is not None
    assert float(suite.get("time", "0")) > 0  # measured, not a placeholder

    limit = len(whole.encode("utf-8")) - 200
    args = ["scan", "--terraform-dir", str(infra), "--junit", "small.xml"]
    assert main([*args, "--junit-max-bytes", str(limit)]) == 1
    small = (repo / "small.xml").read_text(encoding="utf-8")
    assert len(small.encode("utf-8")) <= limit
    # passing users are counted before any diff is cut
    assert "counted, not listed" in small
    assert junit.LEFT_OUT not in small


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_junit_max_bytes_must_be_positive(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["scan", "--junit-max-bytes", value])
    assert stopped.value.code == 2
    assert "expected a whole number of bytes above 0" in capsys.readouterr().err


def test_progress_says_what_is_being_done_and_quiet_prints_one_line(
    repo: Path,
    seed_account: Any,
    demo_spec: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from iam_prune import terminal

    seed_account(demo_spec)
    infra = _demo_tree(repo)
    seen: list[str] = []
    monkeypatch.setattr(terminal, "progress", seen.append)
    assert main(["scan", "--terraform-dir", str(infra)]) == 1
    assert seen[0] == "reading the Terraform in infra"
    # The account is read while the Terraform is: its lines may come in between.
    assert any(re.fullmatch(r"parsed \d+ of \d+ Terraform files", m) for m in seen[1:])
    assert "reading 1 account" in seen
    assert any(re.fullmatch(r"\d{12}: planning 2 removals \(evaluating .*\)", m) for m in seen)
    assert seen[-1] == "combining 2 removals into one patch"
    capsys.readouterr()

    seen.clear()
    assert main(["scan", "--terraform-dir", str(infra), "--quiet", "--json", "q.json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "2 to remove from code, 1 unmanaged to delete, 1 needs review\n"
    assert captured.err == ""
    assert seen == []
    assert (repo / "q.json").is_file()


def test_a_planner_that_widens_to_every_file_says_why(
    repo: Path, seed_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part of a big configuration is evaluated; when an edit reaches a file left out, the
    planning of every later finding costs the whole configuration: the terminal says so, and
    names the file."""
    from iam_prune import terminal
    from iam_prune.fixes.evaluation.reach import Reach
    from iam_prune.fixes.planning import planner

    infra = repo / "infra"
    infra.mkdir()
    (infra / "users.tf").write_text(
        'locals {\n  names = ["ann", "bob"]\n}\n\n'
        'resource "aws_iam_user" "u" {\n'
        "  for_each = toset(local.names)\n  name     = each.key\n}\n",
        encoding="utf-8",
    )
    (infra / "buckets.tf").write_text(
        'resource "aws_s3_bucket" "home" {\n  for_each = toset(local.names)\n'
        '  bucket   = "home-${each.key}"\n}\n',
        encoding="utf-8",
    )
    seed_account({"users": [{"name": "ann", "created_days_ago": 400, "password": {}}]})
    # Two files are evaluated whole; a part that leaves out the bucket file stands in for
    # the part of a big root.
    monkeypatch.setattr(
        planner, "choose", lambda *_: Reach(frozenset({"infra/users.tf"}), frozenset({"infra"}))
    )
    seen: list[str] = []
    monkeypatch.setattr(terminal, "progress", seen.append)
    assert main(["scan", "--terraform-dir", str(infra), "--json", "r.json"]) == 1
    (widened,) = [line for line in seen if "every file" in line]
    assert widened.startswith("123456789012: planning evaluates every file now: ")
    assert "infra/buckets.tf reads `local.names`" in widened
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    (ann,) = [f for f in report["accounts"][0]["findings"] if f["user"] == "ann"]
    assert 'aws_s3_bucket.home["ann"]' in ann["remediation"]["destroys"]


def _count_planners(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from iam_prune.fixes import plan
    from iam_prune.fixes.planning import planner

    plan._planner.cache_clear()  # an equal model of an earlier test would reuse its planner
    built: list[int] = []
    original = planner.Planner.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(planner.Planner, "__init__", counted)
    return built


def test_a_run_with_nothing_to_remove_builds_no_planner(
    repo: Path, seed_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Choosing the files to plan with reads every text of the code; a nightly run whose
    declared users are all in use has no removal to plan, and an undeclared unused user gets
    commands, not a patch."""
    infra = repo / "infra"
    infra.mkdir()
    (infra / "users.tf").write_text(
        'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n', encoding="utf-8"
    )
    seed_account(
        {
            "users": [
                {"name": "alice", "created_days_ago": 400, "password": {"last_used_days_ago": 2}},
                {"name": "stray", "created_days_ago": 400, "password": {}},
            ]
        }
    )
    built = _count_planners(monkeypatch)
    args = ["scan", "--terraform-dir", str(infra), "--json", "r.json", "--patch", "p.diff"]
    assert main(args) == 1
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    statuses = {f["user"]: f["status"] for f in report["accounts"][0]["findings"]}
    assert statuses == {"alice": "in-use", "stray": "delete-unmanaged"}
    assert (repo / "p.diff").read_text(encoding="utf-8") == ""
    assert built == []


def test_a_run_with_a_removal_plans_it_with_one_planner(
    repo: Path, seed_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    infra = repo / "infra"
    infra.mkdir()
    (infra / "users.tf").write_text(
        'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n', encoding="utf-8"
    )
    seed_account({"users": [{"name": "alice", "created_days_ago": 400, "password": {}}]})
    built = _count_planners(monkeypatch)
    args = ["scan", "--terraform-dir", str(infra), "--json", "r.json", "--patch", "p.diff"]
    assert main(args) == 1
    assert '-resource "aws_iam_user" "alice" {' in (repo / "p.diff").read_text(encoding="utf-8")
    assert built == [1]


def test_the_account_alias_names_the_account_in_every_report(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any]
) -> None:
    import boto3

    seed_account(demo_spec)
    boto3.client("iam", region_name="us-east-1").create_account_alias(AccountAlias="acme-prod")
    infra = _demo_tree(repo)
    args = ["scan", "--terraform-dir", str(infra), "--json", "r.json", "--markdown", "c.md"]
    assert main(args) == 1
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["accounts"][0]["alias"] == "acme-prod"
    assert "(acme\\-prod)" in (repo / "c.md").read_text(encoding="utf-8")


def test_a_denied_alias_is_a_note_not_an_error(
    repo: Path,
    seed_account: Any,
    demo_spec: dict[str, Any],
    faults: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_account(demo_spec)
    denied = aws_error(403, "AccessDenied", "not allowed")
    faults.append(lambda action, _params: denied if action == "ListAccountAliases" else None)
    infra = _demo_tree(repo)
    args = ["scan", "--terraform-dir", str(infra), "--json", "r.json", "--markdown", "c.md"]
    assert main(args) == 1
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert report["complete"] is True
    assert report["accounts"][0]["alias"] is None
    [note] = [n for n in report["notes"] if "iam:ListAccountAliases" in n["message"]]
    assert note["account_id"] == "123456789012"
    assert "iam:ListAccountAliases" in (repo / "c.md").read_text(encoding="utf-8")
    assert capsys.readouterr().out.count("iam:ListAccountAliases") == 1


def test_a_report_file_that_cannot_be_written_keeps_the_results_in_the_others(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(demo_spec)
    infra = _demo_tree(repo)
    (repo / "blocker").write_text("a file where a folder is needed\n")

    args = ["scan", "--terraform-dir", str(infra), "--json", "r.json"]
    assert main([*args, "--markdown", "blocker/comment.md"]) == 2

    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert report["complete"] is False
    assert _statuses(report) == EXPECTED  # the results are all still there
    [error] = report["errors"]
    assert error["source"] == "config"
    assert "could not write the markdown report to blocker/comment.md" in error["message"]
    assert capsys.readouterr().err.count("could not write the markdown report") == 1
