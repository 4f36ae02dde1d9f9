"""Walking expression trees: every node of an expression, whether two are written alike, and
whether a list is read only as a whole.

Fixes look for shapes in expressions (``var.users[count.index]``, a list literal inside
``toset(...)``) wherever they are nested; the helpers here are all of that walking.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TypeGuard

from iam_prune.terraform.expansion import shape
from iam_prune.terraform.syntax import (
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Name,
    ObjectExpr,
    Operation,
    Splat,
    Template,
    TupleExpr,
)


def children(expr: Expr) -> tuple[Expr, ...]:
    """The expressions directly inside ``expr``."""
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, Conditional):
        return (expr.condition, expr.if_true, expr.if_false)
    if isinstance(expr, Operation):
        return expr.operands
    if isinstance(expr, ForExpr):
        return tuple(e for e in (expr.collection, expr.key, expr.value, expr.condition) if e)
    if isinstance(expr, Template):
        return tuple(part for part in expr.parts if not isinstance(part, str))
    if isinstance(expr, GetAttr):
        return (expr.target,)
    if isinstance(expr, Index):
        return (expr.target, expr.key)
    if isinstance(expr, Splat):
        return (expr.target, *(step for step in expr.steps if not isinstance(step, str)))
    if isinstance(expr, TupleExpr):
        return tuple(element.value for element in expr.elements)
    if isinstance(expr, ObjectExpr):
        return tuple(part for entry in expr.entries for part in (entry.key_expr, entry.value))
    return ()


def nodes(expr: Expr) -> Iterator[Expr]:
    """``expr`` and every expression inside it, each before its own children."""
    yield expr
    for child in children(expr):
        yield from nodes(child)


def same_shape(left: Expr | None, right: Expr | None) -> bool:
    """Whether two expressions are written alike, wherever they are (positions ignored)."""
    return left is not None and right is not None and shape(left) == shape(right)


# Functions whose result does not depend on the positions of their list argument's elements,
# or that hand the whole list on (its readers are judged in turn).
_WHOLE_LIST_FUNCTIONS = frozenset(
    {"compact", "concat", "contains", "distinct", "flatten", "join", "jsonencode", "keys"}
    | {"length", "setproduct", "sort", "toset", "tolist", "values", "yamlencode"}
)


def read_whole(root: Expr, node: Expr, *, listed: bool = True) -> bool:
    """Whether the collection ``node`` (inside ``root``; a list unless ``listed`` is false)
    is read only as a whole: nothing picks an element by its position (``x[*].name[1]``,
    ``element(x[*].name, 1)``, ``slice(...)``, the index of ``for i, v in ...``), which
    would name another element once the list is shorter."""
    if isinstance(node, Splat) and node.legacy and any(not isinstance(s, str) for s in node.steps):
        return False  # `x.*.name[1]`: the index picks from the list of names
    path = path_to(root, node)
    if path is None:
        return False
    for parent, child in itertools.pairwise(path):
        if isinstance(parent, Call):
            if parent.name not in _WHOLE_LIST_FUNCTIONS:
                return False
        elif isinstance(parent, ForExpr):
            if child is parent.collection and parent.key_var is not None and listed:
                return False  # `for i, v in list`: `i` is a position
            listed = True  # what a `for` makes, or reads per element, is judged as a list
        elif isinstance(parent, Splat):
            if child is not parent.target or not read_whole(parent, parent):
                return False  # `x[*].tags[*]` maps each element; an index key is a position
        elif not isinstance(parent, ForExpr | Template | Conditional | TupleExpr | ObjectExpr):
            return False  # an index, an attribute, an operation on what the list gives
    return True


def path_to(root: Expr, node: Expr) -> list[Expr] | None:
    """``root`` down to ``node`` (the same object), both included."""
    if root is node:
        return [root]
    for child in children(root):
        below = path_to(child, node)
        if below is not None:
            return [root, *below]
    return None


def parent_of(root: Expr, node: Expr) -> Expr | None:
    """The expression directly around ``node`` (the same object) inside ``root``."""
    path = path_to(root, node)
    return path[-2] if path is not None and len(path) > 1 else None


def dotted_name(expr: object) -> str | None:
    """``a.b`` when ``expr`` is exactly that two-part reference (``aws_iam_user.u``,
    ``each.key``, ``count.index``)."""
    if isinstance(expr, GetAttr) and isinstance(expr.target, Name):
        return f"{expr.target.name}.{expr.name}"
    return None


def is_count_index(expr: object) -> TypeGuard[GetAttr]:
    return dotted_name(expr) == "count.index"
