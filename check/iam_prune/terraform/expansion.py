"""``for_each`` and ``count``: how many instances a resource or module call has, and their keys.

Terraform's rules are followed, including the ones that reject: ``for_each`` takes a map, an
object or a set of strings (a list must go through ``toset``), ``count`` a whole number. Each
instance keeps the origin of the element that made it: the map entry or set element where it
is written, or, for ``count = length(list)`` when the block indexes that list with
``count.index``, the list element.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass

from iam_prune.terraform.addresses import WILDCARD, instance_key
from iam_prune.terraform.evaluate import Names, evaluate
from iam_prune.terraform.syntax import (
    Block,
    Call,
    Conditional,
    Expr,
    GetAttr,
    Index,
    Name,
    Template,
)
from iam_prune.terraform.values import (
    Obj,
    Origin,
    Seq,
    Unknown,
    Value,
    a_type,
    deep_unknown,
    make_obj,
    to_bool,
    to_number,
)

_NOT_SHAPE = {"span", "value_span", "text", "key_text", "value_text"}


@dataclass(frozen=True)
class Expanded:
    """One instance: its address suffix (``["k"]``, ``[0]``, ``""``, or ``[*]`` when unknown),
    the ``each``/``count`` bindings inside it, and where its key is written."""

    suffix: str
    bindings: Mapping[str, Value]
    origin: Origin = None

    @property
    def certain(self) -> bool:
        return self.suffix != WILDCARD


SINGLE = Expanded("", {})


def expand(block: Block, names: Names, consumers: Sequence[Expr] = ()) -> tuple[Expanded, ...]:
    """The instances of ``block``; one ``[*]`` instance when they cannot be known.

    ``consumers`` are the expressions that use the instance (a resource's ``name``, a module
    call's arguments): with ``count = length(x)``, an instance's origin is ``x``'s element only
    when one of them reads ``x[count.index]``.
    """
    for_each = block.attribute("for_each")
    if for_each is not None:
        value = evaluate(for_each.value, names)
        instances = _for_each(value)
        if isinstance(instances, Unknown):
            reason = f"for_each is `{for_each.expression_text}`: {instances.reason}"
            return (_wildcard("each", reason),)
        return tuple(instances)
    count = block.attribute("count")
    if count is not None:
        value = evaluate(count.value, names)
        number = _count(value)
        if isinstance(number, Unknown):
            reason = f"count is `{count.expression_text}`: {number.reason}"
            return (_wildcard("count", reason),)
        origins = _length_origins(count.value, names, consumers, number)
        return tuple(
            Expanded(
                instance_key(i), {"count": Obj("object", ("index",), (i,), (None,))}, origins[i]
            )
            for i in range(number)
        )
    return (SINGLE,)


def _for_each(value: Value) -> list[Expanded] | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Obj):
        return [
            Expanded(instance_key(key), {"each": _object(key=key, value=item)}, origin)
            for key, item, origin in value.entries()
        ]
    if isinstance(value, Seq) and value.kind == "set":
        unknown = deep_unknown(value)
        if unknown is not None:
            return unknown
        if not all(isinstance(item, str) for item in value.items):
            return Unknown("for_each needs a set of strings (Terraform rejects other sets)")
        return [
            Expanded(instance_key(str(item)), {"each": _object(key=item, value=item)}, origin)
            for item, origin in value.pairs()
        ]
    if isinstance(value, Seq):
        return Unknown(
            f"it is {a_type(value)}, and Terraform accepts only a map, an object or a set of "
            "strings (wrap it in toset())"
        )
    return Unknown(f"it is {a_type(value)}, not a map or set (Terraform rejects it)")


def _count(value: Value) -> int | Unknown:
    number = to_number(value) if value is not None else Unknown("count is null")
    if isinstance(number, Unknown):
        return number
    if not float(number).is_integer() or number < 0:
        return Unknown(f"{number} is not a whole number of instances (Terraform rejects it)")
    return int(number)


def _length_origins(
    count: Expr, names: Names, consumers: Sequence[Expr], number: int
) -> list[Origin]:
    none: list[Origin] = [None] * number
    if not (isinstance(count, Call) and count.name == "length" and len(count.args) == 1):
        return none
    (listed,) = count.args
    if not any(_indexes_by_count(consumer, listed) for consumer in consumers):
        return none
    value = evaluate(listed, names)
    if not isinstance(value, Seq) or len(value.origins) != number:
        return none
    return list(value.origins)


def _indexes_by_count(expr: Expr, listed: Expr) -> bool:
    """Whether ``expr`` contains ``listed[count.index]`` or ``element(listed, count.index)``."""
    target = shape(listed)
    for node in _walk(expr):
        if isinstance(node, Index) and _is_count_index(node.key) and shape(node.target) == target:
            return True
        if (
            isinstance(node, Call)
            and node.name == "element"
            and len(node.args) == 2
            and shape(node.args[0]) == target
            and _is_count_index(node.args[1])
        ):
            return True
    return False


def _is_count_index(expr: Expr) -> bool:
    return (
        isinstance(expr, GetAttr)
        and expr.name == "index"
        and isinstance(expr.target, Name)
        and expr.target.name == "count"
    )


def _walk(node: object) -> Iterator[object]:
    yield node
    if isinstance(node, tuple):
        for item in node:
            yield from _walk(item)
    elif is_dataclass(node) and not isinstance(node, type):
        for f in fields(node):
            if f.name not in _NOT_SHAPE:
                yield from _walk(getattr(node, f.name))


def shape(node: object) -> object:
    """``node`` without positions or source text: two spellings of one expression compare equal."""
    if isinstance(node, tuple):
        return tuple(shape(item) for item in node)
    if is_dataclass(node) and not isinstance(node, type):
        values = (shape(getattr(node, f.name)) for f in fields(node) if f.name not in _NOT_SHAPE)
        return (type(node).__name__, *values)
    return node


def _wildcard(name: str, reason: str) -> Expanded:
    return Expanded(WILDCARD, {name: Unknown(reason)})


def _index(index: int) -> Obj:
    return Obj("object", ("index",), (index,), (None,))


def _object(key: Value, value: Value) -> Obj:
    """``each``: an object of ``key`` and ``value`` (keys in lexical order, as ``make_obj``
    puts them; built directly, since a big ``for_each`` makes one per instance)."""
    return Obj("object", ("key", "value"), (key, value), (None, None))


def keyed_by_resource(block: Block, names: Names) -> str | None:
    """``type.name`` when the block's ``for_each`` is exactly another resource, or a
    conditional whose known condition chooses one (``var.create ? aws_iam_user.x : {}``: the
    other branch is an ordinary value, which ``expand`` evaluates). The evaluator does not
    know such a value (its attributes are known after apply), but its keys are the other
    resource's keys."""
    attribute = block.attribute("for_each")
    if attribute is None:
        return None
    value = attribute.value
    while isinstance(value, Conditional):
        condition = to_bool(evaluate(value.condition, names))
        if isinstance(condition, Unknown):
            return None
        value = value.if_true if condition else value.if_false
    if (
        isinstance(value, Template)
        and len(value.parts) == 1
        and not isinstance(value.parts[0], str)
    ):
        value = value.parts[0]  # `"${aws_iam_user.u}"` in `.tf.json` is the value itself
    if not (isinstance(value, GetAttr) and isinstance(value.target, Name)):
        return None
    if value.target.name in ("var", "local", "data", "module", "each", "count"):
        return None
    return f"{value.target.name}.{value.name}"


def keyed_like(key: str | int, config: str, origin: Origin) -> Expanded:
    """The instance with ``key`` of a block whose ``for_each`` is the resource ``config``:
    ``each.value`` is that resource's instance, known only after apply."""
    unknown = Unknown(f"each.value is an instance of {config}, known only after apply")
    each = make_obj("object", [("key", key, None), ("value", unknown, None)])
    return Expanded(instance_key(key), {"each": each}, origin)
