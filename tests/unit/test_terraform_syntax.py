"""List elements, object entries, heredocs, ``.tfvars`` and ``.tf.json``: what the parser keeps,
with exact character ranges, and that all of it survives pickling."""

from __future__ import annotations

import pickle

import pytest

from iam_prune.model import SourceSpan
from iam_prune.terraform.evaluate import NoNames, evaluate
from iam_prune.terraform.parse import ParseError, parse_file
from iam_prune.terraform.syntax import (
    Call,
    GetAttr,
    Literal,
    Name,
    ObjectExpr,
    Template,
    TupleExpr,
    Unsupported,
)
from iam_prune.terraform.values import plain

NESTED = (
    'resource "aws_iam_user_group_membership" "m" {\n'
    "  groups = [\n"
    "    aws_iam_group.a.name, # first\n"
    '    "b",\n'
    "  ]\n"
    "  tags = {\n"
    '    team  = "core"\n'
    '    "two words" = [1, { deep = true }]\n'
    "    (var.k) = 3\n"
    '    "${var.p}x" = 4\n'
    "    7 = 5\n"
    "  }\n"
    "}\n"
)


def text_of(text: str, span: SourceSpan) -> str:
    return text[span.start : span.end]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_list_elements_have_their_text_and_exact_range(newline: str) -> None:
    text = NESTED.replace("\n", newline)
    (block,) = parse_file("m.tf", text).blocks
    groups = block.attribute("groups")
    assert groups is not None

    first, second = groups.elements
    assert first.text == text_of(text, first.span) == "aws_iam_group.a.name"
    assert (first.span.line, first.span.end_line) == (3, 3)
    assert second.text == '"b"'
    assert second.span.start == text.index('"b"')
    assert isinstance(first.value, GetAttr)
    assert isinstance(second.value, Literal) and second.value.value == "b"


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_object_entries_have_key_value_and_ranges(newline: str) -> None:
    text = NESTED.replace("\n", newline)
    (block,) = parse_file("m.tf", text).blocks
    tags = block.attribute("tags")
    assert tags is not None

    team, words, computed, templated, number = tags.entries
    assert (team.key_text, team.key, team.value_text) == ("team", "team", '"core"')
    assert text_of(text, team.span) == 'team  = "core"'
    assert text_of(text, team.value_span) == '"core"'
    assert team.span.line == 7
    assert (words.key_text, words.key) == ('"two words"', "two words")
    assert (computed.key_text, computed.key) == ("(var.k)", None)
    assert isinstance(computed.key_expr, GetAttr)
    assert (templated.key, number.key) == (None, "7")
    assert isinstance(templated.key_expr, Template)


def test_elements_and_entries_nest() -> None:
    (block,) = parse_file("m.tf", NESTED).blocks
    tags = block.attribute("tags")
    assert tags is not None

    one, obj = tags.entries[1].elements
    assert one.text == "1"
    (deep,) = obj.entries
    assert (deep.key, deep.value_text) == ("deep", "true")
    assert text_of(NESTED, deep.span) == "deep = true"
    assert one.entries == () and deep.elements == ()


def test_an_attribute_that_is_not_a_literal_collection_has_no_elements() -> None:
    (block,) = parse_file("a.tf", 'resource "x" "y" {\n  a = concat(["x"], [])\n}\n').blocks
    a = block.attribute("a")

    assert a is not None
    assert a.elements == () and a.entries == ()
    assert isinstance(a.value, Call)
    assert a.value.args[0] == TupleExpr(a.value.args[0].elements, a.value.args[0].span)


def test_parsed_files_and_parse_errors_survive_pickle() -> None:
    parsed = parse_file("m.tf", NESTED)
    assert pickle.loads(pickle.dumps(parsed)) == parsed

    with pytest.raises(ParseError) as raised:
        parse_file("b.tf", 'x = "\n')
    error = pickle.loads(pickle.dumps(raised.value))
    assert (error.path, error.message, error.line, error.column) == (
        raised.value.path,
        raised.value.message,
        raised.value.line,
        raised.value.column,
    )


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("<<EOT\nalice\nEOT\n", "alice\n"),
        ("<<-EOT\n    alice\n      bob\n    EOT\n", "alice\n  bob\n"),
        ("<<EOT\nhi ${var.x}!\nEOT\n", None),
        ("<<EOT\nEOT\n", ""),
    ],
)
def test_heredocs_are_templates(source: str, value: str | None) -> None:
    (attribute,) = parse_file("h.tf", f"x = {source}").attributes

    result = evaluate(attribute.value, NoNames())
    if value is None:
        assert isinstance(attribute.value, Template)
        assert attribute.value.parts[0] == "hi "
    else:
        assert result == value


