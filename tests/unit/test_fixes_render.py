"""Removing list elements, object entries, attributes and ``.tf.json`` members cleanly."""

from __future__ import annotations

import json

import pytest

from iam_prune.fixes.text.render import RenderError, render
from iam_prune.model import FileEdit
from iam_prune.terraform.parse import parse_file


def removing(text: str, *parts: str, path: str = "main.tf") -> str:
    """``text`` with the first occurrence of each of ``parts`` (an element, an entry, a block,
    exactly as the parser spans it) removed, rendered together."""
    edits = []
    for part in parts:
        start = text.index(part)
        edits.append(FileEdit(path, start, start + len(part)))
    result = render(path, text, edits)
    if path.endswith(".json"):
        json.loads(result)
    else:
        parse_file(path, result)
    return result


@pytest.mark.parametrize(
    ("before", "parts", "after"),
    [
        pytest.param("x = [a.b, c.d, e.f]\n", ["c.d"], "x = [a.b, e.f]\n", id="inline middle"),
        pytest.param("x = [a.b, c.d, e.f]\n", ["e.f"], "x = [a.b, c.d]\n", id="inline last"),
        pytest.param("x = [a.b, c.d, e.f]\n", ["a.b"], "x = [c.d, e.f]\n", id="inline first"),
        pytest.param("x = [a.b, c.d,]\n", ["c.d"], "x = [a.b,]\n", id="inline trailing comma"),
        pytest.param(
            "x = [a.b, c.d, e.f]\n", ["c.d", "e.f"], "x = [a.b]\n", id="inline run at end"
        ),
        pytest.param("x = [a.b, c.d]\n", ["a.b", "c.d"], "x = []\n", id="inline all"),
        pytest.param(
            "x = [\n  a.b,\n  c.d,\n  e.f,\n]\n",
            ["c.d"],
            "x = [\n  a.b,\n  e.f,\n]\n",
            id="one per line",
        ),
        pytest.param(
            "x = [\n  a.b,\n  c.d\n]\n",
            ["c.d"],
            "x = [\n  a.b\n]\n",
            id="one per line, last, no trailing comma",
        ),
        pytest.param(
            "x = [\n  a.b, # first\n  c.d\n]\n",
            ["c.d"],
            "x = [\n  a.b # first\n]\n",
            id="the comma before a comment",
        ),
        pytest.param(
            "x = [\n  a.b,\n  # about c\n  c.d, # c\n  e.f,\n]\n",
            ["c.d"],
            "x = [\n  a.b,\n  e.f,\n]\n",
            id="with its comments",
        ),
        pytest.param(
            "x = [\n  a.b,\n  c.d,\n]\n", ["a.b", "c.d"], "x = []\n", id="one per line, all"
        ),
        pytest.param("x = [a.b, c.d,\n  e.f]\n", ["c.d"], "x = [a.b,\n  e.f]\n", id="mixed layout"),
        pytest.param(
            "x = {\n  a = 1\n  b = { c = 2 }\n  d = 3\n}\n",
            ["b = { c = 2 }"],
            "x = {\n  a = 1\n  d = 3\n}\n",
            id="object entry on its line",
        ),
        pytest.param("x = { a = 1, b = 2 }\n", ["b = 2"], "x = { a = 1 }\n", id="inline entry"),
        pytest.param('x = toset(["a", "b"])\n', ['"a"'], 'x = toset(["b"])\n', id="inside a call"),
        pytest.param(
            "x = [a.b, # first\n  c.d]\n",
            ["c.d"],
            "x = [a.b # first\n  ]\n",
            id="a kept element's trailing comment stays",
        ),
        pytest.param(
            "x = [\n  a.b, /* first */\n  # c next\n  c.d,\n  e.f\n]\n",
            ["c.d"],
            "x = [\n  a.b, /* first */\n  e.f\n]\n",
            id="the comment line above an element goes with it",
        ),
        pytest.param(
            "x = [\n  # about a\n  a.b,\n  # about c\n  c.d,\n]\n",
            ["c.d"],
            "x = [\n  # about a\n  a.b,\n]\n",
            id="a kept element's comment line stays",
        ),
        pytest.param(
            "x = [\n  # about a and c\n  a.b, c.d, # a c\n  e.f,\n]\n",
            ["a.b", "c.d"],
            "x = [\n  e.f,\n]\n",
            id="a line whose every element goes goes whole",
        ),
        pytest.param(
            "x = [\n  a.b,\n  c.d, e.f, # c e\n]\n",
            ["e.f"],
            "x = [\n  a.b,\n  c.d, # c e\n]\n",
            id="a line partly kept keeps its comment",
        ),
        pytest.param(
            "y {\n  x = [\n    a.b,\n  c.d]\n}\n",
            ["c.d"],
            "y {\n  x = [\n    a.b\n  ]\n}\n",
            id="the bracket keeps the line it shared with the last element",
        ),
        pytest.param(
            "y {\n  x = [\n    a.b,\n  c.d,]\n}\n",
            ["c.d"],
            "y {\n  x = [\n    a.b,\n  ]\n}\n",
            id="... and a trailing comma stays",
        ),
    ],
)
def test_elements_go_with_their_separators(before: str, parts: list[str], after: str) -> None:
    assert removing(before, *parts) == after


