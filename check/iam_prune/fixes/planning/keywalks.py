"""Reads that walk a collection's own keys: they follow a removed key by themselves.

``[for name in keys(aws_iam_user.users) : ... local.users_map[name] ...]``, with the users
keyed by ``local.users_map``, only ever reads entries that exist: once ``cleo`` is taken out
of the map, her user goes and the walk no longer reaches her entry. The block loses her in
place, as it does any user it reads whole, and reads every other entry as before. (A walk
over the map itself reads the map whole, which a reader of an edited value may not.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from iam_prune.fixes.text.syntaxwalk import dotted_name, nodes
from iam_prune.terraform.syntax import Attribute, Call, Expr, ForExpr, Index, Name


def keys_walked(walk: ForExpr) -> tuple[str, Expr] | None:
    """``(variable, collection)`` when the ``for`` variable takes the collection's keys:
    ``for v in keys(E)``, or the key variable of ``for k, v in E`` (for a map; of a list it
    is the index, which the caller rules out by what ``E`` is)."""
    collection = walk.collection
    if isinstance(collection, Call) and collection.name == "keys" and len(collection.args) == 1:
        return walk.value_var, collection.args[0]  # `for i, v in keys(E)`: `v` is a key
    if walk.key_var is not None:
        return walk.key_var, collection
    return None


def walked_reads(
    attribute: Attribute, name: str, same_keys: Callable[[str], bool]
) -> Iterator[Index]:
    """The reads ``name[v]`` in ``attribute`` where ``v`` walks the keys of a collection
    ``same_keys`` says is keyed like ``name`` (a resource whose ``for_each`` is ``name``)."""
    for walk in (n for n in nodes(attribute.value) if isinstance(n, ForExpr)):
        walked = keys_walked(walk)
        if walked is None:
            continue
        variable, collection = walked
        over = dotted_name(collection)
        if over is None or not same_keys(over):
            continue
        if _shadowed(walk, variable):
            continue
        for node in nodes(walk):
            if (
                isinstance(node, Index)
                and dotted_name(node.target) == name
                and isinstance(node.key, Name)
                and node.key.name == variable
            ):
                yield node


def _shadowed(walk: ForExpr, variable: str) -> bool:
    """Whether a ``for`` inside the walk binds the same name again (its reads are not the
    walk's keys)."""
    return any(
        isinstance(n, ForExpr) and n is not walk and variable in (n.key_var, n.value_var)
        for n in nodes(walk)
    )


def aside(attribute: Attribute, reads: list[Index]) -> str:
    """The attribute's text without ``reads``."""
    text = attribute.expression_text
    base = attribute.value_span.start
    for read in sorted(reads, key=lambda r: r.span.start, reverse=True):
        text = text[: read.span.start - base] + text[read.span.end - base :]
    return text
