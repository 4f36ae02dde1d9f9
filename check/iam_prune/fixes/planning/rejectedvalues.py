"""Values an edit changes that Terraform would reject: the plan fails, not the patch's text.

A list loses an element, an object an entry; the code still parses and every reference still
resolves, yet ``terraform plan`` stops when the new value no longer fits the type of the
variable it is given (``tuple([string, string])``, an object type that requires the entry),
or a ``validation`` of that variable does not hold on it (``length(var.members) >= 2``). The
evaluation knows both: the value turns unknown where the conversion fails, and a validation's
condition evaluates like any expression. A condition that cannot be told to hold counts as
failing: a person decides.
"""

from __future__ import annotations

from collections.abc import Sequence

from iam_prune.fixes.evaluation.instances import Tree
from iam_prune.fixes.evaluation.scopes import scope_at
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.edited import Edited
from iam_prune.terraform.evaluate import evaluate
from iam_prune.terraform.instances import Instance
from iam_prune.terraform.values import Unknown, deep_unknown, to_bool


def unfit_values(
    workspace: Workspace, trees: Sequence[Tree], after: Workspace, edited_values: Sequence[Edited]
) -> list[str]:
    """A note for every edited value, in every module instance that has it, that Terraform
    would reject once edited: one known before and not after (a module input typed
    `tuple([string, string])` or `object({ a = string, b = string })` that loses an element or
    entry no longer fits its type), and a variable whose ``validation`` does not hold, or
    cannot be told to hold, on the new value (`length(var.members) >= 2`). A tree walked
    already (``Tree.walked``) gives its module instances as evaluated; ``edited_values`` are
    :func:`~edited.all_edited`'s."""
    found: list[str] = []
    for edited in edited_values:
        kind, _, name = edited.name.partition(".")
        for tree in trees:
            for prefix in tree.scopes.get(edited.directory, ()):
                old = tree.walked.scopes.get(prefix) if tree.walked is not None else None
                old = old or scope_at(workspace, tree.root, prefix)
                new = scope_at(after, tree.root, prefix)
                if old is None or new is None:
                    continue
                where = _instance_name(prefix, edited.directory)
                was, now = (
                    (s.names.variable(name) if kind == "var" else s.names.local(name))
                    for s in (old, new)
                )
                notes = []
                if deep_unknown(was) is None and isinstance(now, Unknown):
                    notes.append(
                        f"the new value of `{edited.name}` in {where} would not be valid: "
                        f"{now.reason}"
                    )
                elif kind == "var":
                    notes += _failing_validations(new.names, name, where)
                found += [note for note in notes if note not in found]
    return found


def _failing_validations(names: Instance, name: str, where: str) -> list[str]:
    """The ``validation`` blocks of ``var.<name>`` whose condition is not known to hold with
    the variable's value in ``names``; one written in JSON is judged by ``readers``."""
    variable = names.config.variables.get(name)
    if variable is None:
        return []
    notes = []
    for validation in (b for b in variable.blocks if b.block_type == "validation"):
        condition = validation.attribute("condition")
        holds = to_bool(evaluate(condition.value, names)) if condition is not None else False
        if holds is not True:
            said = "fails" if holds is False else "cannot be told to hold"
            notes.append(
                f"{validation.span.file}:{validation.span.line}: the `validation` of "
                f"`var.{name}` in {where} {said} on the value this removal leaves"
            )
    return notes


def _instance_name(prefix: str, directory: str) -> str:
    """A module instance as messages say it: `` `module.team` ``, or the root module."""
    if prefix:
        return f"`{prefix.rstrip('.')}`"
    return "the root module" if directory == "." else f"the root module in {directory}/"
