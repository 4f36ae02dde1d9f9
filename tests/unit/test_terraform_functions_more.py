"""``try``, ``can``, ``transpose``, ``one``, the decoders, ``file()`` and ``path.*``, each
against what Terraform 1.11's ``terraform console`` answers for the same expression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_terraform_evaluate import ev, expr, reason

from iam_prune.terraform import load
from iam_prune.terraform.decoding import DecodeError, csvdecode, yamldecode
from iam_prune.terraform.evaluate import NoNames, evaluate
from iam_prune.terraform.rejection import is_rejected
from iam_prune.terraform.values import Obj, Seq, Unknown, plain


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('try({ a = 1 }.b, "fallback")', "fallback"),
        ('try({ a = 1 }.a, "fallback")', 1),
        ('try(tonumber("x"), 0)', 0),
        ('try(["a"][3], "z")', "z"),
        ('try(local.m["bob"].change_password, false)', False),
        ('try(local.m["carol"].change_password, false)', True),
        ("can({ a = 1 }.b)", False),
        ("can({ a = 1 }.a)", True),
        ('can(lookup({}, "k"))', False),
        (
            "{ for n, h in local.m : n => h if try(h.change_password, false) }",
            {"carol": {"change_password": True}},
        ),
        ('var.create ? "yes" : "no"', "yes"),
        ('!var.create ? "yes" : "no"', "no"),
    ],
)
def test_try_can_and_conditionals_over_known_values(source: str, value: object) -> None:
    names = {"m": "{ bob = {}, carol = { change_password = true } }", "create": "true"}
    assert ev(source, **names) == value


def test_try_with_an_unknown_first_argument_stays_unknown() -> None:
    """Terraform: an unknown argument may still turn out to be an error, so try waits."""
    assert "cannot tell yet" in reason('try(var.missing, "x")')
    assert "cannot tell yet" in reason("can(var.missing)")


def test_try_where_every_argument_is_an_error_is_an_error() -> None:
    assert "every argument of `try` is an error" in reason("try({}.a, [][0])")


@pytest.mark.parametrize(
    ("source", "value"),
    [
        (
            'transpose({ a = ["1", "2"], b = ["2", "3"] })',
            {"1": ["a"], "2": ["a", "b"], "3": ["b"]},
        ),
        ('transpose({ a = [], b = ["x"] })', {"x": ["b"]}),
        ("transpose({})", {}),
        ("one([])", None),
        ('one(["x"])', "x"),
        ('one(toset(["x"]))', "x"),
        ("keys({ b = 1, a = 2 })", ["a", "b"]),
        ("values({ b = 1, a = 2 })", [2, 1]),
        ('flatten([["a"], [["b"]], "c"])', ["a", "b", "c"]),
        (
            'jsondecode("{\\"b\\":[1,2.5,true,null],\\"a\\":\\"x\\"}")',
            {"a": "x", "b": [1, 2.5, True, None]},
        ),
        ('yamldecode("a: 1\\nb: 1.0\\nc: \\"1\\"")', {"a": 1, "b": 1.0, "c": "1"}),
        ('yamldecode("[1, a, true, no, on]")', [1, "a", True, False, True]),
        (
            'csvdecode("name,team\\nalice,ops\\n\\"b,ob\\",dev\\n")',
            [{"name": "alice", "team": "ops"}, {"name": "b,ob", "team": "dev"}],
        ),
    ],
)
def test_collection_and_decoding_functions(source: str, value: object) -> None:
    assert ev(source) == value


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("one([1, 2])", "may have zero or one"),
        ('transpose({ a = "x" })', "not a list"),
        ('jsondecode("{")', "not valid JSON"),
        ('yamldecode("a: [")', "not valid YAML"),
        ('csvdecode("a,b\\n1\\n")', "row 2 has 1 fields"),
    ],
)
def test_what_terraform_rejects_is_an_error_try_can_step_over(source: str, message: str) -> None:
    assert message in reason(source)
    assert ev(f"can({source})") is False


def test_transposed_members_keep_where_they_are_written() -> None:
    value = evaluate(expr('transpose({ alice = ["ops"], bob = ["ops", "dev"] })'), NoNames())
    assert isinstance(value, Obj)
    ops = value.get("ops")
    assert ops is not None and isinstance(ops[0], Seq)
    assert [o.line if o else None for o in ops[0].origins] == [1, 1]
    assert all(o is not None for o in ops[0].origins)


def test_yaml_timestamps_come_out_as_terraform_writes_them() -> None:
    assert plain(yamldecode("when: 2024-01-02\n")) == {"when": "2024-01-02T00:00:00Z"}
    assert plain(yamldecode("")) is None


def test_csv_without_a_header_is_rejected() -> None:
    with pytest.raises(DecodeError):
        csvdecode("")


def test_an_error_is_told_apart_from_an_unknown() -> None:
    assert is_rejected(Unknown("x (Terraform rejects it)"))
    assert not is_rejected(Unknown("it refers to a data source"))


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def test_users_from_yaml_json_and_csv_files_beside_the_module(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": 'module "team" {\n  source = "./modules/team"\n}\n',
            "modules/team/users.tf": (
                'resource "aws_iam_user" "yaml" {\n'
                '  for_each = toset(yamldecode(file("${path.module}/users.yaml")).users)\n'
                "  name     = each.key\n}\n"
                'resource "aws_iam_user" "json" {\n'
                '  for_each = toset(jsondecode(file("${path.module}/people.json")))\n'
                "  name     = each.key\n}\n"
                'resource "aws_iam_user" "csv" {\n'
                "  for_each = {\n"
                '    for row in csvdecode(file("${path.module}/ops.csv")) : row.name => row\n'
                "  }\n"
                "  name     = each.key\n}\n"
                'resource "aws_iam_user" "where" {\n'
                '  name = "${basename(path.root)}-${path.module}"\n}\n'
            ),
            "modules/team/users.yaml": "users:\n  - alice # the lead\n  - bob\n",
            "modules/team/people.json": json.dumps(["carol"]),
            "modules/team/ops.csv": "name,shift\ndave,night\n",
        },
    )
    model = load([tmp_path], tmp_path, use_cache=False)
    named = {d.address: d.name for d in model.declarations}
    assert named == {
        'module.team.aws_iam_user.yaml["alice"]': "alice",
        'module.team.aws_iam_user.yaml["bob"]': "bob",
        'module.team.aws_iam_user.json["carol"]': "carol",
        'module.team.aws_iam_user.csv["dave"]': "dave",
        "module.team.aws_iam_user.where": None,
    }


def test_path_module_is_relative_to_the_root_and_path_root_is_dot(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "root/main.tf": 'module "m" {\n  source = "../shared/m"\n}\n'
            'resource "aws_iam_user" "r" {\n  name = "r-${path.module}-${path.root}"\n}\n',
            "shared/m/main.tf": 'resource "aws_iam_user" "m" {\n  name = "m-${path.module}"\n}\n',
        },
    )
    model = load([tmp_path / "root"], tmp_path, use_cache=False)
    assert sorted(d.name or "" for d in model.declarations) == ["m-../shared/m", "r-.-."]


def test_a_file_outside_the_repository_or_missing_is_not_read(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(tmp_path, {"secret.yaml": "users: [mallory]\n"})
    write(
        repo,
        {
            "main.tf": 'resource "aws_iam_user" "u" {\n'
            '  for_each = toset(yamldecode(file("../secret.yaml")).users)\n'
            "  name     = each.key\n}\n"
            'resource "aws_iam_user" "v" {\n'
            '  for_each = toset(yamldecode(file("gone.yaml")).users)\n'
            "  name     = each.key\n}\n"
        },
    )
    model = load([repo], repo, use_cache=False)
    assert all(d.name != "mallory" for d in model.declarations)
    reasons = " ".join(d.unresolved_reason or "" for d in model.declarations)
    assert "no such text file in the repository" in reasons


@pytest.mark.parametrize(
    ("name", "decoder", "text", "where"),
    [
        ("users.yaml", "yamldecode", "users:\n  - alice\n  - [bob\n", "users.yaml:4:1: "),
        ("users.json", "jsondecode", '{"users": [\n  "alice",\n]}\n', "users.json:3:1: "),
        ("users.csv", "csvdecode", "name,team\nalice\n", "users.csv: CSV row 2"),
    ],
)
def test_a_data_file_that_does_not_decode_is_named_with_its_line(
    tmp_path: Path, name: str, decoder: str, text: str, where: str
) -> None:
    """The reason a user stays unnamed points at the data file, not at "<unicode string>"."""
    pick = ".users" if decoder != "csvdecode" else "[*].name"
    write(
        tmp_path,
        {
            "main.tf": 'resource "aws_iam_user" "u" {\n'
            f'  for_each = toset({decoder}(file("{name}")){pick})\n'
            "  name     = each.key\n}\n",
            name: text,
        },
    )
    model = load([tmp_path], tmp_path, use_cache=False)
    [declaration] = model.declarations
    assert where in (declaration.unresolved_reason or "")
    assert "<unicode string>" not in (declaration.unresolved_reason or "")
