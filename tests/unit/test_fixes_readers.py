"""Who else reads a collection a fix edits: what blocks a patch, and what does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.readers import readers
from iam_prune.model import FileEdit
from iam_prune.terraform.parse import parse_file

PEOPLE = (
    'locals {\n  people = {\n    carol = { groups = ["a"] }\n'
    '    dave  = { groups = ["b"] }\n  }\n}\n\n'
    'resource "aws_iam_user" "u" {\n  for_each = local.people\n  name     = each.key\n}\n\n'
)


def dave_taken_out(files: dict[str, str], roots: tuple[str, ...] = (".",)) -> list[str]:
    """The readers found when dave's entry leaves ``local.people`` in ``main.tf``."""
    text = files["main.tf"]
    (people,) = parse_file("main.tf", text).blocks[0].attributes
    (entry,) = [e for e in people.entries if e.key == "dave"]
    edit = FileEdit("main.tf", entry.span.start, entry.span.end)
    return readers(Workspace(files), [edit], roots)


@pytest.mark.parametrize(
    ("reader", "blocked"),
    [
        ('bucket = "x-${local.people["carol"].groups[0]}"', False),
        ("bucket = local.people.carol.groups[0]", False),
        ('bucket = local.people["dave"].groups[0]', True),
        ('bucket = join(",", keys(local.people))', True),
        ('bucket = "${length(local.people)}"', True),
    ],
)
def test_a_reader_of_another_key_is_not_changed(reader: str, blocked: bool) -> None:
    text = PEOPLE + f'resource "aws_s3_bucket" "b" {{\n  {reader}\n}}\n'

    found = dave_taken_out({"main.tf": text})

    assert bool(found) is blocked
    if blocked:
        assert found[0].startswith("main.tf:13: `aws_s3_bucket.b` reads `local.people`")


def test_a_local_read_by_another_key_does_not_spread() -> None:
    text = PEOPLE + (
        "locals {\n  carol = local.people.carol\n  all = values(local.people)\n}\n\n"
        'resource "aws_s3_bucket" "c" {\n  bucket = local.carol.groups[0]\n}\n\n'
        'resource "aws_s3_bucket" "all" {\n  bucket = local.all[0].groups[0]\n}\n'
    )

    found = dave_taken_out({"main.tf": text})

    assert [note.split(":")[1] for note in found] == ["22"]  # aws_s3_bucket.all only
    assert "`local.all`" in found[0]


def test_a_root_output_may_change_but_a_module_output_may_not() -> None:
    output = 'output "people" {\n  value = keys(local.people)\n}\n'
    files = {"main.tf": PEOPLE + output}

    assert dave_taken_out(files) == []
    assert dave_taken_out(files, roots=("live",)) == [
        "main.tf:13: `output.people` reads `local.people`, which this removal changes; "
        "it would change too"
    ]


def test_taking_a_list_element_changes_every_index_after_it() -> None:
    text = (
        'variable "names" {\n  default = ["ann", "bob"]\n}\n\n'
        'resource "aws_s3_bucket" "first" {\n  bucket = var.names[0]\n}\n'
    )
    (variable,) = parse_file("main.tf", text).blocks[:1]
    element = variable.attributes[0].elements[0]
    edit = FileEdit("main.tf", element.span.start, element.span.end)

    found = readers(Workspace({"main.tf": text}), [edit], (".",))

    assert found and "`aws_s3_bucket.first` reads `var.names`" in found[0]


@pytest.mark.parametrize(
    "output",
    [
        'output "dave" {\n  value = local.people["dave"].groups\n}\n',
        'output "n" {\n  value = keys(local.people)\n  precondition {\n'
        '    condition     = length(local.people) == 2\n    error_message = "two"\n  }\n}\n',
        'output "one" {\n  value = local.people[var.who]\n}\n',
    ],
    ids=["the removed key", "a precondition", "a computed key"],
)
def test_a_root_output_that_can_fail_on_the_new_value_blocks(output: str) -> None:
    assert dave_taken_out({"main.tf": PEOPLE + output})


def test_a_key_written_as_a_template_may_be_the_removed_one() -> None:
    reader = (
        'resource "aws_s3_bucket" "b" {\n  bucket = local.people["${var.owner}"].groups[0]\n}\n'
    )

    assert dave_taken_out({"main.tf": PEOPLE + reader})


def test_an_output_of_a_folder_also_called_as_a_module_blocks() -> None:
    output = 'output "people" {\n  value = keys(local.people)\n}\n'
    files = {"main.tf": PEOPLE + output, "live/main.tf": 'module "m" {\n  source = "../"\n}\n'}

    assert dave_taken_out(files, roots=(".", "live"))


@pytest.mark.parametrize(
    "value", ["keys(local.people)[1]", "element(keys(local.people), 1)", "local.people[var.k]"]
)
def test_a_root_output_picking_from_a_function_of_the_value_blocks(value: str) -> None:
    output = f'output "second" {{\n  value = {value}\n}}\n'

    assert dave_taken_out({"main.tf": PEOPLE + output})


@pytest.mark.parametrize(
    ("walk", "blocked"),
    [
        ("[for n in keys(aws_iam_user.u) : local.people[n].groups[0]]", False),
        # Walking the object itself reads it whole: the block would list one key fewer.
        ("[for n in keys(local.people) : local.people[n].groups[0]]", True),
        ('[for n in ["carol", "dave"] : local.people[n].groups[0]]', True),
        ("[for n in keys(aws_iam_user.u) : [for n in var.x : local.people[n]]]", True),
        ("[for n in keys(aws_iam_user.u) : local.people[upper(n)]]", True),
    ],
)
def test_a_walk_over_the_collections_own_keys_follows_the_removed_key(
    walk: str, blocked: bool
) -> None:
    text = PEOPLE + f'resource "aws_s3_bucket" "b" {{\n  tags = {{ all = join(",", {walk}) }}\n}}\n'

    found = dave_taken_out({"main.tf": text})

    assert bool(found) is blocked


def test_a_pick_by_key_from_a_module_output_is_named_as_one(tmp_path: Path) -> None:
    """``module.people.names["bob"]`` picks an entry, not a position: the refusal says so."""
    from fix_helpers import declarations_of, load_files

    from iam_prune.fixes import plan

    people = (
        'resource "aws_iam_user" "ann" {\n  name = "ann"\n}\n'
        'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n'
        'output "arns" {\n  value = {\n    ann = aws_iam_user.ann.arn\n'
        "    bob = aws_iam_user.bob.arn\n  }\n}\n"
    )
    main = (
        'module "people" {\n  source = "./people"\n}\n'
        'output "bob_arn" {\n  value = module.people.arns["bob"]\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": main, "people/main.tf": people})

    remediation = plan.retire(declarations_of(model, "bob"), model)

    assert remediation.patch is None
    note = remediation.manual[-1]
    assert 'main.tf:5: `output.bob_arn` picks the entry "bob" from `module.people.arns`' in note
    assert "by position" not in note
