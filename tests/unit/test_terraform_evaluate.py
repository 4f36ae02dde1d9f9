"""The evaluator: literals, templates, functions, ``for``, operators, type conversion, and
the origins that tell a fix which element supplied a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from iam_prune.terraform.evaluate import NoNames, evaluate
from iam_prune.terraform.instances import Instance, root_inputs
from iam_prune.terraform.moduleconfig import ModuleConfig
from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.syntax import Expr
from iam_prune.terraform.values import Obj, Seq, Unknown, Value, plain


class Vars:
    """Variables and locals given as HCL expression texts."""

    def __init__(self, **values: str) -> None:
        self.values = values

    def _get(self, kind: str, name: str) -> Value:
        if name not in self.values:
            return Unknown(f"no {kind}.{name}")
        return evaluate(expr(self.values[name]), NoNames())

    def variable(self, name: str) -> Value:
        return self._get("var", name)

    def local(self, name: str) -> Value:
        return self._get("local", name)


def expr(source: str) -> Expr:
    (attribute,) = parse_file("x.tf", f"x = {source}\n").attributes
    return attribute.value


def ev(source: str, **values: str) -> object:
    return plain(evaluate(expr(source), Vars(**values)))


def reason(source: str, **values: str) -> str:
    value = evaluate(expr(source), Vars(**values))
    assert isinstance(value, Unknown), value
    return value.reason


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('"plain"', "plain"),
        ("42", 42),
        ("-3", -3),
        ("2.5", 2.5),
        ("true", True),
        ("null", None),
        ('"a\\tb\\u00e9"', "a\tbé"),
        ('"n=${1 + 2}, b=${true}, f=${1.5}"', "n=3, b=true, f=1.5"),
        ('"${["a"]}"', ["a"]),  # one interpolation and nothing else is the value itself
        ('"$${var.x}"', "${var.x}"),
        ('[1, "a", [true]]', [1, "a", [True]]),
        ('{ b = 1, a = "x" }', {"a": "x", "b": 1}),
        ('{ "k-${1}" = 2 }', {"k-1": 2}),
        ("(2 + 3) * 4", 20),
        ("7 / 2", 3.5),
        ("7 % 4", 3),
        ("1 < 2 && 2 >= 2", True),
        ("false || !true", False),
        ('1 == "1"', False),
        ("[1] == [1]", True),
        ('true ? "y" : "n"', "y"),
        ('{ a = { b = ["x", "y"] } }.a.b[1]', "y"),
        ("[10, 20].1", 20),
        ("[{ a = 1 }, { a = 2 }][*].a", [1, 2]),
        ("[{ a = 1 }, { a = 2 }].*.a", [1, 2]),
    ],
)
def test_expressions_evaluate_like_terraform(source: str, value: object) -> None:
    assert ev(source) == value


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('lower("AbC")', "abc"),
        ('upper("AbC")', "ABC"),
        ('trimspace("  a b \\n")', "a b"),
        ('format("%s-%d-%v-%q-%%", "a", 7, true, "q")', 'a-7-true-"q"-%'),
        ('format("%03d|%5s|%-3s|", 7, "ab", "x")', "007|   ab|x  |"),
        ('format("%v", ["a", 1])', '["a",1]'),
        ('join("-", ["a", "b"], ["c"])', "a-b-c"),
        ('join(",", [1, true])', "1,true"),
        ('replace("a_b_c", "_", "-")', "a-b-c"),
        ('replace("user-42-x", "/(\\\\w+)-(\\\\d+).*/", "$2:$1")', "42:user"),
        ('replace("aaa", "/a/", "$$")', "$$$"),
        ('concat(["a"], ["b", "c"])', ["a", "b", "c"]),
        ("merge({ a = 1, b = 1 }, { b = 2 }, null)", {"a": 1, "b": 2}),
        ('toset(["b", "a", "b"])', ["a", "b"]),
        ('toset(["a", 1])', ["1", "a"]),
        ("tolist(toset([3, 1, 2]))", [1, 2, 3]),
        ("tomap({ a = 1 })", {"a": 1}),
        ("keys({ b = 1, a = 2 })", ["a", "b"]),
        ("values({ b = 1, a = 2 })", [2, 1]),
        ('lookup({ a = "x" }, "a")', "x"),
        ('lookup({ a = "x" }, "b", "d")', "d"),
        ('length("héllo")', 5),
        ("length([1, 2])", 2),
        ("length({ a = 1 })", 1),
        ('element(["a", "b"], 3)', "b"),
        ('flatten([["a", ["b"]], "c"])', ["a", "b", "c"]),
        ('distinct(["a", "b", "a"])', ["a", "b"]),
        ('split(",", "a,b")', ["a", "b"]),
        ('coalesce("", null, "x")', "x"),
        ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
        ('contains(["a"], "a")', True),
        ("alltrue([])", True),
        ('alltrue([true, "true", 1 < 2])', True),
        ("alltrue([true, false])", False),
        ("anytrue([])", False),
        ('anytrue([false, "true"])', True),
        # As `terraform console` (1.11) answers them.
        ('setsubtract(["c", "b", "a"], ["a"])', ["b", "c"]),
        ('setsubtract(["a", 1], ["1"])', ["a"]),
        ('setunion(["b"], ["a", "b"], [])', ["a", "b"]),
        ('setintersection(["a", "b", "c"], ["c", "a"])', ["a", "c"]),
        ('substr("hello", 1, 3)', "ell"),
        ('trimprefix("ci-bot", "ci-")', "bot"),
        ('trimsuffix("bot-ci", "-ci")', "bot"),
        ('sort(["b", "a"])', ["a", "b"]),
        ("tostring(5)", "5"),
        ('tonumber("5")', 5),
    ],
)
def test_functions(source: str, value: object) -> None:
    assert ev(source) == value


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('[for s in ["a", "b"] : upper(s)]', ["A", "B"]),
        ('[for i, s in ["a", "b"] : "${i}${s}"]', ["0a", "1b"]),
        ("{ for k, v in { a = 1, b = 2 } : v => k }", {"1": "a", "2": "b"}),
        ('[for s in ["a", "bb"] : s if length(s) > 1]', ["bb"]),
        (
            '{ for s in ["ax", "ay", "b"] : substr(s, 0, 1) => s... }',
            {"a": ["ax", "ay"], "b": ["b"]},
        ),
        ('[for s in toset(["b", "a"]) : s]', ["a", "b"]),
    ],
)
def test_for_expressions(source: str, value: object) -> None:
    assert ev(source) == value


def test_names_come_from_variables_and_locals() -> None:
    assert ev('"${var.env}-${local.team}"', env='"prod"', team='"data"') == "prod-data"
    assert ev("var.people[0].name", people='[{ name = "ann" }]') == "ann"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('md5("x")', "the function `md5` is not evaluated by iam-prune"),
        ('lower("a", "b")', "`lower` was given 2 arguments (Terraform rejects it)"),
        ('lookup({}, "k")', 'lookup(): the map has no key "k"'),
        ('alltrue(["yes"])', "alltrue(): an element is not a bool"),
        ("random_pet.x.id", "it refers to random_pet.x, a resource whose attributes are known"),
        ("data.aws_caller_identity.me.account_id", "it refers to a data source"),
        ("terraform.workspace", "it refers to the Terraform workspace"),
        ("path.module", "it refers to a filesystem path"),
        ('"a-${null}"', "a null value cannot be used in a string"),
        ("[1][2]", "the index 2 is out of range"),
        ('toset(["a"])[0]', "a set cannot be indexed"),
        ("{ a = 1 }.b", "it asks for `b`, which the object does not have"),
        ('"%{ if true }x%{ endif }"', "template directives"),
        ("each.key", "`each` is only set in a block with `for_each`"),
        ('{ for s in ["a", "a"] : s => 1 }', 'makes the key "a" twice'),
        ("1 / 0", "division by zero"),
        ("var.missing", "no var.missing"),
    ],
)
def test_what_cannot_be_evaluated_says_why(source: str, expected: str) -> None:
    assert expected in reason(source)


def test_an_unknown_inside_a_function_argument_makes_the_result_unknown() -> None:
    assert "random_pet.x" in reason('join("-", ["a", random_pet.x.id])')
    assert "random_pet.x" in reason("toset([random_pet.x.id])")
    # ... but not where the unknown part does not matter.
    assert ev("length([random_pet.x.id, 1])") == 2
    assert ev('false && random_pet.x.id == "a"') is False


def test_origins_follow_elements_through_functions_and_for() -> None:
    text = 'x = merge({ a = 1 }, { for s in ["b", "c"] : s => s })\n'
    (attribute,) = parse_file("o.tf", text).attributes

    value = evaluate(attribute.value, NoNames())
    assert isinstance(value, Obj)
    spans = [text[o.start : o.end] if o else None for o in value.origins]
    assert spans == ["a = 1", '"b"', '"c"']


def test_toset_keeps_the_first_origin_of_a_duplicate() -> None:
    text = 'x = toset(["b", "a", "b"])\n'
    (attribute,) = parse_file("o.tf", text).attributes

    value = evaluate(attribute.value, NoNames())
    assert isinstance(value, Seq)
    assert [o.start if o else None for o in value.origins] == [text.index('"a"'), 11]


# --------------------------------------------------------------------------- module instances


def instance(text: str, tfvars: str = "", **inputs: str) -> Instance:
    config = ModuleConfig.build(".", Path(), [parse_file("main.tf", text)])
    given = dict(root_inputs([parse_file("terraform.tfvars", tfvars)])) if tfvars else {}
    for name, source in inputs.items():
        given[name] = lambda source=source: evaluate(expr(source), NoNames())
    return Instance(config, "", "", given, missing="nothing sets it")


def test_locals_refer_to_each_other_and_a_cycle_is_named() -> None:
    module = instance(
        'locals {\n  a = "${local.b}-a"\n  b = "b"\n  c = local.d\n  d = local.c\n}\n'
    )

    assert module.local("a") == "b-a"
    c = module.local("c")
    assert isinstance(c, Unknown)
    assert "depends on itself" in c.reason
    missing = module.local("zzz")
    assert isinstance(missing, Unknown) and "sets `zzz`" in missing.reason


def test_a_users_name_is_known_before_apply_and_nothing_else_of_it() -> None:
    """`terraform plan` knows `aws_iam_user.x.name` from the configuration (a list of users'
    names keys what is made per user); their ARNs, ids and counted users it does not."""
    module = instance(
        'variable "who" {\n  default = "bob"\n}\n'
        'resource "aws_iam_user" "b" {\n  name = var.who\n}\n'
        'resource "aws_iam_user" "n" {\n  count = 2\n  name  = "n${count.index}"\n}\n'
        'resource "aws_iam_user" "s" {\n  name = aws_iam_user.s.name\n}\n'
        'resource "aws_iam_role" "r" {\n  name = "r"\n}\n'
        "locals {\n"
        "  names = [aws_iam_user.b.name]\n"
        "  arn   = aws_iam_user.b.arn\n"
        "  other = aws_iam_role.r.name\n"
        "  n     = aws_iam_user.n[0].name\n"
        "  s     = aws_iam_user.s.name\n"
        "  gone  = aws_iam_user.nobody.name\n"
        "}\n"
    )

    assert plain(module.local("names")) == ["bob"]
    for unknown in ("arn", "other", "n", "gone"):
        value = module.local(unknown)
        assert isinstance(value, Unknown), unknown
        assert "known only after apply" in value.reason
    looped = module.local("s")
    assert isinstance(looped, Unknown)
    assert "refers to itself" in looped.reason


def test_variables_convert_to_their_type() -> None:
    module = instance(
        'variable "s" {\n  type = set(string)\n  default = ["b", "a", "b"]\n}\n'
        'variable "m" {\n  type = map(object({ team = string, tier = optional(number, 1) }))\n'
        "  default = {}\n}\n"
        'variable "n" {\n  type = number\n}\n'
        'variable "keep" {\n  default = "d"\n  nullable = false\n}\n'
        'variable "none" {}\n',
        tfvars='m = { x = { team = "a" } }\nn = "5"\n',
        keep="null",
    )

    s = module.variable("s")
    assert isinstance(s, Seq) and s.kind == "set" and plain(s) == ["a", "b"]
    assert plain(module.variable("m")) == {"x": {"team": "a", "tier": 1}}
    assert module.variable("n") == 5
    assert module.variable("keep") == "d"
    none = module.variable("none")
    assert (
        isinstance(none, Unknown) and none.reason == "var.none has no default and nothing sets it"
    )
    undeclared = module.variable("ghost")
    assert isinstance(undeclared, Unknown) and 'no `variable "ghost"`' in undeclared.reason


def test_a_value_that_does_not_fit_its_type_is_unknown() -> None:
    module = instance('variable "s" {\n  type = set(string)\n  default = { a = 1 }\n}\n')

    s = module.variable("s")
    assert isinstance(s, Unknown)
    assert s.reason == "var.s: an object does not convert to set(string)"
