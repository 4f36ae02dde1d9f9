"""Planning time per finding, as the whole-scan benchmark reads it from a real scan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from iam_prune import pipeline
from iam_prune.cli import main
from iam_prune.remediation import PLANNING_TIMES_ENV, plan_ahead

REPO = Path(__file__).resolve().parents[2]


def test_the_evaluation_each_planned_finding_and_the_combined_patch_are_timed_once(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_account(demo_spec)
    infra = repo / "infra"
    shutil.copytree(REPO / "examples" / "demo" / "terraform", infra)
    times = repo / "planning.jsonl"
    monkeypatch.setenv(PLANNING_TIMES_ENV, str(times))

    main(["scan", "--terraform-dir", str(infra), "--json", "r.json", "--fail-on", "never"])

    report = json.loads(Path("r.json").read_text())
    planned = sorted(
        f["user"]
        for a in report["accounts"]
        for f in a["findings"]
        if f["status"] == "remove-from-code"
    )
    lines = [json.loads(line) for line in times.read_text().splitlines()]
    findings = [line for line in lines if line["phase"] == "finding"]
    assert sorted(line["user"] for line in findings) == planned
    # The original configuration is evaluated once, before the findings; the combined patch
    # is planned once, after them.
    assert [line["phase"] for line in lines] == ["evaluate", *["finding"] * len(planned), "combine"]
    assert all(line["seconds"] >= 0 for line in lines)


def test_nothing_is_timed_unless_asked(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_account(demo_spec)
    infra = repo / "infra"
    shutil.copytree(REPO / "examples" / "demo" / "terraform", infra)
    monkeypatch.delenv(PLANNING_TIMES_ENV, raising=False)

    main(["scan", "--terraform-dir", str(infra), "--json", "r.json", "--fail-on", "never"])

    assert not list(repo.glob("*.jsonl"))


def _report_without_clocks(path: Path) -> Any:
    report = json.loads(path.read_text())
    report.pop("generated_at", None)
    for account in report["accounts"]:
        account.pop("seconds", None)
        # The second scan finds the credential report already generated: one call fewer.
        account["inventory"].pop("api_calls")
    return report


def test_planning_ahead_changes_nothing_in_the_report(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's account has candidates that their details take off the list (an SSH key,
    an exemption tag): what was planned ahead for them must not reach the report."""
    seed_account(demo_spec)
    infra = repo / "infra"
    shutil.copytree(REPO / "examples" / "demo" / "terraform", infra)
    ahead: list[int] = []
    real = plan_ahead

    def counted(candidates: Any, *rest: Any) -> None:
        ahead.append(len(candidates))
        real(candidates, *rest)

    monkeypatch.setattr(pipeline, "plan_ahead", counted)
    argv = ["scan", "--terraform-dir", str(infra), "--fail-on", "never", "--json"]
    main([*argv, "ahead.json"])
    assert ahead and ahead[0] > 0

    monkeypatch.setattr(pipeline, "plan_ahead", lambda *_: None)
    main([*argv, "after.json"])

    with_ahead = _report_without_clocks(Path("ahead.json"))
    assert with_ahead == _report_without_clocks(Path("after.json"))
    assert any(
        f["status"] == "remove-from-code" for a in with_ahead["accounts"] for f in a["findings"]
    )


def test_a_failure_planning_ahead_loses_nothing(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planning ahead is a head start: when it fails, each finding is planned as it comes."""
    seed_account(demo_spec)
    infra = repo / "infra"
    shutil.copytree(REPO / "examples" / "demo" / "terraform", infra)
    argv = ["scan", "--terraform-dir", str(infra), "--fail-on", "never", "--json"]
    monkeypatch.setattr(pipeline, "plan_ahead", lambda *_: None)
    main([*argv, "plain.json"])

    def broken(*_: Any) -> None:
        raise RuntimeError("planning ahead broke")

    monkeypatch.setattr(pipeline, "plan_ahead", broken)
    assert main([*argv, "broken.json"]) == 0
    assert _report_without_clocks(Path("broken.json")) == _report_without_clocks(Path("plain.json"))
