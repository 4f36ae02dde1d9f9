"""Whether a list of a resource's instances is read only whole, wherever it goes.

Taking a user out of a ``count`` list (or migrating it to ``for_each``) makes
``aws_iam_user.x[*].name`` one shorter. Read whole (a group's ``users``, ``join``, a root
module's output), that is the point. Read by position (``x[*].name[1]``,
``element(x[*].name, 1)``), the same position now names another user, or none: a policy meant
for one user silently moves to the next. A ``locals`` value hands the list to its readers, a
module's output to its callers: their reads are judged the same way, up to the root. A module
input hands it to readers iam-prune does not follow, so that counts as a read by position.
"""

from __future__ import annotations

from iam_prune.fixes.syntaxwalk import nodes, read_whole
from iam_prune.fixes.workspace import Workspace, joined
from iam_prune.terraform.moduleconfig import local_calls
from iam_prune.terraform.syntax import Block, Expr, GetAttr


def list_read_whole(
    workspace: Workspace,
    directory: str,
    block: Block,
    root: Expr,
    node: Expr,
    *,
    listed: bool = True,
) -> bool:
    """Whether the collection ``node`` (inside ``root``, a value of ``block`` in
    ``directory``; a list unless ``listed`` is false) is read only whole, here and wherever a
    ``locals`` value or a module's output hands it on."""
    return _whole(workspace, directory, block, root, node, listed, frozenset())


def _whole(
    workspace: Workspace,
    directory: str,
    block: Block,
    root: Expr,
    node: Expr,
    listed: bool,
    seen: frozenset[str],
) -> bool:
    if not read_whole(root, node, listed=listed):
        return False
    if block.block_type == "module":
        return False  # a module input: its readers in the module are not followed
    if block.block_type == "locals":
        name = next((a.name for a in block.attributes if a.value is root), None)
        if name is None:
            return False
        readers = [(directory, f"local.{name}", name)]
    elif block.block_type == "output" and block.labels:
        readers = [
            (caller, f"module.{label}", block.labels[0])
            for caller, label in _callers(workspace, directory)
        ]
    else:
        return True  # a resource's argument, a root module's output: the value is the point
    where = f"{directory}:{block.block_type}:{root.span.start}"
    if where in seen:
        return False  # a cycle: Terraform refuses it anyway
    return all(
        _read_whole_by(workspace, folder, address, name, seen | {where})
        for folder, address, name in readers
    )


def _read_whole_by(
    workspace: Workspace, directory: str, address: str, name: str, seen: frozenset[str]
) -> bool:
    """Whether every read of ``address`` (``local.x``, or ``module.m``'s output ``name``) in
    ``directory`` takes it whole, and hands it on only to readers that do."""
    for _, use in workspace.uses(directory):
        traversal = use.traversal
        if traversal.address != address:
            continue
        module = address.startswith("module.")
        if module and traversal.attribute is None:
            return False  # the module's outputs as one object: read as it pleases
        if module and traversal.attribute != name:
            continue
        value = use.attribute.value
        read = next((n for n in nodes(value) if n.span == traversal.span), None)
        if not isinstance(read, GetAttr) or read.name != name:
            return False  # `module.team.names[1]`, `local.admins[0]`, or text not walked
        if not _whole(workspace, directory, use.block, value, read, True, seen):
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
