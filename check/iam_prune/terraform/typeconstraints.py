"""A variable's ``type`` constraint, and the conversion Terraform applies to its value.

The conversion matters for expansion: ``for_each = var.users`` is accepted by Terraform when
``users`` is declared ``set(string)`` even though its default is written ``["a", "b"]``, and
rejected when it has no type. Only the structural conversions are modelled (to set, list, map,
object with optional attributes, and between primitive types); the value's origins survive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iam_prune.terraform.syntax import Call, Expr, Literal, Name, ObjectExpr, TupleExpr
from iam_prune.terraform.values import (
    Obj,
    Origin,
    Seq,
    Unknown,
    Value,
    a_type,
    make_obj,
    make_seq,
    to_bool,
    to_number,
    to_string,
)

_PRIMITIVES = {"string", "number", "bool", "any"}
_LEGACY = {"string": "string", "list": "list", "map": "map"}


@dataclass(frozen=True)
class TypeSpec:
    """``kind`` is a primitive (``string``, ``number``, ``bool``, ``any``) or a collection
    (``list``, ``set``, ``map`` with ``element``; ``tuple`` with ``elements``; ``object`` with
    ``attributes``: name, type, optional, default)."""

    kind: str
    element: TypeSpec | None = None
    elements: tuple[TypeSpec, ...] = ()
    attributes: tuple[tuple[str, TypeSpec, bool, Value], ...] = ()


ANY = TypeSpec("any")


def parse_type(expr: Expr, constant: Callable[[Expr], Value]) -> TypeSpec | None:
    """The type ``expr`` describes, or ``None`` for syntax not modelled (no conversion then).

    ``constant`` evaluates an ``optional(type, default)`` default.
    """
    if isinstance(expr, Name) and expr.name in _PRIMITIVES:
        return TypeSpec(expr.name)
    if isinstance(expr, Literal) and isinstance(expr.value, str) and expr.value in _LEGACY:
        # Terraform 0.11 wrote `type = "map"`; it means a collection of anything.
        kind = _LEGACY[expr.value]
        return TypeSpec(kind) if kind == "string" else TypeSpec(kind, ANY)
    if not isinstance(expr, Call) or len(expr.args) != 1:
        return None
    (arg,) = expr.args
    if expr.name in ("list", "set", "map"):
        element = parse_type(arg, constant)
        return None if element is None else TypeSpec(expr.name, element)
    if expr.name == "tuple" and isinstance(arg, TupleExpr):
        elements = [parse_type(e.value, constant) for e in arg.elements]
        if any(e is None for e in elements):
            return None
        return TypeSpec("tuple", elements=tuple(e for e in elements if e is not None))
    if expr.name == "object" and isinstance(arg, ObjectExpr):
        return _object_type(arg, constant)
    return None


def _object_type(arg: ObjectExpr, constant: Callable[[Expr], Value]) -> TypeSpec | None:
    attributes: list[tuple[str, TypeSpec, bool, Value]] = []
    for entry in arg.entries:
        if entry.key is None:
            return None
        value: Expr = entry.value
        optional = isinstance(value, Call) and value.name == "optional" and bool(value.args)
        default: Value = None
        if isinstance(value, Call) and optional:
            if len(value.args) > 1:
                default = constant(value.args[1])
            value = value.args[0]
        spec = parse_type(value, constant)
        if spec is None:
            return None
        attributes.append((entry.key, spec, optional, default))
    return TypeSpec("object", attributes=tuple(attributes))


def convert(value: Value, spec: TypeSpec) -> Value:
    """``value`` converted to ``spec`` as Terraform would, or ``Unknown`` saying why it fails."""
    if value is None or isinstance(value, Unknown) or spec.kind == "any":
        return value
    if spec.kind == "string":
        return _primitive(value, to_string(value) if not isinstance(value, Seq | Obj) else None)
    if spec.kind == "number":
        return _primitive(value, to_number(value) if not isinstance(value, Seq | Obj) else None)
    if spec.kind == "bool":
        return _primitive(value, to_bool(value) if not isinstance(value, Seq | Obj) else None)
    if spec.kind in ("list", "set") and isinstance(value, Seq) and spec.element is not None:
        items = [convert(item, spec.element) for item in value.items]
        return make_seq("set" if spec.kind == "set" else "list", items, value.origins)
    if spec.kind == "tuple" and isinstance(value, Seq) and len(value.items) == len(spec.elements):
        items = [convert(i, s) for i, s in zip(value.items, spec.elements, strict=True)]
        return make_seq("tuple", items, value.origins)
    if spec.kind == "map" and isinstance(value, Obj) and spec.element is not None:
        element = spec.element
        return make_obj("map", ((k, convert(v, element), o) for k, v, o in value.entries()))
    if spec.kind == "object" and isinstance(value, Obj):
        return _to_object(value, spec)
    return Unknown(f"{a_type(value)} does not convert to {describe(spec)}")


def _primitive(value: Value, converted: Value) -> Value:
    if converted is None:
        return Unknown(f"{a_type(value)} is not a primitive value (Terraform rejects it)")
    return converted


def _to_object(value: Obj, spec: TypeSpec) -> Value:
    entries: list[tuple[str, Value, Origin]] = []
    for name, attribute_type, optional, default in spec.attributes:
        found = value.get(name)
        if found is None:
            if not optional:
                return Unknown(f"the object has no attribute `{name}`, which its type requires")
            entries.append((name, default, None))
        else:
            item, origin = found
            entries.append((name, convert(item, attribute_type), origin))
    return make_obj("object", entries)


def describe(spec: TypeSpec) -> str:
    """The type as Terraform writes it."""
    if spec.element is not None:
        return f"{spec.kind}({describe(spec.element)})"
    if spec.kind == "tuple":
        return "tuple([" + ", ".join(describe(e) for e in spec.elements) + "])"
    if spec.kind == "object":
        inner = ", ".join(f"{n} = {describe(t)}" for n, t, _, _ in spec.attributes)
        return "object({" + inner + "})"
    return spec.kind
