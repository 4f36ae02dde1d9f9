"""Terraform state: both formats, every kind of instance key, addresses exactly as Terraform
writes them, and clear errors for anything else.

``tests/data/state/v4.tfstate`` and ``show.json`` describe the same IAM users in the two
formats (hand-written in the shapes Terraform 1.9 writes). ``terraform-1.11/`` was written by
Terraform itself (``regenerate.sh``) with ``terraform_data`` resources, which need no provider
download; they are relabelled ``aws_iam_user`` here, so Terraform's own addresses (its
``terraform state list``) are the oracle for the addresses this module builds.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iam_prune.terraform import TerraformError
from iam_prune.terraform.state import (
    StateError,
    StateIndex,
    StateInstance,
    config_address,
    format_key,
    load_state,
    parse_state,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "state"
REAL = DATA / "terraform-1.11"

EXPECTED = {
    StateInstance("aws_iam_user.alice", "alice"),
    StateInstance('aws_iam_user.dev["eli"]', "dev-eli"),
    StateInstance('aws_iam_user.dev["fay"]', "dev-fay"),
    StateInstance("aws_iam_user.intern[0]", "intern-0"),
    StateInstance("aws_iam_user.intern[1]", "intern-1"),
    StateInstance("aws_iam_user.pet", "pet-sweet-fox"),
    StateInstance('module.team["payments"].aws_iam_user.this', "payments-bot"),
    StateInstance('module.team["search"].aws_iam_user.this', "search-bot"),
    StateInstance('module.a.module.b["k"].aws_iam_user.c[0]', "nested-0"),
}


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.fixture(params=["v4.tfstate", "show.json"])
def index(request: pytest.FixtureRequest) -> StateIndex:
    name: str = request.param
    return parse_state(read(name), name)


def test_both_formats_index_the_same_managed_users(index: StateIndex) -> None:
    assert set(index.all()) == EXPECTED
    assert len(index.all()) == len(EXPECTED)
    # The data source and the policy attachment are not users Terraform manages.
    assert "ci-bot" not in {instance.name for instance in index.all()}


def test_instances_are_grouped_by_configuration_address(index: StateIndex) -> None:
    assert index.instances("aws_iam_user.dev") == (
        StateInstance('aws_iam_user.dev["eli"]', "dev-eli"),
        StateInstance('aws_iam_user.dev["fay"]', "dev-fay"),
    )
    assert [i.address for i in index.instances("aws_iam_user.intern")] == [
        "aws_iam_user.intern[0]",
        "aws_iam_user.intern[1]",
    ]
    assert {i.name for i in index.instances("module.team.aws_iam_user.this")} == {
        "payments-bot",
        "search-bot",
    }
    assert index.instances("module.a.module.b.aws_iam_user.c") == (
        StateInstance('module.a.module.b["k"].aws_iam_user.c[0]', "nested-0"),
    )
    assert index.instances("aws_iam_user.nobody") == ()
    assert index.instances("data.aws_iam_user.ci") == ()


def test_state_resolves_a_name_static_evaluation_cannot(index: StateIndex) -> None:
    # name = "pet-${random_pet.x.id}": only the state knows what it became.
    assert index.find("aws_iam_user.pet") == StateInstance("aws_iam_user.pet", "pet-sweet-fox")
    assert index.find('aws_iam_user.dev["zed"]') is None
    assert index.find("not an address") is None


# --------------------------------------------------------------------------- Terraform's own


def relabelled(document: Any) -> Any:
    """Terraform's ``terraform_data`` instances as ``aws_iam_user``s named by their input."""
    if isinstance(document, list):
        return [relabelled(item) for item in document]
    if not isinstance(document, dict):
        return document
    result = {key: relabelled(value) for key, value in document.items()}
    if result.get("type") == "terraform_data":
        result["type"] = "aws_iam_user"
        if isinstance(result.get("address"), str):
            result["address"] = result["address"].replace("terraform_data.", "aws_iam_user.")
    for attributes in ("attributes", "values"):
        held = result.get(attributes)
        if isinstance(held, dict) and "input" in held:
            value = held["input"]
            held["name"] = value["value"] if isinstance(value, dict) else value
    return result


def terraform_listed() -> list[str]:
    lines = (REAL / "state-list.txt").read_text(encoding="utf-8").splitlines()
    return [line.replace("terraform_data.", "aws_iam_user.") for line in lines]


