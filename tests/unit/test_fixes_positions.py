"""A key taken out of a collection: what else counts on which, or how many, instances there are.

Each case is a ``for_each`` user keyed off a map, and one more block that would silently change
(a bucket renamed, a policy moved to another user) or fail at plan once ``amy`` goes; none of
them may get a patch. The last case is one that may.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_helpers import declarations_of, load_files

from iam_prune.fixes import plan

USERS = (
    'variable "users" {\n  type = map(string)\n  default = {\n'
    '    amy = "a"\n    kim = "k"\n    zed = "z"\n  }\n}\n\n'
    'resource "aws_iam_user" "u" {\n  for_each = var.users\n  name     = each.key\n}\n\n'
)


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        (
            {
                "other.tf": 'resource "aws_s3_bucket" "b" {\n  count  = length(aws_iam_user.u)\n'
                '  bucket = "b-${count.index}"\n}\n'
            },
            "counts on how many",
        ),
        (
            {
                "other.tf": 'locals {\n  buckets = ["logs", "data", "backup"]\n}\n\n'
                'resource "aws_s3_bucket" "b" {\n  count  = length(var.users)\n'
                "  bucket = local.buckets[count.index]\n}\n"
            },
            "`aws_s3_bucket.b[2]` (other.tf:5), the last of a `count`",
        ),
        (
            {
                "other.tf": 'resource "aws_iam_user_policy" "p" {\n  for_each = var.users\n'
                '  user     = aws_iam_user.u[each.key].name\n  name     = "p"\n'
                "  policy   = jsonencode({ lead = keys(var.users)[0] })\n}\n"
            },
            "`aws_iam_user_policy.p` reads `var.users`",
        ),
        (
            {
                "other.tf.json": '{"resource": {"aws_iam_user_policy_attachment": {"first": {\n'
                '  "user": "${values(aws_iam_user.u)[0].name}", "policy_arn": "x"}}}}\n'
            },
            "other.tf.json:2: `aws_iam_user_policy_attachment.first` picks from",
        ),
        (
            {
                "other.tf": 'resource "aws_iam_group" "g" {\n  name = "g"\n  lifecycle {\n'
                '    precondition {\n      condition     = contains(keys(aws_iam_user.u), "amy")\n'
                '      error_message = "amy must exist"\n    }\n  }\n}\n'
            },
            "`aws_iam_group.g` picks from",
        ),
    ],
    ids=["count of the instances", "count of the map", "keyed body", "tf.json", "precondition"],
)
def test_a_block_counting_on_the_instances_gets_no_patch(
    tmp_path: Path, files: dict[str, str], reason: str
) -> None:
    model = load_files(tmp_path, {"main.tf": USERS, **files})

    remediation = plan.retire(declarations_of(model, "amy"), model)

    assert remediation.patch is None
    assert reason in remediation.manual[-1]


def test_a_shared_var_file_is_read_by_every_root(tmp_path: Path) -> None:
    user_root = USERS.replace(
        '  type = map(string)\n  default = {\n    amy = "a"\n    kim = "k"\n    zed = "z"\n  }\n',
        "  type = map(string)\n",
    )
    files = {
        "a/main.tf": user_root,
        "b/main.tf": 'variable "users" {\n  type = map(string)\n}\n\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "b-${keys(var.users)[0]}"\n}\n',
        "common.tfvars": 'users = {\n  amy = "a"\n  kim = "k"\n}\n',
    }
    model = load_files(tmp_path, files, dirs=["a", "b"], var_files=["common.tfvars"])

    remediation = plan.retire(declarations_of(model, "amy"), model)

    assert remediation.patch is None
    assert "b/main.tf:5: `aws_s3_bucket.b` reads `var.users`" in remediation.manual[-1]


def test_blocks_keyed_off_the_map_that_read_only_their_own_element_follow(
    tmp_path: Path,
) -> None:
    keyed = (
        'resource "aws_iam_user_policy" "p" {\n  for_each = var.users\n'
        "  user     = aws_iam_user.u[each.key].name\n  name     = var.users[each.key]\n"
        '  policy   = "{}"\n}\n\n'
        'resource "aws_iam_group_membership" "all" {\n  name  = "all"\n  group = "all"\n'
        "  users = values(aws_iam_user.u)[*].name\n}\n"
    )
    model = load_files(tmp_path, {"main.tf": USERS + keyed})

    remediation = plan.retire(declarations_of(model, "amy"), model)

    assert remediation.patch is not None, remediation.manual
    assert remediation.destroys == ('aws_iam_user.u["amy"]', 'aws_iam_user_policy.p["amy"]')


def test_an_output_losing_an_element_is_not_picked_from_by_position(tmp_path: Path) -> None:
    team = (
        'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n\n'
        'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n\n'
        'output "names" {\n  value = [aws_iam_user.alice.name, aws_iam_user.bob.name]\n}\n'
    )
    root = (
        'module "team" {\n  source = "./team"\n}\n\n'
        'resource "aws_iam_user_policy_attachment" "second" {\n'
        "  user       = module.team.names[1]\n"
        '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": root, "team/main.tf": team})

    remediation = plan.retire(declarations_of(model, "alice"), model)

    assert remediation.patch is None
    assert (
        "`aws_iam_user_policy_attachment.second` picks from `module.team.names` by position"
        in (remediation.manual[-1])
    )


PEOPLE = (
    "locals {\n  users = {\n"
    '    alice = {\n      groups  = ["devs"]\n      manager = "bob"\n    }\n'
    '    bob = {\n      groups  = []\n      manager = "carol"\n    }\n'
    "  }\n}\n\n"
    'resource "aws_iam_user" "this" {\n  for_each = local.users\n  name     = each.key\n'
    "  tags = {\n    Manager = each.value.manager\n  }\n}\n\n"
)


def membership(for_each: str) -> str:
    return (
        'resource "aws_iam_user_group_membership" "this" {\n'
        f"  for_each = {for_each}\n"
        "  user     = aws_iam_user.this[each.key].name\n"
        "  groups   = each.value.groups\n}\n"
    )


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_a_for_over_the_users_keeping_their_keys_is_keyed_like_them(
    tmp_path: Path, user: str
) -> None:
    """`bob` is also another user's manager: a value deep in the map, not a user argument."""
    text = PEOPLE + membership("{ for k, v in local.users : k => v if length(v.groups) > 0 }")
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, user), model)

    assert remediation.patch is not None, remediation.manual


