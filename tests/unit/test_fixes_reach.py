"""Evaluating a big configuration in part gives what evaluating it whole gives.

Every golden pattern is planned again with its directories evaluated in part, and once more
among neighbour files (buckets that read nothing, a file that reads every declared name):
whole, with the files :mod:`iam_prune.fixes.planning.relevant` chooses, and with a starved
part (no readers followed), where the reach check must catch every edit that matters beyond
the part and make the planner widen to every file. The patches and notes are the same, byte
for byte. (The golden patterns alone leave nothing out: every file of theirs concerns a user.)
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


def test_the_header_scan_tells_what_a_file_declares_or_that_it_cannot() -> None:
    headers = relevant._Headers()
    headers.read(
        "a.tf",
        'resource "aws_s3_bucket" "logs" {\n  data = "x"\n}\n'
        "data aws_caller_identity me {}\n"
        'module "team" {\n  source = "./team"\n}\n'
        '  variable "region" {\n}\n'
        'output "arn" {\n  value = 1\n}\n'
        "locals {\n  a = 1\n}\n",
    )
    assert headers.declaring == {
        "aws_s3_bucket.logs": {"a.tf"},
        "data.aws_caller_identity.me": {"a.tf"},
        "module.team": {"a.tf"},
        "var.region": {"a.tf"},
        "output.arn": {"a.tf"},
    }
    assert headers.with_locals == headers.with_calls == headers.with_outputs == {"a.tf"}
    assert headers.unclear == set()
    headers.read("b.tf", '/* resource "x" "y" { */\n')
    headers.read("c.tf", 'resource "x" "${var.y}" {\n}\n')
    headers.read("d.tf.json", '{"resource": {}}')
    headers.read("e.tf", 'resource "only_one_label" {\n}\n')
    assert headers.unclear == {"b.tf", "c.tf", "d.tf.json", "e.tf"}


def _root(tmp_path: Path, files: dict[str, str], fillers: int) -> TerraformModel:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for n in range(fillers):
        (tmp_path / f"filler_{n:03}.tf").write_text(
            f'resource "aws_s3_bucket" "f{n}" {{\n  bucket = "f{n}"\n}}\n', encoding="utf-8"
        )
    return load([tmp_path], tmp_path, use_cache=False)


def test_a_big_directory_evaluates_the_users_what_reads_them_and_what_they_read(
    tmp_path: Path,
) -> None:
    model = _root(
        tmp_path,
        {
            "users.tf": 'resource "aws_iam_user" "bob" {\n  name = local.prefix\n}\n',
            "prefix.tf": 'locals {\n  prefix = "bob"\n  other = 1\n}\n',
            "reader.tf": 'resource "aws_s3_bucket" "home" {\n  bucket = aws_iam_user.bob.name\n}\n',
            "second.tf": 'resource "aws_sns_topic" "t" {\n  name = aws_s3_bucket.home.id\n}\n',
            "unrelated.tf": 'resource "aws_sns_topic" "u" {\n  name = local.other\n}\n',
        },
        fillers=relevant.WHOLE_BELOW,
    )
    chosen = relevant.choose(Workspace.of(model), model)
    assert chosen is not None and chosen.partial == {"."}
    assert chosen.paths == {"users.tf", "prefix.tf", "reader.tf", "second.tf"}


def test_a_directory_of_few_small_files_is_evaluated_whole(tmp_path: Path) -> None:
    model = _root(tmp_path, {"users.tf": 'resource "aws_iam_user" "bob" {}\n'}, fillers=10)
    assert relevant.choose(Workspace.of(model), model) is None
    big = "".join(f'resource "aws_s3_bucket" "b{n}" {{\n}}\n' for n in range(12_000))
    (tmp_path / "buckets.tf").write_text(big, encoding="utf-8")
    model = load([tmp_path], tmp_path, use_cache=False)
    chosen = relevant.choose(Workspace.of(model), model)
    assert chosen is not None and "buckets.tf" not in chosen.paths