@pytest.mark.parametrize("name", ["terraform.tfstate", "show.json", "plan.json"])
def test_addresses_are_exactly_what_terraform_state_list_prints(name: str) -> None:
    document = relabelled(json.loads((REAL / name).read_text(encoding="utf-8")))
    index = parse_state(json.dumps(document), name)

    assert sorted(instance.address for instance in index.all()) == sorted(terraform_listed())
    # Keys with quotes, backslashes, template introducers and unprintable characters included:
    weird = index.instances("aws_iam_user.dev")
    assert StateInstance('aws_iam_user.dev["tmpl$${x}"]', "tmpl${x}") in weird
    assert StateInstance('aws_iam_user.dev["ctl\\u0001x"]', "ctl\x01x") in weird
    assert len(index.instances("module.a.aws_iam_user.c")) == 2


def test_format_key_matches_terraform() -> None:
    assert format_key(0) == "[0]"
    assert format_key(12) == "[12]"
    assert format_key("eli") == '["eli"]'
    assert format_key('a"b') == '["a\\"b"]'
    assert format_key("a\\b") == '["a\\\\b"]'
    assert format_key("t${x}") == '["t$${x}"]'
    assert format_key("p%{y}") == '["p%%{y}"]'
    assert format_key("d$z%") == '["d$z%"]'
    assert format_key("nl\nx\ty\r") == '["nl\\nx\\ty\\r"]'
    assert format_key("zw\u200bsp") == '["zw\\u200bsp"]'
    assert format_key("tag\U000e0001") == '["tag\\U000e0001"]'
    assert format_key("café 😀") == '["café 😀"]'
    assert format_key("") == '[""]'
    with pytest.raises(TypeError):
        format_key(True)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("aws_iam_user.alice", "aws_iam_user.alice"),
        ('aws_iam_user.dev["eli"]', "aws_iam_user.dev"),
        ("aws_iam_user.intern[10]", "aws_iam_user.intern"),
        ('module.team["x"].aws_iam_user.this', "module.team.aws_iam_user.this"),
        ('module.a.module.b["k"].aws_iam_user.c[0]', "module.a.module.b.aws_iam_user.c"),
        # A key that looks like more address must not be split on.
        ('module.a["x].module.z[\\"q"].aws_iam_user.c', "module.a.aws_iam_user.c"),
        ('data.aws_iam_user.ci["k"]', "data.aws_iam_user.ci"),
        ("module.my-mod.aws_iam_user.u_1", "module.my-mod.aws_iam_user.u_1"),
    ],
)
def test_config_address_removes_every_instance_key(address: str, expected: str) -> None:
    assert config_address(address) == expected


@pytest.mark.parametrize(
    "text",
    ["", "aws_iam_user", "module.a", "module.a.aws_iam_user", 'aws_iam_user.a["x]', "a.b.c"],
)
def test_config_address_rejects_what_is_not_a_resource_address(text: str) -> None:
    with pytest.raises(ValueError, match="not a resource address"):
        config_address(text)


@given(
    module_key=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6), st.text()),
    key=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6), st.text()),
)
def test_any_formatted_key_is_removed_again(
    module_key: int | str | None, key: int | str | None
) -> None:
    def keyed(base: str, value: int | str | None) -> str:
        return base if value is None else base + format_key(value)

    address = keyed("module.m", module_key) + "." + keyed("aws_iam_user.u", key)
    assert config_address(address) == "module.m.aws_iam_user.u"


# --------------------------------------------------------------------------- edge cases


def state_v4(*resources: dict[str, Any]) -> str:
    return json.dumps({"version": 4, "terraform_version": "1.9.5", "resources": list(resources)})


def user_resource(*instances: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "mode": "managed",
        "type": "aws_iam_user",
        "name": "u",
        **extra,
        "instances": list(instances),
    }


def test_a_quote_in_a_key_is_escaped_as_terraform_does() -> None:
    text = state_v4(user_resource({"index_key": 'a"b', "attributes": {"name": "ab"}}))
    (instance,) = parse_state(text, "s").all()
    assert instance.address == 'aws_iam_user.u["a\\"b"]'
    assert parse_state(text, "s").instances("aws_iam_user.u") == (instance,)


