"""Whether a list of a resource's instances is read only whole, wherever it goes.

Taking a user out of a ``count`` list (or migrating it to ``for_each``) makes
``aws_iam_user.x[*].name`` one shorter. Read whole (a group's ``users``, ``join``, a root
module's output), that is the point. Read by position (``x[*].name[1]``,
``element(x[*].name, 1)``), the same position now names another user, or none: a policy meant
for one user silently moves to the next. A module's output hands the list to its callers,
so their reads of that output are judged the same way, up to the root.
"""

from __future__ import annotations

from iam_prune.fixes.syntaxwalk import nodes, read_whole
from iam_prune.fixes.workspace import Workspace, joined
from iam_prune.terraform.moduleconfig import local_calls
from iam_prune.terraform.syntax import Block, Expr, GetAttr


def list_read_whole(
    workspace: Workspace, directory: str, block: Block, root: Expr, node: Expr
) -> bool:
    """Whether the list ``node`` (inside ``root``, a value of ``block`` in ``directory``) is
    read only whole, here and, for an output of a called module, by every caller."""
    return _whole(workspace, directory, block, root, node, frozenset())


def _whole(
    workspace: Workspace,
    directory: str,
    block: Block,
    root: Expr,
    node: Expr,
    seen: frozenset[str],
) -> bool:
    if not read_whole(root, node):
        return False
    if block.block_type != "output" or not block.labels:
        return True
    output = block.labels[0]
    if f"{directory}:{output}" in seen:
        return False  # a cycle of modules: Terraform refuses it anyway
    seen = seen | {f"{directory}:{output}"}
    for caller, label in _callers(workspace, directory):
        for _, use in workspace.uses(caller):
            traversal = use.traversal
            if traversal.address != f"module.{label}":
                continue
            if traversal.attribute is None:
                return False  # the module's outputs as one object: read as it pleases
            if traversal.attribute != output:
                continue
            value = use.attribute.value
            read = next((n for n in nodes(value) if n.span == traversal.span), None)
            if not isinstance(read, GetAttr) or read.name != output:
                return False  # `module.team.names[1]`, or in text iam-prune cannot walk
            if not _whole(workspace, caller, use.block, value, read, seen):
                return False
    return True


def _callers(workspace: Workspace, directory: str) -> list[tuple[str, str]]:
    """Each directory with a call of the module in ``directory``, and the call's label."""
    found = []
    for caller in workspace.directories():
        for call, source in local_calls(workspace.config_files(caller)):
            if joined(caller, source) == directory:
                found.append((caller, call.labels[0]))
    return found