def test_template_directives_are_kept_as_unsupported() -> None:
    (attribute,) = parse_file("d.tf", 'x = "%{ if true }a%{ endif }"\n').attributes

    assert isinstance(attribute.value, Unsupported)
    assert "directives" in attribute.value.what


def test_a_tfvars_file_has_top_level_attributes() -> None:
    text = 'users = ["a", "b"]\nenv   = "prod"\n'
    parsed = parse_file("terraform.tfvars", text)

    assert parsed.blocks == ()
    assert [a.name for a in parsed.attributes] == ["users", "env"]
    assert [e.text for e in parsed.attributes[0].elements] == ['"a"', '"b"']


TF_JSON = """{
  "//": "a comment",
  "resource": {
    "aws_iam_user": {
      "alice": {"name": "alice"},
      "team": [{"for_each": "${toset(var.people)}", "name": "${each.key}-x"}]
    }
  },
  "variable": {"people": {"type": "list(string)", "default": ["p", "${not.a.template}"]}},
  "locals": [{"a": 1}, {"b": "x-${local.a}"}],
  "module": {"m": {"source": "./m", "count": 2}}
}
"""


def test_tf_json_blocks_have_labels_and_member_ranges() -> None:
    parsed = parse_file("main.tf.json", TF_JSON)
    kinds = [(b.block_type, b.labels) for b in parsed.blocks]

    assert kinds == [
        ("resource", ("aws_iam_user", "alice")),
        ("resource", ("aws_iam_user", "team")),
        ("variable", ("people",)),
        ("locals", ()),
        ("locals", ()),
        ("module", ("m",)),
    ]
    alice = parsed.blocks[0]
    assert text_of(TF_JSON, alice.span) == '"alice": {"name": "alice"}'
    assert alice.span.line == 5
    team = parsed.blocks[1]
    assert text_of(TF_JSON, team.span).startswith('{"for_each"')  # one of an array of bodies


def test_tf_json_strings_are_templates_except_plain_values() -> None:
    parsed = parse_file("main.tf.json", TF_JSON)
    team, people, module = parsed.blocks[1], parsed.blocks[2], parsed.blocks[5]

    for_each = team.attribute("for_each")
    assert for_each is not None
    assert isinstance(for_each.value, Template)
    assert isinstance(for_each.value.parts[0], Call)
    type_ = people.attribute("type")
    assert type_ is not None and isinstance(type_.value, Call) and type_.value.name == "list"
    default = people.attribute("default")
    assert default is not None
    assert plain(evaluate(default.value, NoNames())) == ["p", "${not.a.template}"]
    assert [e.text for e in default.elements] == ['"p"', '"${not.a.template}"']
    source = module.attribute("source")
    assert source is not None and source.value == Literal("./m", source.value_span)


def test_a_tfvars_json_file_holds_plain_values() -> None:
    text = '{"users": {"a": "${x}"}, "n": 2}'
    parsed = parse_file("prod.auto.tfvars.json", text)

    users, n = parsed.attributes
    assert plain(evaluate(users.value, NoNames())) == {"a": "${x}"}
    assert isinstance(users.value, ObjectExpr)
    (entry,) = users.entries
    assert (entry.key, entry.key_text, text_of(text, entry.span)) == ("a", '"a"', '"a": "${x}"')
    assert evaluate(n.value, NoNames()) == 2


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{\n  "a": [1, 2,]\n}', 2, 14),
        ('{\n  "a": 1\n', 3, 1),
        ("[1]", 1, 1),
        ('{"a": tru}', 1, 7),
    ],
)
def test_broken_json_raises_with_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(ParseError) as raised:
        parse_file("x.tf.json", text)

    assert (raised.value.line, raised.value.column) == (line, column)


def test_names_in_json_interpolations_are_parsed_as_expressions() -> None:
    parsed = parse_file("a.tf.json", '{"locals": {"x": "${var.y}"}}')
    (local,) = parsed.blocks[0].attributes

    assert isinstance(local.value, Template)
    (part,) = local.value.parts
    assert isinstance(part, GetAttr) and part.name == "y"
    assert isinstance(part.target, Name)
