"""References to users, modules, locals and data in a module's code, and where they are."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_helpers import load_files

from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.references import (
    Traversal,
    config_labels,
    declared,
    directory_of,
    traversals,
    uses,
)


def parsed_uses(text: str, path: str = "main.tf") -> list[tuple[str, str, str | int | None]]:
    parsed = parse_file(path, text)
    return [(u.block_name, u.traversal.address, u.traversal.key) for u in uses(parsed, text)]


def only(expression: str) -> list[Traversal]:
    text = f"locals {{\n  x = {expression}\n}}\n"
    parsed = parse_file("main.tf", text)
    return list(traversals(parsed.blocks[0].attributes[0].value, text))


@pytest.mark.parametrize(
    ("expression", "address", "key", "indexed", "attribute"),
    [
        ("aws_iam_user.bob.name", "aws_iam_user.bob", None, False, "name"),
        ('aws_iam_user.dev["eli"].arn', "aws_iam_user.dev", "eli", True, "arn"),
        ("aws_iam_user.dev[2]", "aws_iam_user.dev", 2, True, None),
        ("aws_iam_user.dev[each.key].id", "aws_iam_user.dev", None, True, "id"),
        ("aws_iam_user.dev[*].name", "aws_iam_user.dev", None, True, "name"),
        ("module.team.lead_arn", "module.team", None, False, "lead_arn"),
        ('module.team["web"].lead_arn', "module.team", "web", True, "lead_arn"),
        (
            "data.aws_iam_policy_document.p.json",
            "data.aws_iam_policy_document.p",
            None,
            False,
            "json",
        ),
        ("local.names", "local.names", None, False, None),
    ],
)
def test_a_traversal_names_its_address_key_and_attribute(
    expression: str, address: str, key: str | int | None, indexed: bool, attribute: str | None
) -> None:
    (found,) = only(expression)

    assert (found.address, found.key, found.indexed, found.attribute) == (
        address,
        key,
        indexed,
        attribute,
    )


def test_iteration_variables_and_the_module_context_are_not_references() -> None:
    found = only(
        "[for u in aws_iam_user.dev : u.arn if u.name != var.x && each.key != count.index]"
    )

    assert [t.address for t in found] == ["aws_iam_user.dev"]


def test_a_splat_and_a_key_walking_a_collection_are_told_apart() -> None:
    text = (
        "locals {\n  x = [aws_iam_user.a[*].arn, aws_iam_user.b.*.name, aws_iam_user.c[0],\n"
        "    [for n in var.names : aws_iam_user.d[n].arn],\n"
        "    [for i, n in var.names : aws_iam_user.e[n].arn]]\n}\n"
    )
    parsed = parse_file("main.tf", text)

    found = {t.address: t for t in traversals(parsed.blocks[0].attributes[0].value, text)}

    assert [a for a, t in found.items() if t.splat] == ["aws_iam_user.a", "aws_iam_user.b"]
    walked = {a: t.key_from for a, t in found.items() if t.key_from is not None}
    assert list(walked) == ["aws_iam_user.d"]  # `n` of `for i, n` is a value, not a key
    span = walked["aws_iam_user.d"]
    assert text[span.start : span.end] == "var.names"


def test_references_inside_index_keys_and_function_calls_are_found() -> None:
    found = only("values(aws_iam_user.dev)[local.i].name")

    assert [t.address for t in found] == ["aws_iam_user.dev", "local.i"]


def test_a_template_with_directives_is_searched_as_text() -> None:
    text = (
        "locals {\n  p = <<-EOT\n    %{for x in y}${aws_iam_user.bob.arn}%{endfor}\n"
        '    ${aws_iam_user.dev["eli"].arn}\n  EOT\n}\n'
    )

    assert parsed_uses(text) == [
        ("locals", "aws_iam_user.bob", None),
        ("locals", "aws_iam_user.dev", "eli"),
    ]


def test_each_use_knows_its_block_path_and_removable_unit() -> None:
    text = (
        'resource "aws_iam_group_membership" "devs" {\n'
        "  users = [aws_iam_user.a.name, aws_iam_user.b.name]\n}\n"
        'output "o" {\n  value = { a = aws_iam_user.a.arn }\n}\n'
        'data "aws_iam_policy_document" "d" {\n  statement {\n    principals {\n'
        "      identifiers = [aws_iam_user.a.arn]\n    }\n  }\n}\n"
        'resource "aws_iam_user_policy" "a" {\n  user = aws_iam_user.a.name\n}\n'
    )
    parsed = parse_file("main.tf", text)

    found = [
        (u.block_name, u.path, text[u.unit.start : u.unit.end], u.element, u.nested)
        for u in uses(parsed, text)
    ]

    assert found == [
        ("aws_iam_group_membership.devs", ("users",), "aws_iam_user.a.name", True, False),
        ("aws_iam_group_membership.devs", ("users",), "aws_iam_user.b.name", True, False),
        ("output.o", ("value",), "a = aws_iam_user.a.arn", True, False),
        (
            "data.aws_iam_policy_document.d",
            ("statement", "principals", "identifiers"),
            "aws_iam_user.a.arn",
            True,
            True,
        ),
        ("aws_iam_user_policy.a", ("user",), "user = aws_iam_user.a.name", False, False),
    ]


def test_references_in_tf_json_strings_are_found() -> None:
    text = (
        '{"resource": {"aws_iam_access_key": {"k": {"user": "${aws_iam_user.bob.name}"}}},\n'
        ' "output": {"o": {"value": ["${aws_iam_access_key.k.id}", "x"]}}}\n'
    )

    assert parsed_uses(text, "main.tf.json") == [
        ("aws_iam_access_key.k", "aws_iam_user.bob", None),
        ("output.o", "aws_iam_access_key.k", None),
    ]


def test_declared_lists_every_addressable_thing() -> None:
    text = (
        'resource "aws_iam_user" "a" {}\ndata "aws_caller_identity" "me" {}\n'
        'module "m" {\n  source = "./m"\n}\nvariable "v" {}\noutput "o" {\n  value = 1\n}\n'
        "locals {\n  l = 1\n  k = 2\n}\nmoved {\n  from = a.b\n  to   = a.c\n}\n"
    )

    assert declared([parse_file("main.tf", text)]) == {
        "aws_iam_user.a",
        "data.aws_caller_identity.me",
        "module.m",
        "var.v",
        "output.o",
        "local.l",
        "local.k",
    }


def test_config_labels_read_instance_addresses() -> None:
    labels = config_labels('module.a["x.y"].module.b[0].aws_iam_user.c["k"]')

    assert (labels.modules, labels.resource) == (("a", "b"), "aws_iam_user.c")
    assert directory_of("main.tf") == "."
    assert directory_of("a/b/main.tf") == "a/b"


def test_the_model_lists_the_references_to_users_and_their_module_calls(tmp_path: Path) -> None:
    files = {
        "main.tf": (
            'module "people" {\n  source = "./people"\n}\n\n'
            'output "bob" {\n  value = module.people.bob_arn\n}\n'
        ),
        "outputs.tf": 'output "unrelated" {\n  value = 1\n}\n',
        "people/users.tf": (
            'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n\n'
            'resource "aws_iam_group_membership" "devs" {\n  name  = "devs"\n  group = "devs"\n'
            "  users = [\n    aws_iam_user.bob.name,\n  ]\n}\n"
        ),
        "people/outputs.tf": 'output "bob_arn" {\n  value = aws_iam_user.bob.arn\n}\n',
    }

    model = load_files(tmp_path, files)

    found = {(r.target, r.module_dir, r.block, r.attribute, r.element) for r in model.references}
    assert found == {
        ("module.people", ".", "output.bob", "value", False),
        ("aws_iam_user.bob", "people", "aws_iam_group_membership.devs", "users", True),
        ("aws_iam_user.bob", "people", "output.bob_arn", "value", False),
    }
    element = next(r for r in model.references if r.element)
    text = files["people/users.tf"]
    assert text[element.span.start : element.span.end] == "aws_iam_user.bob.name"
    assert element.span.line == 9 and element.block_span.line == 5
