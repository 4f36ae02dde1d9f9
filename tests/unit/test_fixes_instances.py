"""Evaluating a configuration's instances, and what an edit destroys, moves or shifts."""

from __future__ import annotations

from iam_prune.fixes.evaluation.compare import compare
from iam_prune.fixes.evaluation.instances import tree
from iam_prune.fixes.evaluation.workspace import Workspace

MAIN = """variable "names" {
  default = ["ann", "bob", "cy"]
}

resource "aws_iam_user" "counted" {
  count = length(var.names)
  name  = var.names[count.index]
}

resource "aws_iam_user" "keyed" {
  for_each = toset(var.names)
  name     = each.key
}

resource "aws_iam_access_key" "keyed" {
  for_each = aws_iam_user.keyed
  user     = each.value.name
}

module "team" {
  source   = "./team"
  for_each = { web = "wes" }
  lead     = each.value
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
"""
TEAM = 'variable "lead" {}\n\nresource "aws_iam_user" "lead" {\n  name = var.lead\n}\n'


def workspace(main: str = MAIN) -> Workspace:
    return Workspace({"main.tf": main, "team/main.tf": TEAM})


def test_every_instance_of_every_module_instance_is_listed() -> None:
    found = tree(workspace(), ".")

    assert sorted(found.instances) == [
        'aws_iam_access_key.keyed["ann"]',
        'aws_iam_access_key.keyed["bob"]',
        'aws_iam_access_key.keyed["cy"]',
        "aws_iam_user.counted[0]",
        "aws_iam_user.counted[1]",
        "aws_iam_user.counted[2]",
        'aws_iam_user.keyed["ann"]',
        'aws_iam_user.keyed["bob"]',
        'aws_iam_user.keyed["cy"]',
        'module.team["web"]',
        'module.team["web"].aws_iam_user.lead',
        "module.vpc",
    ]
    assert found.instances["module.vpc"].kind == "opaque"
    assert found.scopes == {".": ("",), "team": ('module.team["web"].',)}


def test_removing_a_middle_element_destroys_the_last_count_instance_and_shifts_the_rest() -> None:
    edited = MAIN.replace('["ann", "bob", "cy"]', '["ann", "cy"]')

    change = compare([tree(workspace(), ".")], [tree(workspace(edited), ".")])

    assert change.destroyed == (
        'aws_iam_access_key.keyed["bob"]',
        "aws_iam_user.counted[2]",
        'aws_iam_user.keyed["bob"]',
    )
    assert change.shifted == ("aws_iam_user.counted[1]",)
    assert change.changed == ("aws_iam_user.counted[1]",)


def test_new_moved_blocks_map_old_addresses_to_new_ones() -> None:
    edited = MAIN.replace("count = length(var.names)", "for_each = toset(var.names)")
    edited = edited.replace("var.names[count.index]", "each.value")
    for index, name in enumerate(["ann", "bob", "cy"]):
        edited += f"\nmoved {{\n  from = aws_iam_user.counted[{index}]\n"
        edited += f'  to   = aws_iam_user.counted["{name}"]\n}}\n'

    change = compare([tree(workspace(), ".")], [tree(workspace(edited), ".")])

    assert change.destroyed == change.changed == change.shifted == ()


def test_an_opaque_module_that_goes_is_reported_as_such() -> None:
    edited = MAIN.replace('module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n', "")

    change = compare([tree(workspace(), ".")], [tree(workspace(edited), ".")])

    assert (change.destroyed, change.opaque) == ((), ("module.vpc",))
    assert change.facts("module.vpc").source == "terraform-aws-modules/vpc/aws"


def test_a_module_key_that_goes_takes_its_resources() -> None:
    edited = MAIN.replace('{ web = "wes" }', "{}")

    change = compare([tree(workspace(), ".")], [tree(workspace(edited), ".")])

    assert change.destroyed == ('module.team["web"].aws_iam_user.lead',)
    assert change.modules == ('module.team["web"]',)


CONDITIONAL = """variable "create" {
  default = %s
}

resource "aws_iam_user" "lab" {
  for_each = toset(["lea", "max"])
  name     = each.key
}

resource "aws_iam_access_key" "lab" {
  for_each = var.create ? aws_iam_user.lab : {}
  user     = each.value.name
}
"""


def test_a_conditional_over_a_resource_is_keyed_like_the_branch_it_chooses() -> None:
    made = tree(Workspace({"main.tf": CONDITIONAL % "true"}), ".").instances
    assert {a for a in made if a.startswith("aws_iam_access_key")} == {
        'aws_iam_access_key.lab["lea"]',
        'aws_iam_access_key.lab["max"]',
    }
    made = tree(Workspace({"main.tf": CONDITIONAL % "false"}), ".").instances
    assert not [a for a in made if a.startswith("aws_iam_access_key")]


def test_file_reads_the_workspace_text_relative_to_the_module() -> None:
    main = 'module "t" {\n  source = "./t"\n}\n'
    team = (
        'resource "aws_iam_user" "u" {\n'
        '  for_each = toset(yamldecode(file("${path.module}/u.yaml")))\n'
        "  name     = each.key\n}\n"
    )
    workspace = Workspace({"main.tf": main, "t/main.tf": team, "t/u.yaml": "- ann\n- bob\n"})
    made = tree(workspace, ".").instances
    assert sorted(made) == [
        "module.t",
        'module.t.aws_iam_user.u["ann"]',
        'module.t.aws_iam_user.u["bob"]',
    ]
    assert made['module.t.aws_iam_user.u["bob"]'].origin.file == "t/u.yaml"  # type: ignore[union-attr]


GROUPS = """locals {
  members = {
    admins = ["ann", "eli"]
  }
}

resource "aws_iam_group" "g" {
  for_each = local.members
  name     = each.key
}

resource "aws_iam_group_policy" "g" {
  for_each = local.members
  group    = each.key
  policy   = jsonencode({ n = length(READ) })
}
"""


def test_a_for_each_instance_changes_with_its_element_only_where_the_block_reads_it() -> None:
    """Taking ``"eli"`` out of the admins' list leaves the group (it reads only ``each.key``)
    as it was, and changes the policy that counts the list, whether it reads the element as
    ``each.value`` or as ``each["value"]``."""
    for read in ("each.value", 'each["value"]'):
        main = GROUPS.replace("READ", read)
        before = tree(Workspace({"main.tf": main}), ".")
        edited = main.replace('["ann", "eli"]', '["ann"]')
        after = tree(Workspace({"main.tf": edited}), ".")

        change = compare([before], [after])

        assert change.destroyed == ()
        assert change.changed == ('aws_iam_group_policy.g["admins"]',), read
