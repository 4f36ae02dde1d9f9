"""Blocks that follow a removed key by themselves: keyed by the same filtered ``for`` as the
users, or listing them per group through ``transpose``; and the near misses that do not."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_helpers import declarations_of, load_files

from iam_prune.fixes import plan

USERS = (
    "locals {\n  users = [\n"
    '    { username = "lena", console = true, team = "a" },\n'
    '    { username = "nora", console = true, team = "b" },\n  ]\n}\n\n'
    'resource "aws_iam_user" "users" {\n  for_each = USERS_FOR\n  name     = each.key\n}\n\n'
    'resource "aws_iam_user_login_profile" "console" {\n  for_each = PROFILES_FOR\n'
    "  user     = aws_iam_user.users[each.key].name\n}\n"
)


@pytest.mark.parametrize(
    ("users", "profiles", "patched"),
    [
        (
            "{ for u in local.users : u.username => u }",
            "{ for p in local.users : p.username => p if p.console }",
            True,
        ),
        (
            "{ for u in local.users : u.username => u if u.console }",
            "{ for p in local.users : p.username => p if p.console }",
            True,
        ),
        # Keyed otherwise: a key names no user.
        (
            "{ for u in local.users : u.username => u }",
            "{ for p in local.users : p.team => p }",
            False,
        ),
        # Filtered less than the users: the text cannot tell, the values do (every user here
        # has a console, so every profile's key still names a user; see the next test).
        (
            "{ for u in local.users : u.username => u if u.console }",
            "{ for p in local.users : p.username => p }",
            True,
        ),
    ],
)
def test_a_block_keyed_by_the_users_for_with_a_filter_follows(
    tmp_path: Path, users: str, profiles: str, patched: bool
) -> None:
    text = USERS.replace("USERS_FOR", users).replace("PROFILES_FOR", profiles)
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "nora"), model)

    assert (remediation.patch is not None) is patched, remediation.manual
    if not patched:
        assert "by a computed key" in remediation.manual[-1]


def test_a_key_that_names_no_user_after_the_removal_keeps_the_refusal(tmp_path: Path) -> None:
    """Profiles for every user, users only for those with a console: lena has none, so her
    profile names no user, before and after; evaluating the index says so."""
    text = (
        USERS.replace('username = "lena", console = true', 'username = "lena", console = false')
        .replace("USERS_FOR", "{ for u in local.users : u.username => u if u.console }")
        .replace("PROFILES_FOR", "{ for p in local.users : p.username => p }")
    )
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "nora"), model)

    assert remediation.patch is None
    assert "by a computed key" in remediation.manual[-1]


MEMBERS = (
    'variable "user_map" {\n  default = {\n    jo  = ["readers", "writers"]\n'
    '    kai = ["readers"]\n  }\n}\n\n'
    'resource "aws_iam_user" "u" {\n  for_each = var.user_map\n  name     = each.key\n}\n\n'
    'resource "aws_iam_group_membership" "g" {\n  for_each = FOR_EACH\n'
    '  name     = "${each.key}-members"\n  group    = each.key\n  users    = USERS\n}\n'
)


@pytest.mark.parametrize(
    ("for_each", "users", "patched"),
    [
        ("transpose(var.user_map)", "[for user in each.value : aws_iam_user.u[user].name]", True),
        # Written in a template, each member is still the user's name.
        (
            "transpose(var.user_map)",
            '[for user in each.value : "${aws_iam_user.u[user].name}"]',
            True,
        ),
    ],
)
def test_a_membership_per_group_from_transpose_loses_the_user_in_place(
    tmp_path: Path, for_each: str, users: str, patched: bool
) -> None:
    text = MEMBERS.replace("FOR_EACH", for_each).replace("USERS", users)
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "jo"), model)

    assert (remediation.patch is not None) is patched, remediation.manual
    if patched:
        assert remediation.destroys == (
            'aws_iam_user.u["jo"]',
            'aws_iam_group_membership.g["writers"]',
        )


def test_a_membership_walking_a_written_member_list_loses_the_users_element(
    tmp_path: Path,
) -> None:
    """A membership per group over a map of member lists written out (not a transpose of the
    users' map): the user's name in the list is what makes it a member, and goes with the
    user; the group stays, with the other members."""
    text = MEMBERS.replace("FOR_EACH", '{ readers = ["jo", "kai"] }').replace(
        "USERS", "[for user in each.value : aws_iam_user.u[user].name]"
    )
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "jo"), model)

    assert remediation.patch is not None, remediation.manual
    assert '-  for_each = { readers = ["jo", "kai"] }' in remediation.patch
    assert '+  for_each = { readers = ["kai"] }' in remediation.patch
    assert remediation.destroys == ('aws_iam_user.u["jo"]',)


def test_a_membership_whose_other_arguments_change_is_not_a_loss_in_place(tmp_path: Path) -> None:
    text = (
        MEMBERS.replace("FOR_EACH", "transpose(var.user_map)")
        .replace("USERS", "[for user in each.value : aws_iam_user.u[user].name]")
        .replace('"${each.key}-members"', '"${each.key}-${length(each.value)}"')
    )
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "jo"), model)

    assert remediation.patch is None
    assert 'it would change `aws_iam_group_membership.g["readers"]`' in remediation.manual[-1]


BOTS = (
    'locals {\n  humans = ["ann"]\n  bots   = ["bot-ci", "bot-deploy"]\n'
    "  all    = concat(local.humans, local.bots)\n}\n\n"
    'resource "aws_iam_user" "u" {\n  for_each = toset(local.all)\n  name     = each.value\n}\n\n'
    "OTHER"
    'resource "aws_iam_group_membership" "bots" {\n  name  = "bots"\n  group = "bots"\n'
    "  users = USERS\n}\n"
)


@pytest.mark.parametrize(
    ("users", "patched"),
    [
        ("[for b in local.bots : aws_iam_user.u[b].name]", True),
        # The same local also picks a member of a resource that keeps its instances: the
        # removal would swap that member for another, which the member list cannot show.
        (
            "concat([for b in local.bots : aws_iam_user.u[b].name],"
            " [aws_iam_user.other[local.pick[local.bots[0]]].name])",
            False,
        ),
    ],
)
def test_a_membership_walking_the_local_the_removal_edits(
    tmp_path: Path, users: str, patched: bool
) -> None:
    other = (
        'resource "aws_iam_user" "other" {\n  for_each = toset(["x", "y"])\n'
        "  name = each.key\n}\n\n"
        'locals {\n  pick = { bot-ci = "x", bot-deploy = "y" }\n}\n\n'
    )
    text = BOTS.replace("USERS", users).replace("OTHER", other if "other" in users else "")
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "bot-ci"), model)

    assert (remediation.patch is not None) is patched, remediation.manual
    if patched:
        assert '+  bots   = ["bot-deploy"]' in str(remediation.patch)
        assert remediation.destroys == ('aws_iam_user.u["bot-ci"]',)
    else:
        assert "`aws_iam_group_membership.bots` reads `local.bots`" in remediation.manual[-1]


SIBLING = (
    'resource "aws_iam_user" "u" {\n  for_each = toset(["alice", "bob"])\n'
    "  name     = each.key\n}\n\n"
    'resource "KIND" "k" {\n  for_each = toset(["bob", "alice"])\n  BODY\n}\n'
)


@pytest.mark.parametrize(
    ("kind", "body", "patched"),
    [
        # An access key per user, keyed by a list of its own: alice's key goes with her.
        ("aws_iam_access_key", "user = aws_iam_user.u[each.key].name", True),
        # A membership per name that also holds carol: taking alice's instance away would
        # take carol out of that group too.
        (
            "aws_iam_group_membership",
            'name = "m-${each.key}"\n  group = "g"\n'
            '  users = [aws_iam_user.u[each.key].name, "carol"]',
            False,
        ),
    ],
)
def test_a_sibling_keyed_by_its_own_list_loses_the_users_element_if_it_is_hers_alone(
    tmp_path: Path, kind: str, body: str, patched: bool
) -> None:
    text = SIBLING.replace("KIND", kind).replace("BODY", body)
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "alice"), model)

    assert (remediation.patch is not None) is patched, remediation.manual
    if patched:
        assert '+  for_each = toset(["bob"])' in str(remediation.patch)
        assert remediation.destroys == ('aws_iam_user.u["alice"]', 'aws_iam_access_key.k["alice"]')
    else:
        assert "by a computed key" in remediation.manual[-1]