def test_deposed_objects_with_the_same_name_are_listed_once() -> None:
    text = state_v4(
        user_resource(
            {"attributes": {"name": "old-name"}},
            {"deposed": "00000001", "attributes": {"name": "old-name"}},
            {"deposed": "00000002", "attributes": {"name": "older-name"}},
        )
    )
    assert parse_state(text, "s").all() == (
        StateInstance("aws_iam_user.u", "old-name"),
        StateInstance("aws_iam_user.u", "older-name"),
    )


def test_an_instance_without_a_name_adds_nothing() -> None:
    text = state_v4(
        user_resource({"attributes": {"id": "x"}}, {"index_key": 1, "attributes": None})
    )
    assert parse_state(text, "s").all() == ()


def test_empty_states_are_empty_not_errors() -> None:
    # `terraform show -json` with no state prints only the format version.
    assert parse_state('{"format_version": "1.0"}', "s").all() == ()
    assert parse_state('{"version": 4, "resources": []}', "s").all() == ()
    assert parse_state('{"version": 4}', "s").all() == ()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('{"version": 3, "modules": []}', "state format version 3 is not supported"),
        ('{"version": "4"}', "state format version '4' is not supported"),
        ('{"format_version": "2.0"}', "format_version '2.0' is not supported"),
        ('{"format_version": 1}', "format_version 1 is not supported"),
        ('{"resources": []}', "top-level keys: resources"),
        ("{}", "top-level keys: none"),
        ("[1, 2]", "expected a JSON object, found a list"),
        ('{"version": 4,', "not JSON (Expecting property name"),
        ('{"version": 4, "resources": {}}', "`resources` is an object, expected a list"),
        (
            state_v4(user_resource({"index_key": 1.5, "attributes": {"name": "x"}})),
            "instance key 1.5 of aws_iam_user.u is neither a number nor a string",
        ),
        (
            state_v4(user_resource({"attributes": {"name": "x"}}, module="modul.a")),
            "not a resource address: 'modul.a.aws_iam_user.u'",
        ),
        ('{"format_version": "1.0", "values": []}', "`values` is a list, expected an object"),
        (
            state_v4(user_resource({"attributes": {"name": 42}})),
            "the name of aws_iam_user.u is a number, not a string",
        ),
    ],
)
def test_unknown_formats_are_errors_naming_the_source_and_what_was_found(
    text: str, found: str
) -> None:
    with pytest.raises(StateError) as raised:
        parse_state(text, "states/prod.json")
    assert raised.value.source == "states/prod.json"
    assert str(raised.value).startswith("Terraform state states/prod.json: ")
    assert found in str(raised.value)
    assert isinstance(raised.value, TerraformError)


def test_state_error_survives_pickling() -> None:
    error = StateError("s3://b/k", "file not found")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.source, copy.message, str(copy)) == (error.source, error.message, str(error))


# --------------------------------------------------------------------------- local files


def test_load_state_reads_a_local_file_with_or_without_a_byte_order_mark(tmp_path: Path) -> None:
    plain = tmp_path / "terraform.tfstate"
    plain.write_text(read("v4.tfstate"), encoding="utf-8")
    marked = tmp_path / "pulled.tfstate"
    marked.write_text(read("v4.tfstate"), encoding="utf-8-sig")  # PowerShell's `>` writes one

    assert set(load_state(str(plain)).all()) == EXPECTED
    assert load_state(str(marked)).all() == load_state(str(plain)).all()
    assert load_state(str(plain)).source == str(plain)


def test_load_state_says_what_is_wrong_with_a_local_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.tfstate"
    with pytest.raises(StateError, match=r"nope\.tfstate: file not found"):
        load_state(str(missing))
    with pytest.raises(StateError, match="is a directory"):
        load_state(str(tmp_path))
    binary = tmp_path / "binary.tfstate"
    binary.write_bytes(b'{"version": 4, "x": "\xff"}')
    with pytest.raises(StateError, match="not UTF-8 text"):
        load_state(str(binary))
    garbage = tmp_path / "garbage.tfstate"
    garbage.write_text("terraform {", encoding="utf-8")
    with pytest.raises(StateError, match=r"garbage\.tfstate: not JSON"):
        load_state(str(garbage))


def test_s3_needs_a_bucket_a_key_and_a_client() -> None:
    with pytest.raises(StateError, match="expected s3://BUCKET/KEY"):
        load_state("s3://bucket-only", s3_client=lambda: None)
    with pytest.raises(StateError, match="needs an AWS session"):
        load_state("s3://bucket/key")
