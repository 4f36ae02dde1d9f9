"""Planning time per finding, as the whole-scan benchmark reads it from a real scan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from iam_prune.cli import main
from iam_prune.remediation import PLANNING_TIMES_ENV

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
    # The original configuration is evaluated before the findings (ahead of them too, while
    # the account's details were read, when that found anything left to evaluate); the
    # combined patch is planned once, after them.
    phases = [line["phase"] for line in lines]
    evaluations = phases.count("evaluate")
    assert evaluations in (1, 2)
    assert phases == ["evaluate"] * evaluations + ["finding"] * len(planned) + ["combine"]
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
