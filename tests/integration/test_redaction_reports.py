"""A sensitive variable next to a removed user reaches no report — terminal, JSON, JUnit,
Markdown, the job summary — while the patch `fix` writes and prints stays exact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iam_prune.cli import main

SECRET = "Temp-Pa55word-for-bob"
USERS = (
    'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n\n'
    'variable "bob_temp_password" {\n'
    f'  default   = "{SECRET}"\n'
    "  sensitive = true\n}\n"
)


def test_a_sensitive_value_in_diff_context_is_hidden_in_every_report(
    repo: Path,
    seed_account: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_account({"users": [{"name": "bob", "created_days_ago": 200}]})
    infra = repo / "infra"
    infra.mkdir()
    (infra / "users.tf").write_text(USERS, encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(repo / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(repo / "outputs.txt"))
    outputs = ["--json", "r.json", "--junit", "j.xml", "--markdown", "c.md"]
    assert main(["scan", "--terraform-dir", str(infra), "--color", "never", *outputs]) == 1
    shown = capsys.readouterr().out
    assert 'variable "bob_temp_password"' in shown  # the context is there ...
    assert SECRET not in shown  # ... without the value
    for name in ("r.json", "j.xml", "c.md", "summary.md"):
        text = (repo / name).read_text(encoding="utf-8")
        assert "bob_temp_password" in text, name
        assert SECRET not in text, name

    assert main(["fix", "--dry-run", "--terraform-dir", str(infra)]) == 1
    assert f'   default   = "{SECRET}"\n' in capsys.readouterr().out