def test_crlf_lines_stay_crlf() -> None:
    text = "x = [\r\n  a.b,\r\n  c.d\r\n]\r\n"

    assert removing(text, "c.d") == "x = [\r\n  a.b\r\n]\r\n"


def test_a_locals_block_whose_every_value_goes_goes_too() -> None:
    text = "locals {\n  a = b.c\n  d = e.f\n}\n\nlocals {\n  g = 1\n}\n"

    assert removing(text, "a = b.c", "d = e.f") == "locals {\n  g = 1\n}\n"
    assert removing(text, "a = b.c") == "locals {\n  d = e.f\n}\n\nlocals {\n  g = 1\n}\n"


def test_an_element_inside_a_removed_block_is_not_removed_twice() -> None:
    text = 'resource "a" "b" {\n  x = [c.d, e.f]\n}\n\nresource "a" "c" {}\n'
    block = text[: text.index("}") + 1]

    assert removing(text, block, "c.d") == 'resource "a" "c" {}\n'


def test_tfvars_entries_and_alignment() -> None:
    text = 'people = {\n  al  = "x"\n  bob = "y"\n}\nenv = "qa"\n'

    assert removing(text, 'bob = "y"', path="t.tfvars") == 'people = {\n  al = "x"\n}\nenv = "qa"\n'


def test_a_file_that_was_not_aligned_is_left_as_the_edit_made_it() -> None:
    text = 'people = {\n  al = "x"\n  bob = "y"\n  c = 1\n}\n'

    assert removing(text, 'bob = "y"') == 'people = {\n  al = "x"\n  c = 1\n}\n'


JSON = """{
  "variable": {
    "people": {
      "default": [
        "nia",
        "oz"
      ]
    }
  },
  "resource": {
    "aws_iam_user": {
      "ci": {
        "name": "ci"
      }
    },
    "aws_s3_bucket": {
      "b": {}
    }
  }
}
"""


def test_json_members_go_with_their_commas() -> None:
    assert removing(JSON, '"oz"', path="main.tf.json") == JSON.replace(
        '"nia",\n        "oz"', '"nia"'
    )
    assert removing(JSON, '"nia"', path="main.tf.json") == JSON.replace('"nia",\n        ', "")


def test_a_json_object_of_blocks_that_becomes_empty_goes_with_its_member() -> None:
    member = '"ci": {\n        "name": "ci"\n      }'

    result = removing(JSON, member, path="main.tf.json")

    assert '"aws_iam_user"' not in result
    assert result.count("{") == JSON.count("{") - 2
    assert '"aws_s3_bucket": {\n      "b": {}\n    }\n  }\n}\n' in result


def test_all_json_members_of_a_value_leave_it_empty() -> None:
    result = removing(JSON, '"nia"', '"oz"', path="main.tf.json")

    assert '"default": []' in result


def test_an_edit_that_matches_nothing_is_an_error() -> None:
    with pytest.raises(RenderError, match="line 1"):
        render("main.tf", "x = [a, b]\n", [FileEdit("main.tf", 0, 3)])
    with pytest.raises(RenderError):
        render("main.tf", "x = [\n", [FileEdit("main.tf", 0, 1)])


def test_colliding_edits_are_named_by_file_and_line() -> None:
    text = 'resource "a" "b" {\n  count = 1\n}\n\nresource "c" "d" {}\n'
    block = text.index('resource "a"')
    inside = text.index("count")
    edits = [
        FileEdit("main.tf", block, text.index("}") + 1),
        FileEdit("main.tf", inside, inside + len("count"), "for_each"),
    ]

    with pytest.raises(RenderError) as raised:
        render("main.tf", text, edits)

    message = str(raised.value)
    assert message == "overlapping edits at main.tf:1-4 and main.tf:2 change the same text"
    assert "FileEdit" not in message


def test_replacements_and_insertions_pass_through() -> None:
    text = 'resource "a" "b" {\n  count = 1\n}\n'
    start = text.index("count = 1")
    edits = [
        FileEdit("main.tf", start, start + len("count"), "for_each"),
        FileEdit("main.tf", len(text) - 1, len(text) - 1, "\n\n# after"),
    ]

    assert render("main.tf", text, edits) == 'resource "a" "b" {\n  for_each = 1\n}\n\n# after\n'
