"""The code side and the account side overlap: removals planned while the account's detail
calls are under way (``codeside.Ahead``) give the same report as planning after them, nothing
is lost when planning ahead fails, and the detail calls every candidate needs do not wait for
the Terraform code to be read."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from iam_prune import codeside, pipeline
from iam_prune.aws import details, inventory
from iam_prune.cli import main
from iam_prune.fixes import plan
from iam_prune.fixes.planning.planner import Planner
from iam_prune.model import Declaration, Remediation

REPO = Path(__file__).resolve().parents[2]
#: What changes from one run to the next whatever was planned when.
VOLATILE = {"generated_at", "seconds", "report_generated_at", "api_calls", "waited_seconds"}


@pytest.fixture(autouse=True)
def fresh_planners() -> None:
    """Each scan plans from scratch: a planner kept from an earlier scan of an equal model
    would answer from what it planned then."""
    plan._planner.cache_clear()


def _scan(repo: Path, name: str) -> dict[str, Any]:
    plan._planner.cache_clear()
    infra = repo / "infra"
    if not infra.exists():
        shutil.copytree(REPO / "examples" / "demo" / "terraform", infra)
    assert main(["scan", "--terraform-dir", str(infra), "--json", name]) == 1
    return _stable(json.loads((repo / name).read_text(encoding="utf-8")))


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _removals(report: dict[str, Any]) -> dict[str, str]:
    return {
        f["user"]: f["remediation"]["patch"]
        for a in report["accounts"]
        for f in a["findings"]
        if f["status"] == "remove-from-code"
    }


def test_removals_are_planned_while_the_details_are_read(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_account(demo_spec)
    planned_ahead = threading.Event()
    original_retire, original_fetch = Planner.retire, inventory.fetch_details

    def retire(self: Planner, declarations: Sequence[Declaration]) -> Remediation:
        if threading.current_thread().name.startswith("plan-ahead"):
            planned_ahead.set()
        return original_retire(self, declarations)

    def fetch_details(*args: Any, **kwargs: Any) -> Any:
        # No detail call answers before a removal is planned: without planning ahead the
        # scan would wait here for nothing and fail.
        assert planned_ahead.wait(timeout=30), "nothing was planned while details were read"
        return original_fetch(*args, **kwargs)

    monkeypatch.setattr(Planner, "retire", retire)
    monkeypatch.setattr(inventory, "fetch_details", fetch_details)
    report = _scan(repo, "ahead.json")
    assert set(_removals(report)) == {"bob", "legacy-reporting"}
    assert all(patch.startswith("diff --git") for patch in _removals(report).values())


def test_the_calls_every_candidate_needs_do_not_wait_for_the_code(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_account(demo_spec)
    asked = threading.Event()
    original_read, original_list = pipeline.read_code, details.list_all

    def list_all(iam: Any, operation: str, key: str, **params: Any) -> list[Any]:
        if operation == "list_user_tags":
            asked.set()
        return original_list(iam, operation, key, **params)

    def read_code(*args: Any, **kwargs: Any) -> Any:
        # The code is read only once a candidate's tags were asked for: if the detail calls
        # waited for the code, they would never start and this would fail.
        assert asked.wait(timeout=30), "no detail call was made before the code was read"
        return original_read(*args, **kwargs)

    monkeypatch.setattr(details, "list_all", list_all)
    monkeypatch.setattr(pipeline, "read_code", read_code)
    report = _scan(repo, "early.json")
    assert set(_removals(report)) == {"bob", "legacy-reporting"}
    assert report["complete"] is True


def test_planning_ahead_changes_nothing_in_the_report(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_account(demo_spec)
    ahead = _scan(repo, "ahead.json")
    with monkeypatch.context() as patched:
        patched.setattr(codeside.Ahead, "start", lambda *_: None)
        after = _scan(repo, "after.json")
    assert ahead == after
    assert _removals(ahead)


def test_a_planning_that_fails_ahead_is_done_again_with_its_finding(
    repo: Path, seed_account: Any, demo_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_account(demo_spec)
    expected = _scan(repo, "expected.json")
    original_retire = Planner.retire
    failed: list[str] = []

    def retire(self: Planner, declarations: Sequence[Declaration]) -> Remediation:
        if threading.current_thread().name.startswith("plan-ahead"):
            failed.append(declarations[0].address)
            raise RuntimeError("a planner bug met only ahead")
        return original_retire(self, declarations)

    monkeypatch.setattr(Planner, "retire", retire)
    assert _scan(repo, "again.json") == expected
    assert failed  # it was tried ahead, and failed there
