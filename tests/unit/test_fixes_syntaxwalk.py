"""Whether a list is read only whole: what makes a position of it matter."""

from __future__ import annotations

import pytest

from iam_prune.fixes.text.syntaxwalk import nodes, read_whole
from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.syntax import Splat


@pytest.mark.parametrize(
    ("expression", "whole"),
    [
        ("aws_iam_user.u[*].name", True),
        ('join(",", aws_iam_user.u[*].name)', True),
        ("toset(aws_iam_user.u.*.arn)", True),
        ("[for n in aws_iam_user.u[*].name : upper(n)]", True),
        ("{ for g in var.groups : g => aws_iam_user.u[*].tags[g] }", True),
        ("var.on ? aws_iam_user.u[*].name : []", True),
        ('"${jsonencode(aws_iam_user.u[*].arn)}"', True),
        ("aws_iam_user.u[*].tags[*]", True),
        ('aws_iam_user.u[*].tags["team"]', True),  # a key of each element, not a position
        ("aws_iam_user.u.*.name[1]", False),  # the legacy splat: the index picks from the list
        ("(aws_iam_user.u[*].name)[1]", False),
        ("element(aws_iam_user.u[*].name, 1)", False),
        ("slice(aws_iam_user.u[*].name, 0, 2)", False),
        ("tolist(aws_iam_user.u[*].name)[0]", False),
        ("[for n in aws_iam_user.u[*].name : n][0]", False),
        ("length(aws_iam_user.u[*].name) > 2", False),
    ],
)
def test_a_list_is_read_whole_unless_a_position_is_picked(expression: str, whole: bool) -> None:
    text = f"locals {{\n  x = {expression}\n}}\n"
    root = parse_file("main.tf", text).blocks[0].attributes[0].value
    splat = next(
        n for n in nodes(root) if isinstance(n, Splat) and "aws_iam_user" in text[n.span.start :]
    )

    assert read_whole(root, splat) is whole
