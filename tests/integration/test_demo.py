"""`iam-prune demo`: the real scan against the embedded example account."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from iam_prune.cli import main
from iam_prune.schemas import report_schema


def test_demo_shows_every_status_and_writes_reports_wherever_it_is_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".iam-prune.toml").write_text('profile = "not-there"\n')  # must not apply
    monkeypatch.chdir(elsewhere)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "GITHUB_ACTIONS"):
        monkeypatch.delenv(key, raising=False)

    assert main(["demo", "--output-dir", "out"]) == 0

    out = capsys.readouterr().out
    assert '-resource "aws_iam_user" "bob" {' in out
    report = json.loads((elsewhere / "out" / "report.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    statuses = {f["status"] for a in report["accounts"] for f in a["findings"]}
    assert statuses == {
        "remove-from-code",
        "delete-unmanaged",
        "needs-review",
        "exempt",
        "grace",
        "in-use",
        "not-deployed",
    }
    files = {
        d["file"] for a in report["accounts"] for f in a["findings"] for d in f["declarations"]
    }
    assert files <= {"examples/demo/terraform/users.tf", "examples/demo/terraform/machines.tf"}
    assert (elsewhere / "out" / "junit.xml").is_file()
    assert (elsewhere / "out" / "comment.md").is_file()
    assert "AWS_ENDPOINT_URL" not in __import__("os").environ  # restored after the demo


def test_demo_without_moto_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_import = builtins.__import__

    def no_moto(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "moto" or name.startswith("moto."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_moto)

    assert main(["demo", "--output-dir", str(tmp_path / "out")]) == 2

    assert "pip install 'iam-prune[demo]'" in capsys.readouterr().err
