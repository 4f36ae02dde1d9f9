"""Evaluating an edited configuration only where the edit reaches gives what evaluating it
whole gives.

Random modules (users over literal sets, locals and variables that feed ``for_each``,
``count`` and names, resources keyed by other resources, module calls with inputs and
``for_each``, outputs read by the caller, ``moved`` blocks) take random edits: blocks removed,
literals rewritten. For each, the tree re-evaluated from the original's and the tree of a
whole evaluation must make the same instances from the same things, and the comparison with
the original (what ``terraform plan`` would destroy or change) must be the same.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iam_prune.fixes.evaluation.compare import Change, compare
from iam_prune.fixes.evaluation.instances import Facts, Tree, tree
from iam_prune.fixes.evaluation.retree import retree
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.starts import removal
from iam_prune.fixes.text.render import RenderError, render_all
from iam_prune.model import FileEdit
from iam_prune.terraform.syntax import Literal, ParsedFile

NAMES = ("a", "b", "ab")


def _block(kind: str, name: str, other: str) -> str:
    blocks = {
        "user": f'resource "aws_iam_user" "{name}" {{\n  name = "{name}"\n}}\n',
        "users_set": (
            f'resource "aws_iam_user" "{name}" {{\n  for_each = toset(["x", "y", "z"])\n'
            "  name     = each.key\n}\n"
        ),
        "users_local": (
            f'resource "aws_iam_user" "{name}" {{\n  for_each = local.{other}\n'
            "  name     = each.key\n}\n"
        ),
        "users_count": (
            f'resource "aws_iam_user" "{name}" {{\n  count = length(var.{other})\n'
            f"  name  = var.{other}[count.index]\n}}\n"
        ),
        "local_map": f'locals {{\n  {name} = {{ x = "1", y = "2" }}\n}}\n',
        "local_from": f"locals {{\n  {name} = {{ for k, v in local.{other} : k => v }}\n}}\n",
        "variable": f'variable "{name}" {{\n  default = ["p", "q"]\n}}\n',
        "key": (
            f'resource "aws_iam_access_key" "{name}" {{\n  user = aws_iam_user.{other}.name\n}}\n'
        ),
        "keyed_by": (
            f'resource "aws_iam_access_key" "{name}_each" {{\n  for_each = aws_iam_user.{other}\n'
            "  user     = each.value.name\n}\n"
        ),
        "policy": (
            f'resource "aws_iam_user_policy_attachment" "{name}" {{\n'
            f'  user       = "{other}"\n  policy_arn = "arn:aws:iam::aws:policy/X"\n}}\n'
        ),
        "module": (
            f'module "{name}" {{\n  source = "./mod"\n  person = "{name}"\n'
            f"  team   = local.{other}\n}}\n"
        ),
        "modules": (
            f'module "{name}_each" {{\n  source   = "./mod"\n  for_each = toset(["m", "n"])\n'
            "  person   = each.key\n}\n"
        ),
        "reads_module": f'output "{name}_mod" {{\n  value = module.{other}.arn\n}}\n',
        "moved": (
            f"moved {{\n  from = aws_iam_user.old_{name}\n  to   = aws_iam_user.{other}\n}}\n"
        ),
    }
    return blocks[kind]


KINDS = (
    "user",
    "users_set",
    "users_local",
    "users_count",
    "local_map",
    "local_from",
    "variable",
    "key",
    "keyed_by",
    "policy",
    "module",
    "modules",
    "reads_module",
    "moved",
)
_MODULE = (
    'variable "person" {}\n\nvariable "team" {\n  default = {}\n}\n\n'
    'resource "aws_iam_user" "this" {\n  name = var.person\n  tags = var.team\n}\n\n'
    'resource "aws_iam_access_key" "this" {\n  user = aws_iam_user.this.name\n}\n\n'
    'output "arn" {\n  value = aws_iam_user.this.arn\n}\n'
)


@st.composite
def modules(draw: st.DrawFn) -> dict[str, str]:
    """A root ``infra/`` of 2-4 files and the module ``infra/mod/`` it calls; duplicate
    declarations and circles of locals are left out (Terraform refuses them)."""
    texts: dict[str, str] = {"infra/mod/main.tf": _MODULE}
    seen: set[str] = set()
    blocks = st.tuples(st.sampled_from(KINDS), st.sampled_from(NAMES), st.sampled_from(NAMES))
    for n in range(draw(st.integers(2, 4))):
        parts = []
        for kind, name, other in draw(st.lists(blocks, min_size=1, max_size=7)):
            if kind == "local_from" and not other < name:
                continue  # locals that read each other in a circle: Terraform refuses them
            text = _block(kind, name, other)
            head = text.split("{", 1)[0] + (name if kind.startswith(("local", "moved")) else "")
            if head in seen:
                continue
            seen.add(head)
            parts.append(text)
        texts[f"infra/f{n}.tf"] = "\n".join(parts)
    return texts


def _edits(workspace: Workspace, data: st.DataObject) -> list[FileEdit]:
    """Blocks removed and string literals rewritten, one to three of them."""
    choices: list[FileEdit] = []
    for path in sorted(workspace.texts):
        parsed = workspace.parsed(path)
        if not isinstance(parsed, ParsedFile):
            continue
        for block in parsed.blocks:
            choices.append(removal(block.span))
            for attribute in block.attributes:
                if isinstance(attribute.value, Literal) and isinstance(attribute.value.value, str):
                    span = attribute.value_span
                    choices.append(FileEdit(path, span.start, span.end, '"renamed"'))
    return data.draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True))


def _made(instances: Tree) -> dict[str, tuple[object, ...]]:
    """What each instance is made of, without where its text sits (an edit shifts that)."""

    def of(facts: Facts) -> tuple[object, ...]:
        return (facts.kind, facts.config, facts.directory, facts.key, facts.fingerprint)

    return {address: of(facts) for address, facts in instances.instances.items()}


def _verdict(change: Change) -> tuple[object, ...]:
    return (change.destroyed, change.opaque, change.changed, change.shifted, change.modules)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=modules(), data=st.data())
def test_an_edited_tree_re_evaluated_where_the_edit_reaches_is_the_whole_evaluation(
    texts: dict[str, str], data: st.DataObject
) -> None:
    workspace = Workspace(texts)
    edits = _edits(workspace, data)
    try:
        changed = render_all(workspace.texts, edits)
    except RenderError:
        return
    before = tree(workspace, "infra")
    edited = workspace.edited(changed)
    whole = tree(edited, "infra")
    followed = retree(before, edited)
    if followed is None:  # declined: the caller evaluates it whole
        return
    assert _made(followed) == _made(whole)
    assert dict(followed.moves) == dict(whole.moves)
    assert followed.scopes == whole.scopes
    assert _verdict(compare([before], [followed])) == _verdict(compare([before], [whole]))


def test_an_edit_to_one_user_re_evaluates_it_and_what_reads_it_not_the_rest() -> None:
    texts = {
        "infra/users.tf": (
            'resource "aws_iam_user" "a" {\n  name = "a"\n}\n\n'
            'resource "aws_iam_user" "b" {\n  name = "b"\n}\n'
        ),
        "infra/keys.tf": (
            'resource "aws_iam_access_key" "a" {\n  user = aws_iam_user.a.name\n}\n\n'
            'resource "aws_iam_access_key" "b" {\n  user = aws_iam_user.b.name\n}\n'
        ),
    }
    workspace = Workspace(texts)
    before = tree(workspace, "infra")
    parsed = workspace.parsed("infra/users.tf")
    assert isinstance(parsed, ParsedFile)
    edited = workspace.edited(render_all(texts, [removal(parsed.blocks[0].span)]))
    followed = retree(before, edited)
    assert followed is not None
    # The overlay holds what was evaluated again: user a (gone) and its key (re-evaluated).
    changes = followed.instances.changes  # type: ignore[attr-defined]
    assert set(changes) == {"aws_iam_user.a", "aws_iam_access_key.a"}
    assert changes["aws_iam_user.a"] is None
    assert "aws_iam_user.b" in followed.instances
    assert compare([before], [followed]).destroyed == ("aws_iam_user.a",)
