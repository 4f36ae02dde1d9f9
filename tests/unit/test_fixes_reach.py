"""Evaluating a big directory in part gives what evaluating it whole gives.

Every golden pattern is planned again with its directories evaluated in part: once with the
files :mod:`iam_prune.fixes.planning.relevant` chooses, once with a deliberately starved part
(the files declaring the users, nothing else), where the reach check must catch every edit
that matters beyond the part and make the planner widen to every file. Either way the patches
and notes are the golden ones, byte for byte.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_fixes_corpus import CORPUS, PATTERNS, described, run_pattern

from iam_prune.fixes import plan
from iam_prune.fixes.evaluation.reach import OutOfReach, Reach
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning import planner, relevant
from iam_prune.model import TerraformModel
from iam_prune.terraform import load
from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.references import declares


def _clear() -> None:
    # Models of the same pattern are equal: a planner cached for one would serve the other.
    plan._planner.cache_clear()
    plan._combined_of.cache_clear()
    plan._left_out_of.cache_clear()


@pytest.fixture(autouse=True)
def fresh_planners() -> Iterator[None]:
    _clear()
    yield
    _clear()


def _golden(pattern: str) -> tuple[str, dict[str, object]]:
    folder = CORPUS / pattern
    patch = (folder / "expected.patch").read_bytes().decode("utf-8")
    return patch, json.loads((folder / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_chosen_part_plans_as_the_whole(pattern: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relevant, "WHOLE_BELOW", 1)
    model, report, _ = run_pattern(pattern)
    patch, expected = _golden(pattern)
    assert plan.combined_patch(report, model) == patch
    assert described(report) == expected


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_starved_part_widens_where_it_must(pattern: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the readers of what the chosen files declare (the part the reach check holds
    up), every edit whose effects reach further must be caught."""
    monkeypatch.setattr(relevant, "WHOLE_BELOW", 1)
    monkeypatch.setattr(relevant._Chooser, "spread", lambda *_: None)
    model, report, _ = run_pattern(pattern)
    patch, expected = _golden(pattern)
    assert plan.combined_patch(report, model) == patch
    assert described(report) == expected


def _with_neighbours(pattern: str, into: Path) -> Path:
    """A copy of a pattern's repository where every directory of Terraform also holds a file
    of buckets that read nothing, and a file that reads every name the directory declares
    (what an edit changes there reaches beyond the users' files)."""
    before = into / "before"
    shutil.copytree(CORPUS / pattern / "before", before)
    configs = [p for p in sorted(before.rglob("*")) if p.name.endswith((".tf", ".tf.json"))]
    for directory in sorted({p.parent for p in configs}):
        names: set[str] = set()
        for path in (p for p in configs if p.parent == directory):
            names.update(declares(parse_file(path.name, path.read_text(encoding="utf-8"))))
        reads = sorted(n for n in names if not n.startswith("output."))
        (directory / "zz_buckets.tf").write_text(
            "".join(
                f'resource "aws_s3_bucket" "n{i}" {{\n  bucket = "n{i}"\n}}\n' for i in range(3)
            ),
            encoding="utf-8",
        )
        (directory / "zz_reads.tf").write_text(
            "".join(
                f'resource "terraform_data" "reads_{i}" {{\n  input = [{name}]\n}}\n'
                for i, name in enumerate(reads)
            ),
            encoding="utf-8",
        )
    return before


def _planned(pattern: str, before: Path) -> tuple[str, dict[str, object], planner.Planner]:
    _clear()
    model, report, _ = run_pattern(pattern, before)
    return plan.combined_patch(report, model), described(report), plan._planner(model)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_part_with_neighbours_left_out_plans_as_the_whole(
    pattern: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The differential test: each pattern among neighbours, planned with every file, with
    the chosen part, and with a starved part (no readers followed) that must widen."""
    before = _with_neighbours(pattern, tmp_path)
    monkeypatch.setattr(relevant, "WHOLE_BELOW", 10**9)
    whole = _planned(pattern, before)[:2]
    monkeypatch.setattr(relevant, "WHOLE_BELOW", 1)
    patch, described_part, chosen = _planned(pattern, before)
    assert (patch, described_part) == whole
    assert chosen.widened is None  # the chosen part holds every reader
    assert chosen.reach is not None
    buckets = [p.relative_to(before).as_posix() for p in before.rglob("zz_buckets.tf")]
    assert set(buckets) - chosen.reach.paths  # the buckets beside the users are left out
    monkeypatch.setattr(relevant._Chooser, "spread", lambda *_: None)
    assert _planned(pattern, before)[:2] == whole


def test_an_edit_beyond_the_part_widens_the_planner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The users' list is read by a file left out too: taking a name out of it changes what
    that file makes, the check says so, and the planner plans with every file."""
    (tmp_path / "users.tf").write_text(
        'locals {\n  names = ["ann", "bob"]\n}\n\n'
        'resource "aws_iam_user" "u" {\n'
        "  for_each = toset(local.names)\n  name     = each.key\n}\n",
        encoding="utf-8",
    )
    (tmp_path / "buckets.tf").write_text(
        'resource "aws_s3_bucket" "home" {\n  for_each = toset(local.names)\n'
        '  bucket   = "home-${each.key}"\n}\n',
        encoding="utf-8",
    )
    model = load([tmp_path], tmp_path, use_cache=False)
    assert relevant.choose(Workspace.of(model), model) is None  # two files: evaluated whole
    bob = next(d for d in model.declarations if d.name == "bob")
    whole = plan.retire((bob,), model)
    _clear()

    def starved(workspace: Workspace, model: TerraformModel) -> Reach | None:
        return Reach(frozenset({"users.tf"}), frozenset({"."}))

    monkeypatch.setattr(planner, "choose", starved)
    planned = plan._planner(model)
    assert planned.workspace.files(".") == ["users.tf"]
    assert plan.retire((bob,), model) == whole
    assert planned.widened is not None and "buckets.tf" in planned.widened
    assert planned.workspace.files(".") == ["buckets.tf", "users.tf"]
    assert 'aws_s3_bucket.home["bob"]' in whole.destroys


def test_the_check_names_the_file_left_out() -> None:
    texts = {
        "a.tf": 'locals {\n  names = ["bob"]\n}\n',
        "b.tf": 'resource "x" "y" {\n  for_each = toset(local.names)\n}\n',
    }
    workspace = Workspace(texts)
    workspace.restrict(Reach(frozenset({"a.tf"}), frozenset({"."})))
    edited = workspace.edited({"a.tf": "locals {\n  names = []\n}\n"})
    with pytest.raises(OutOfReach, match=r"b\.tf reads `local\.names`"):
        edited.check_reach()
    untouched = workspace.edited({"a.tf": 'locals {\n  names = ["bob"]\n\n}\n'})
    untouched.check_reach()  # only spacing: nothing rewritten, nothing to reach
