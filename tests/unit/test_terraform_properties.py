"""Properties over generated input: strings survive quoting and parsing, templates join their
pieces, ``for_each`` over any map yields exactly its keys at Terraform's addresses, and the
JSON reader's positions point at exactly the values ``json`` reads."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iam_prune.terraform import load, state
from iam_prune.terraform.addresses import instance_key, quote, without_keys
from iam_prune.terraform.evaluate import NoNames, evaluate
from iam_prune.terraform.jsonsyntax import JsonValue, scan
from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.values import plain

# python-hcl2 lexes `$${` only when a `}` follows somewhere (Terraform does not need one).
_UNCLOSED_INTRODUCER = re.compile(r"[$%]\{[^}]*\Z")


def hcl_text() -> st.SearchStrategy[str]:
    return st.text().filter(lambda s: _UNCLOSED_INTRODUCER.search(s) is None)


def value_of(source: str) -> object:
    (attribute,) = parse_file("p.tf", f"x = {source}\n").attributes
    return plain(evaluate(attribute.value, NoNames()))


@given(hcl_text())
def test_a_quoted_string_reads_back_as_itself(text: str) -> None:
    assert value_of(quote(text)) == text


@given(st.lists(hcl_text(), min_size=1, max_size=4), st.lists(st.integers(), max_size=4))
def test_a_template_joins_its_literal_pieces_and_interpolations(
    pieces: list[str], numbers: list[int]
) -> None:
    body = "".join(
        quote(piece)[1:-1] + (f"${{{numbers[i]}}}" if i < len(numbers) else "")
        for i, piece in enumerate(pieces)
    )
    expected = "".join(
        piece + (str(numbers[i]) if i < len(numbers) else "") for i, piece in enumerate(pieces)
    )
    assume(_UNCLOSED_INTRODUCER.search(body) is None)
    # A literal `$` right before `${` would read as the escape `$${`, in HCL as here.
    assume(not any(p.endswith(("$", "%")) for p in pieces[: len(numbers)]))

    # The leading "x" keeps a lone `${n}` from standing for the number itself.
    assert value_of(f'"x{body}"') == "x" + expected


users = st.dictionaries(hcl_text().filter(bool), hcl_text().filter(bool), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(users)
def test_for_each_over_a_map_yields_exactly_its_keys(people: dict[str, str]) -> None:
    entries = "".join(f"    {quote(key)} = {quote(name)}\n" for key, name in people.items())
    text = (
        f'resource "aws_iam_user" "u" {{\n  for_each = {{\n{entries}  }}\n  name = each.value\n}}\n'
    )
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "users.tf").write_text(text, encoding="utf-8", newline="")
        model = load([root], root, use_cache=False)

    keys = sorted(people)
    assert [d.address for d in model.declarations] == [
        f"aws_iam_user.u{instance_key(key)}" for key in keys
    ]
    assert [d.name for d in model.declarations] == [people[key] for key in keys]
    for decl, key in zip(model.declarations, keys, strict=True):
        assert decl.key_span is not None
        written = text[decl.key_span.start : decl.key_span.end]
        assert written == f"{quote(key)} = {quote(people[key])}"
        assert without_keys(decl.address) == "aws_iam_user.u"


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=12))
def test_count_yields_one_instance_per_index(count: int) -> None:
    text = f'resource "aws_iam_user" "n" {{\n  count = {count}\n  name = "n${{count.index}}"\n}}\n'
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "users.tf").write_text(text, encoding="utf-8")
        model = load([root], root, use_cache=False)

    assert [(d.address, d.name) for d in model.declarations] == [
        (f"aws_iam_user.n[{i}]", f"n{i}") for i in range(count)
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def nodes(value: JsonValue) -> list[JsonValue]:
    found = [value]
    for member in value.members:
        found.extend(nodes(member.value))
    for item in value.items:
        found.extend(nodes(item))
    return found


@given(json_values, st.sampled_from([None, 2]), st.booleans())
def test_json_positions_cover_exactly_each_value(
    value: Any, indent: int | None, ascii_only: bool
) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)

    document = scan(text)
    assert json.loads(text[document.start : document.end]) == value
    for node in nodes(document):
        read = json.loads(text[node.start : node.end])  # raises unless exactly one value
        if node.kind == "object":
            assert list(read) == [member.key for member in node.members]
            for member in node.members:
                assert json.loads(text[member.start : member.key_end]) == member.key
        elif node.kind == "array":
            assert len(read) == len(node.items)
        else:
            assert read == node.scalar


names = st.from_regex(r"[a-z_][a-z0-9_-]{0,8}", fullmatch=True)
keys = st.one_of(st.none(), st.integers(min_value=0, max_value=99), st.text())


@given(st.lists(st.tuples(names, keys), max_size=3), names, keys)
def test_addresses_agree_with_the_state_reader(
    modules: list[tuple[str, int | str | None]], name: str, key: int | str | None
) -> None:
    # Both sides write keys and strip them; a declaration is matched to the state by these.
    def step(prefix: str, label: str, k: int | str | None) -> str:
        if k is not None:
            assert instance_key(k) == state.format_key(k)
        return f"{prefix}{label}{'' if k is None else instance_key(k)}"

    address = ".".join(
        [*(step("module.", m, k) for m, k in modules), step("aws_iam_user.", name, key)]
    )

    assert without_keys(address) == state.config_address(address)
