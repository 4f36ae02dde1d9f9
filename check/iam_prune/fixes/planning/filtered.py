"""Blocks keyed by the same ``for`` as the users, filtered: they follow a removed key.

``for_each = { for u in local.users : u.username => u }`` makes the users; a login profile
for some of them is ``for_each = { for p in local.users : p.username => p if p.console }``,
reading ``aws_iam_user.users[each.key]``. Both draw their keys from the same collection by
the same key expression, the second keeping fewer: when an element leaves the collection,
its key leaves both, and every key the filtered block keeps still names a user. (Were the
users filtered themselves, the other block must be filtered alike, or it could name a user
that was never made.)
"""

from __future__ import annotations

import re

from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.terraform.syntax import Attribute, Block, Expr, ForExpr, GetAttr, Name


def filtered_like(workspace: Workspace, directory: str, block: Block, address: str) -> bool:
    """Whether ``block``'s ``for_each`` is the ``for`` that keys resource ``address``, with a
    filter of its own (or none), the variables named as it likes."""
    mine = for_of(workspace, directory, block.attribute("for_each"))
    resource = _resource(workspace, directory, address)
    theirs = for_of(workspace, directory, resource.attribute("for_each")) if resource else None
    if mine is None or theirs is None or resource is None or block is resource:
        return False
    ours, their = mine[1], theirs[1]
    if ours.key is None or their.key is None or ours.grouping or their.grouping:
        return False
    if _text(mine[0], ours.collection) != _text(theirs[0], their.collection):
        return False
    if _renamed(mine[0], ours, ours.key) != _renamed(theirs[0], their, their.key):
        return False
    if their.condition is None:
        return True
    return ours.condition is not None and _renamed(mine[0], ours, ours.condition) == _renamed(
        theirs[0], their, their.condition
    )


def for_of(
    workspace: Workspace, directory: str, setting: Attribute | None
) -> tuple[Attribute, ForExpr] | None:
    """The ``for`` a ``for_each`` is: written there, or held whole by a local of the same
    module (``console_users = { for n, c in local.users : n => c if c.console }``, then
    ``for_each = local.console_users``), which is the same ``for`` under a name."""
    if setting is None:
        return None
    if isinstance(setting.value, ForExpr):
        return setting, setting.value
    value = setting.value
    if not isinstance(value, GetAttr):
        return None
    if isinstance(value.target, Name) and value.target.name == "local":
        held = _local(workspace, directory, value.name)
        if held is not None and isinstance(held.value, ForExpr):
            return held, held.value
    return None


def _local(workspace: Workspace, directory: str, name: str) -> Attribute | None:
    for parsed in workspace.config_files(directory):
        for block in parsed.blocks:
            if block.block_type == "locals":
                found = block.attribute(name)
                if found is not None:
                    return found
    return None


def _resource(workspace: Workspace, directory: str, address: str) -> Block | None:
    for parsed in workspace.config_files(directory):
        for block in parsed.blocks:
            if block.block_type == "resource" and ".".join(block.labels) == address:
                return block
    return None


def _text(setting: Attribute, node: Expr) -> str:
    start = node.span.start - setting.value_span.start
    end = node.span.end - setting.value_span.start
    return " ".join(setting.expression_text[start:end].split())


def _renamed(setting: Attribute, walk: ForExpr, node: Expr) -> str:
    """The text of ``node`` with the ``for``'s variables written as placeholders."""
    text = _text(setting, node)
    names = {walk.value_var: "\0value"}
    if walk.key_var is not None:
        names[walk.key_var] = "\0key"
    pattern = re.compile(rf"(?<![\w.-])({'|'.join(map(re.escape, names))})(?![\w-])")
    return pattern.sub(lambda m: names[m[1]], text)
