"""Which part of a literal collection a removal takes away for a reference in it
(``dependents.going_unit``): the outermost element or entry that is only about what goes,
through nested literals and functions that keep their elements, and a team's member list
rather than the team."""

from __future__ import annotations

import pytest

from iam_prune.fixes.planning.dependents import going_unit
from iam_prune.model import SourceSpan
from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.references import traversals

GOING = "aws_iam_user.bob"


def taken(expression: str) -> str | None:
    """The text ``going_unit`` takes away for the reference to bob in ``expression``, where a
    unit goes when every reference in it is to bob."""
    text = f"locals {{\n  x = {expression}\n}}\n"
    value = parse_file("main.tf", text).blocks[0].attributes[0].value
    found = list(traversals(value, text))
    bob = next(t for t in found if t.address == GOING)

    def going(unit: SourceSpan) -> bool:
        inside = [t for t in found if unit.start <= t.span.start and t.span.end <= unit.end]
        return all(t.address == GOING for t in inside)

    unit = going_unit(value, bob.span, going)
    return None if unit is None else text[unit.start : unit.end]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[aws_iam_user.ann.name, aws_iam_user.bob.name]", "aws_iam_user.bob.name"),
        ("toset([aws_iam_user.ann.name, aws_iam_user.bob.name])", "aws_iam_user.bob.name"),
        ("concat(var.more, [aws_iam_user.bob.name])", "aws_iam_user.bob.name"),
        ("sort(distinct(compact([aws_iam_user.bob.name, var.x])))", "aws_iam_user.bob.name"),
        # A list of lists loses the inner list that is only about bob, not just bob in it.
        ("flatten([[aws_iam_user.bob.name], [aws_iam_user.ann.name]])", "[aws_iam_user.bob.name]"),
        (
            "flatten([[aws_iam_user.bob.name, aws_iam_user.ann.name]])",
            "aws_iam_user.bob.name",
        ),
        # A record about bob goes whole, not its one field that names him.
        (
            '[{ name = aws_iam_user.bob.name, groups = ["a"] }, { name = aws_iam_user.ann.name }]',
            '{ name = aws_iam_user.bob.name, groups = ["a"] }',
        ),
        (
            "{ primary = aws_iam_user.bob.arn, backup = aws_iam_user.ann.arn }",
            "primary = aws_iam_user.bob.arn",
        ),
        # A team keeps its place, with bob out of its members, even when he was the only one.
        (
            "{ web = [aws_iam_user.bob.name], data = [aws_iam_user.ann.name] }",
            "aws_iam_user.bob.name",
        ),
        (
            "{ web = toset([aws_iam_user.ann.name, aws_iam_user.bob.name]) }",
            "aws_iam_user.bob.name",
        ),
        ('{ (aws_iam_user.bob.name) = "r2", x = "r1" }', '(aws_iam_user.bob.name) = "r2"'),
        # Teams written as records keep their place too, with bob out of their members.
        ("{ ops = { members = [aws_iam_user.bob.name] } }", "aws_iam_user.bob.name"),
        ('[{ name = "ops", members = [aws_iam_user.bob.name] }]', "aws_iam_user.bob.name"),
        # A map of users: the user's entry, when nothing in it is about anyone else.
        (
            '{ bob = { name = aws_iam_user.bob.name, groups = ["a"] }, ann = {} }',
            'bob = { name = aws_iam_user.bob.name, groups = ["a"] }',
        ),
    ],
)
def test_the_part_that_is_only_about_the_user_goes(expression: str, expected: str) -> None:
    assert taken(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        # merge: an entry taken out of a later object lets an earlier one's value show.
        "merge({ a = aws_iam_user.bob.name }, { b = aws_iam_user.ann.name })",
        "[for u in [aws_iam_user.bob.name, aws_iam_user.ann.name] : upper(u)]",
        "concat([aws_iam_user.ann.name], [aws_iam_user.bob.name]...)",
        "length([aws_iam_user.bob.name, aws_iam_user.ann.name])",
        "aws_iam_user.bob.name",
        # Nothing in it is only about bob.
        '["${aws_iam_user.bob.name}-${aws_iam_user.ann.name}"]',
        # A list in a list is read by position (a pair): whole or not at all, unless flattened.
        "[[aws_iam_user.bob.name, aws_iam_group.g.name], [aws_iam_user.ann.name]]",
        "toset([[aws_iam_user.bob.name, aws_iam_user.ann.name]])",
        # A record is read field by field: it goes whole or not at all, never one field.
        "[{ name = aws_iam_user.bob.name, groups = [aws_iam_group.g.name] }]",
        "{ bob = { name = aws_iam_user.bob.name, group = aws_iam_group.g.name } }",
        "[{ user = aws_iam_user.bob.name, settings = { group = aws_iam_group.g.name } }]",
        # Only a map written as the value itself loses an entry; a record in a list does not.
        "[{ owner = aws_iam_user.bob.arn, backup = aws_iam_user.ann.arn }]",
    ],
)
def test_nothing_goes_where_the_value_does_more_with_it(expression: str) -> None:
    assert taken(expression) is None
