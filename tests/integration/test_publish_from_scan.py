"""From a real scan to GitHub: the demo account scanned against the demo's Terraform, as if a
pull request had just added every file, then published to the fake GitHub.

The suggestions come from the fixes engine's own patches, so this checks the promise end to
end: clicking every suggestion of the review gives exactly what ``iam-prune fix`` writes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fake_github import FakeGitHub
from github_scenario import PULL_REQUEST, apply_suggestions

from iam_prune.cli import main

REPO = Path(__file__).resolve().parents[2]


def added(path: str, text: str) -> dict[str, object]:
    lines = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
    patch = f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join(f"+{line}" for line in lines)
    return {"filename": path, "status": "added", "patch": patch}


def test_suggestions_from_a_scan_apply_to_exactly_the_fix(
    repo: Path,
    seed_account: Any,
    demo_spec: dict[str, Any],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_account(demo_spec)
    infra = repo / "infra"
    shutil.copytree(REPO / "examples" / "demo" / "terraform", infra)
    before = {f"infra/{p.name}": p.read_text() for p in sorted(infra.glob("*.tf"))}
    github.state.files[PULL_REQUEST] = [added(name, text) for name, text in before.items()]

    assert main(["scan", "--terraform-dir", "infra", "--json", "r.json", "--fail-on", "never"]) == 0
    assert main(["publish", "--report", "r.json"]) == 0
    assert main(["fix", "--terraform-dir", "infra"]) == 0
    after = {f"infra/{p.name}": p.read_text() for p in sorted(infra.glob("*.tf"))}
    capsys.readouterr()

    comments = github.state.review_comments
    assert comments, "the demo's removals lie in the added files: they must be suggested"
    report = json.loads((repo / "r.json").read_text())
    removable = {
        f["user"]
        for a in report["accounts"]
        for f in a["findings"]
        if f["status"] == "remove-from-code" and f.get("remediation", {}).get("patch")
    }
    suggested = {str(c["body"]).split("IAM user `")[1].split("`")[0] for c in comments}
    assert suggested == removable
    for name, text in before.items():
        mine = [c for c in comments if c["path"] == name]
        assert apply_suggestions(text, mine) == after[name], name
