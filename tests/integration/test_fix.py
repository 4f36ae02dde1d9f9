"""`iam-prune fix` end to end on the demo tree: a user goes with what exists only for it.

The demo's Terraform gives bob a policy attachment, a login profile and an output of its
password, and a group membership he shares with alice. `fix` must remove all of bob's, take
him out of the shared list and leave alice in it, and leave files that Terraform reads.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from iam_prune.cli import main
from iam_prune.terraform.parse import parse_file

REPO = Path(__file__).resolve().parents[2]


def test_fix_takes_the_dependents_and_the_shared_list_element(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    seed_account(demo_spec)
    infra = repo / "infra"
    shutil.copytree(REPO / "examples" / "demo" / "terraform", infra)

    assert main(["fix", "--dry-run", "--terraform-dir", str(infra), "--json", "r.json"]) == 1
    dry = capsys.readouterr().out
    assert "-    aws_iam_user.bob.name,\n" in dry
    assert '-output "bob_initial_password" {' in dry
    report = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    bob = next(f for a in report["accounts"] for f in a["findings"] if f["user"] == "bob")
    assert bob["remediation"]["destroys"] == [
        "aws_iam_user.bob",
        "aws_iam_user_login_profile.bob",
        "aws_iam_user_policy_attachment.bob_read_only",
    ]

    summary = repo / "pr-body.md"
    assert main(["fix", "--terraform-dir", str(infra), "--summary", str(summary)]) == 0
    body = summary.read_text(encoding="utf-8")
    assert "- `bob`:" in body and "`aws_iam_user_policy_attachment.bob_read_only`" in body
    assert "**Files changed:**" in body and "`infra/access.tf`" in body
    access = (infra / "access.tf").read_text()
    assert "bob" not in access
    assert "users = [\n    aws_iam_user.alice.name,\n  ]" in access
    for path in infra.glob("*.tf"):
        parse_file(path.name, path.read_text())
    assert main(["scan", "--terraform-dir", str(infra), "--fail-on", "managed"]) == 0
