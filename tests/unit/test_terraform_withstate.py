"""The state names what static evaluation cannot, and wins where they disagree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from iam_prune.terraform import load


@dataclass(frozen=True)
class Instance:
    address: str
    name: str


class State:
    def __init__(self, **by_address: list[tuple[str, str]]) -> None:
        self.by_address = {
            address.replace("__", "."): tuple(Instance(*pair) for pair in pairs)
            for address, pairs in by_address.items()
        }
        self.asked: list[str] = []

    def instances(self, config_address: str) -> tuple[Instance, ...]:
        self.asked.append(config_address)
        return self.by_address.get(config_address, ())


MAIN = """
module "team" {
  source   = "./team"
  for_each = toset(data.external.teams.result)
}

module "fixed" {
  source = "./team"
}
"""
TEAM = """
resource "aws_iam_user" "lead" {
  name = "lead-${random_id.x.hex}"
}
"""


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_an_unexpandable_module_is_named_by_the_state(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MAIN, "team/users.tf": TEAM})
    state = State(
        module__team__aws_iam_user__lead=[
            ('module.team["a"].aws_iam_user.lead', "lead-1f"),
            ('module.team["b"].aws_iam_user.lead', "lead-2e"),
        ]
    )

    model = load([tmp_path], tmp_path, state=state)

    by_address = {d.address: d for d in model.declarations}
    a = by_address['module.team["a"].aws_iam_user.lead']
    assert (a.name, a.via, a.key_span, a.unresolved_reason) == ("lead-1f", "state", None, None)
    assert a.file == "team/users.tf" and a.module_dir == "team"
    assert [s.line for s in a.module_calls] == [2]
    assert by_address['module.team["b"].aws_iam_user.lead'].name == "lead-2e"
    # module.fixed is not in the state: still unnamed, and the run says so once.
    fixed = by_address["module.fixed.aws_iam_user.lead"]
    assert fixed.name is None and fixed.via == "static"
    assert "random_id.x" in (fixed.unresolved_reason or "")
    (error,) = model.errors
    assert error.message.startswith("1 IAM user declaration could not be named statically")
    assert sorted(set(state.asked)) == [
        "module.fixed.aws_iam_user.lead",
        "module.team.aws_iam_user.lead",
    ]


def test_the_state_wins_over_a_static_name_and_the_key_place_stays(tmp_path: Path) -> None:
    users = 'resource "aws_iam_user" "u" {\n  for_each = toset(["a", "b"])\n  name = each.key\n}\n'
    write(tmp_path, {"users.tf": users})
    state = State(aws_iam_user__u=[('aws_iam_user.u["a"]', "a-renamed")])

    model = load([tmp_path], tmp_path, state=state)

    a, b = model.declarations
    assert (a.address, a.name, a.via) == ('aws_iam_user.u["a"]', "a-renamed", "state")
    assert a.key_span is not None and users[a.key_span.start : a.key_span.end] == '"a"'
    assert (b.name, b.via) == ("b", "static")
    assert model.errors == ()


def test_a_static_key_place_is_kept_when_the_state_names_that_instance(tmp_path: Path) -> None:
    users = (
        'resource "aws_iam_user" "u" {\n  for_each = toset(["a"])\n'
        '  name = "${each.key}-${random_id.x.hex}"\n}\n'
    )
    write(tmp_path, {"users.tf": users})
    state = State(aws_iam_user__u=[('aws_iam_user.u["a"]', "a-9c")])

    (decl,) = load([tmp_path], tmp_path, state=state).declarations

    assert (decl.name, decl.via) == ("a-9c", "state")
    assert decl.key_span is not None and decl.key_span.line == 2


def test_without_state_nothing_is_replaced(tmp_path: Path) -> None:
    write(tmp_path, {"users.tf": TEAM})

    (decl,) = load([tmp_path], tmp_path).declarations

    assert (decl.name, decl.via) == (None, "static")
