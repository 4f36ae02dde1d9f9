"""Walking expression trees: every node of an expression, and whether two are written alike.

Fixes look for shapes in expressions (``var.users[count.index]``, a list literal inside
``toset(...)``) wherever they are nested; the two helpers here are all of that walking.
"""

from __future__ import annotations

from collections.abc import Iterator

from iam_prune.terraform.expansion import shape
from iam_prune.terraform.syntax import (
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
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