def test_a_for_that_changes_the_keys_is_refused_at_the_line_it_was_written(
    tmp_path: Path,
) -> None:
    text = PEOPLE + membership("{ for k, v in local.users : upper(k) => v }")
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "alice"), model)

    assert remediation.patch is None
    assert "main.tf:24: `aws_iam_user_group_membership.this` indexes" in remediation.manual[-1]


def test_a_block_keyed_like_the_users_must_index_them_by_each_key(tmp_path: Path) -> None:
    text = PEOPLE + (
        'resource "aws_iam_user_policy" "reports_to" {\n'
        "  for_each = { for k, v in local.users : k => v if length(v.groups) > 0 }\n"
        '  name     = "reports-to"\n  user     = aws_iam_user.this[each.value.manager].name\n'
        '  policy   = "{}"\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "bob"), model)

    assert remediation.patch is None
    assert (
        "`aws_iam_user_policy.reports_to` indexes `aws_iam_user.this`" in (remediation.manual[-1])
    )


def test_a_for_over_a_maps_values_does_not_keep_its_keys(tmp_path: Path) -> None:
    """`for m in map` walks the values (the managers), and `alice` stays one of them."""
    text = (
        'locals {\n  managers = { alice = "carol", bob = "alice", carol = "carol" }\n}\n\n'
        'resource "aws_iam_user" "u" {\n  for_each = local.managers\n  name     = each.key\n}\n\n'
        'resource "aws_iam_user_policy" "lead" {\n'
        "  for_each = { for m in local.managers : m => m... }\n"
        '  name     = "lead"\n  user     = aws_iam_user.u[each.key].name\n  policy   = "{}"\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "alice"), model)

    assert remediation.patch is None


def test_a_user_named_through_a_value_is_still_attached_after(tmp_path: Path) -> None:
    text = (
        'locals {\n  team = { lead = "alice", deputy = "bob" }\n}\n\n'
        'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n\n'
        'resource "aws_iam_user_policy_attachment" "lead" {\n  user       = local.team.lead\n'
        '  policy_arn = "arn:aws:iam::aws:policy/IAMFullAccess"\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "alice"), model)

    assert remediation.patch is None
    assert (
        "main.tf:9: `aws_iam_user_policy_attachment.lead` names the user `alice` by its name"
        in remediation.manual[-1]
    )


@pytest.mark.parametrize(
    ("declared", "for_each"),
    [
        ('locals {\n  names = ["alice", "bob"]\n}\n\n', "toset(local.names)"),
        ('variable "names" {\n  type = set(string)\n}\n\n', "var.names"),
    ],
)
def test_each_value_over_a_set_is_its_key(tmp_path: Path, declared: str, for_each: str) -> None:
    text = (
        declared + f'resource "aws_iam_user" "u" {{\n  for_each = {for_each}\n'
        "  name     = each.value\n}\n\n"
        'resource "aws_iam_user_login_profile" "p" {\n'
        f"  for_each = {for_each}\n  user     = aws_iam_user.u[each.value].name\n}}\n"
    )
    files = {"main.tf": text}
    if for_each == "var.names":
        files["terraform.tfvars"] = 'names = ["alice", "bob"]\n'
    model = load_files(tmp_path, files)

    remediation = plan.retire(declarations_of(model, "alice"), model)

    assert remediation.patch is not None, remediation.manual
    assert remediation.destroys == (
        'aws_iam_user.u["alice"]',
        'aws_iam_user_login_profile.p["alice"]',
    )
