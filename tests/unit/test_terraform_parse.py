"""Parsing keeps exact source positions; evaluation tells a literal name from one that is not."""

from __future__ import annotations

import pytest

from iam_prune.model import SourceSpan
from iam_prune.terraform import TerraformError
from iam_prune.terraform.evaluate import NoNames, evaluate
from iam_prune.terraform.parse import Block, ParseError, parse_file
from iam_prune.terraform.values import Unknown

USERS = (
    "# managed by the platform team\n"
    'resource "aws_iam_user" "alice" {\n'
    '  name = "alice" # the human\n'
    '  path = "/people/"\n'
    "}\n"
    "\n"
    "resource aws_iam_user bob {\n"
    '  name = "bob-${var.env}"\n'
    "  lifecycle {\n"
    "    prevent_destroy = true\n"
    "  }\n"
    "}\n"
)


def only_block(text: str, path: str = "users.tf") -> Block:
    (block,) = parse_file(path, text).blocks
    return block


def source(text: str, span: SourceSpan) -> str:
    return text[span.start : span.end]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_block_spans_are_exact_character_ranges(newline: str) -> None:
    text = USERS.replace("\n", newline)
    alice, bob = parse_file("iam/users.tf", text).blocks

    assert alice.span == SourceSpan(
        "iam/users.tf",
        start=text.index('resource "aws_iam_user" "alice"'),
        end=text.index("}" + newline) + 1,
        line=2,
        end_line=5,
    )
    assert source(text, bob.span).startswith("resource aws_iam_user bob {")
    assert source(text, bob.span).endswith("  }" + newline + "}")
    assert (bob.span.line, bob.span.end_line) == (7, 12)
    assert bob.span.end == len(text) - len(newline)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_attribute_spans_cover_the_assignment_and_the_value(newline: str) -> None:
    text = USERS.replace("\n", newline)
    alice = parse_file("users.tf", text).blocks[0]
    name = alice.attribute("name")

    assert name is not None
    assert source(text, name.span) == 'name = "alice"'
    assert source(text, name.value_span) == name.expression_text == '"alice"'
    assert name.value_span.start == text.index('= "alice"') + 2
    assert name.span.line == name.span.end_line == 3
    assert [a.name for a in alice.attributes] == ["name", "path"]


def test_labels_are_unquoted_and_exclude_the_block_type() -> None:
    alice, bob = parse_file("users.tf", USERS).blocks

    assert (alice.block_type, alice.labels) == ("resource", ("aws_iam_user", "alice"))
    assert (bob.block_type, bob.labels) == ("resource", ("aws_iam_user", "bob"))


def test_nested_blocks_are_kept_apart_from_attributes() -> None:
    bob = parse_file("users.tf", USERS).blocks[1]

    assert [a.name for a in bob.attributes] == ["name"]
    (lifecycle,) = bob.blocks
    assert lifecycle.block_type == "lifecycle"
    assert source(USERS, lifecycle.span) == "lifecycle {\n    prevent_destroy = true\n  }"
    assert bob.attribute("prevent_destroy") is None


def test_expressions_are_raw_source_text() -> None:
    text = (
        'resource "aws_iam_user" "x" {\n'
        "  name = var.name\n"
        '  tags = { team = "core" }\n'
        "  path = <<EOT\n"
        "/a/\n"
        "EOT\n"
        "  force_destroy = (\n"
        "    true\n"
        "  )\n"
        "}\n"
    )
    block = only_block(text)
    expressions = {a.name: a.expression_text for a in block.attributes}

    assert expressions == {
        "name": "var.name",
        "tags": '{ team = "core" }',
        "path": "<<EOT\n/a/\nEOT",  # the heredoc token's own newline is not part of the value
        "force_destroy": "(\n    true\n  )",
    }


def test_one_line_block_and_non_ascii_text() -> None:
    text = '# café\nresource "aws_iam_user" "x" { name = "zoë" }'
    block = only_block(text)
    name = block.attribute("name")

    assert source(text, block.span) == 'resource "aws_iam_user" "x" { name = "zoë" }'
    assert block.span.line == block.span.end_line == 2
    assert name is not None
    assert source(text, name.value_span) == '"zoë"'


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        (
            'resource "aws_iam_user" "x" {\n  name = \n}\n',
            2,
            10,
            "syntax error at the end of the line",
        ),
        ('resource "aws_iam_user" "x" {\n  name = "x"\n', 3, 1, "unexpected end of file"),
        ('resource "aws_iam_user" "x" {\n  name = "x"\n}\n}}\n', 4, 1, "syntax error at `}}`"),
    ],
)
def test_a_broken_file_raises_with_line_and_column(
    text: str, line: int, column: int, message: str
) -> None:
    with pytest.raises(ParseError) as raised:
        parse_file("broken.tf", text)

    error = raised.value
    assert isinstance(error, TerraformError)
    assert (error.path, error.line, error.column, error.message) == (
        "broken.tf",
        line,
        column,
        message,
    )
    assert str(error) == f"broken.tf:{line}:{column}: {message}"


def test_an_empty_or_comment_only_file_has_no_blocks() -> None:
    assert parse_file("a.tf", "").blocks == ()
    assert parse_file("a.tf", "# nothing\n/* here */\n").blocks == ()


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("local.name", "it needs the value of local.name"),
        ("each.key", "`each` is only set in a block with `for_each`"),
        ('"u-${count.index}"', "`count` is only set in a block with `count`"),
        ("module.users.name", "it refers to a module output, which is not evaluated"),
        ('md5("x")', "the function `md5` is not evaluated by iam-prune"),
        (
            "aws_iam_user.a.name",
            "it refers to aws_iam_user.a, a resource whose attributes are known only after apply",
        ),
    ],
)
def test_the_reason_names_what_the_expression_depends_on(expression: str, reason: str) -> None:
    block = only_block(f'resource "aws_iam_user" "x" {{\n  name = {expression}\n}}\n')

    attribute = block.attribute("name")
    assert attribute is not None
    value = evaluate(attribute.value, NoNames())
    assert isinstance(value, Unknown) and value.reason == reason
