"""What an expression evaluates to, as far as it can be known without running Terraform.

The evaluator walks a ``syntax`` tree and produces a ``values`` value: literals, templates,
collections, ``var.*`` and ``local.*`` (through a ``Names`` the module layer supplies),
``each``/``count``/``for`` variables (through ``bindings``), indexing, attribute access,
conditionals, operators, splats and the functions in ``functions``. Anything it cannot know
(a resource attribute, a data source, the workspace, a function it does not model) becomes an
``Unknown`` whose reason says what stopped it, so a declaration it cannot name is reported
with that reason instead of a guess.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from iam_prune.terraform import functions
from iam_prune.terraform.rejection import Rejected, is_rejected
from iam_prune.terraform.syntax import (
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    Name,
    ObjectExpr,
    Operation,
    Splat,
    Template,
    TupleExpr,
    Unsupported,
)
from iam_prune.terraform.values import (
    Obj,
    Origin,
    Seq,
    Unknown,
    Value,
    a_type,
    deep_unknown,
    first_unknown,
    is_number,
    make_obj,
    make_seq,
    to_bool,
    to_number,
    to_string,
    type_name,
)

if TYPE_CHECKING:
    pass

Bindings = Mapping[str, Value]


class Names(Protocol):
    """What ``var.x`` and ``local.x`` mean where an expression is evaluated."""

    def variable(self, name: str) -> Value: ...

    def local(self, name: str) -> Value: ...


@runtime_checkable
class Files(Protocol):
    """Names that also know ``path.module``/``path.root`` and the repository's files, for
    ``file()``: a module instance read from disk does; an expression on its own does not."""

    def path(self, name: str) -> Value: ...

    def read_file(self, path: str) -> Value: ...


class NoNames:
    """A place with no variables or locals: every ``var.x``/``local.x`` is unknown."""

    def variable(self, name: str) -> Value:
        return Unknown(f"it needs the value of var.{name}")

    def local(self, name: str) -> Value:
        return Unknown(f"it needs the value of local.{name}")


@runtime_checkable
class Resources(Protocol):
    """Names that also know what ``terraform plan`` knows of a resource's attribute before
    apply: an argument the configuration writes and the provider keeps as written (an IAM
    user's ``name``). Anything else of a resource is known only after apply."""

    def resource_attribute(self, kind: str, label: str, name: str) -> Value: ...


_REFERENCE_ROOTS = {
    "module": "a module output, which is not evaluated",
    "data": "a data source, whose attributes are known only when Terraform reads it",
    "path": "a filesystem path, which depends on where Terraform runs",
    "terraform": "the Terraform workspace, which depends on where Terraform runs",
    "self": "`self`, which only provisioners have",
}
_ITERATORS = {
    "each": "`each` is only set in a block with `for_each`",
    "count": "`count` is only set in a block with `count`",
}


def evaluate(expr: Expr, names: Names, bindings: Bindings | None = None) -> Value:
    """The value of ``expr`` with ``names`` for var/local and ``bindings`` for the rest."""
    return _Evaluator(names).value(expr, dict(bindings or {}))


class _Evaluator:
    def __init__(self, names: Names) -> None:
        self.names = names

    def value(self, expr: Expr, bindings: dict[str, Value]) -> Value:
        handler = _HANDLERS[type(expr)]
        return handler(self, expr, bindings)

    # ------------------------------------------------------------------ literals

    def literal(self, expr: Literal, bindings: dict[str, Value]) -> Value:
        return expr.value

    def template(self, expr: Template, bindings: dict[str, Value]) -> Value:
        if len(expr.parts) == 1 and not isinstance(expr.parts[0], str):
            return self.value(expr.parts[0], bindings)  # "${x}" is x itself
        pieces: list[str] = []
        for part in expr.parts:
            text = part if isinstance(part, str) else to_string(self.value(part, bindings))
            if isinstance(text, Unknown):
                return text
            pieces.append(text)
        return "".join(pieces)

    def tuple_(self, expr: TupleExpr, bindings: dict[str, Value]) -> Value:
        items = [self.value(element.value, bindings) for element in expr.elements]
        return make_seq("tuple", items, [element.span for element in expr.elements])

    def object_(self, expr: ObjectExpr, bindings: dict[str, Value]) -> Value:
        entries: list[tuple[str, Value, Origin]] = []
        for entry in expr.entries:
            key = entry.key
            if key is None:
                computed = to_string(self.value(entry.key_expr, bindings))
                if isinstance(computed, Unknown):
                    return Unknown(f"an object key is unknown: {computed.reason}")
                key = computed
            entries.append((key, self.value(entry.value, bindings), entry.span))
        return make_obj("object", entries)

    def unsupported(self, expr: Unsupported, bindings: dict[str, Value]) -> Value:
        return Unknown(f"it uses {expr.what}, which iam-prune does not evaluate")

    # ------------------------------------------------------------------ references

    def name(self, expr: Name, bindings: dict[str, Value]) -> Value:
        if expr.name in bindings:
            return bindings[expr.name]
        if expr.name in _ITERATORS:
            return Unknown(_ITERATORS[expr.name])
        if expr.name in ("var", "local"):
            return Unknown(f"`{expr.name}` on its own is not a value")
        return self._unreachable(expr.name, None)

    def get_attr(self, expr: GetAttr, bindings: dict[str, Value]) -> Value:
        root = expr.target
        if isinstance(root, Name) and root.name not in bindings:
            if root.name == "var":
                return self.names.variable(expr.name)
            if root.name == "local":
                return self.names.local(expr.name)
            if root.name == "path" and isinstance(self.names, Files):
                return self.names.path(expr.name)
            if root.name not in _ITERATORS:
                return self._unreachable(root.name, expr.name)
        if (
            isinstance(root, GetAttr)
            and isinstance(root.target, Name)
            and root.target.name not in bindings
            and _is_resource_type(root.target.name)
            and isinstance(self.names, Resources)
        ):
            return self.names.resource_attribute(root.target.name, root.name, expr.name)
        return attribute(self.value(root, bindings), expr.name)

    def _unreachable(self, root: str, step: str | None) -> Unknown:
        if root in _REFERENCE_ROOTS:
            return Unknown(f"it refers to {_REFERENCE_ROOTS[root]}")
        if step is None:
            return Unknown(f"`{root}` is not a name iam-prune knows")
        return Unknown(
            f"it refers to {root}.{step}, a resource whose attributes are known only after apply"
        )

    def index(self, expr: Index, bindings: dict[str, Value]) -> Value:
        return index(self.value(expr.target, bindings), self.value(expr.key, bindings))

    def splat(self, expr: Splat, bindings: dict[str, Value]) -> Value:
        target = self.value(expr.target, bindings)
        if isinstance(target, Unknown):
            return target
        if target is None:
            return make_seq("tuple", [])
        seq = target if isinstance(target, Seq) else make_seq("tuple", [target])
        items: list[Value] = []
        for item in seq.items:
            for step in expr.steps:
                item = (
                    attribute(item, step)
                    if isinstance(step, str)
                    else index(item, self.value(step, bindings))
                )
            items.append(item)
        return make_seq("tuple", items, seq.origins)

    # ------------------------------------------------------------------ operations

    def call(self, expr: Call, bindings: dict[str, Value]) -> Value:
        if expr.name in ("try", "can") and not expr.expand_final:
            return self._try(expr, bindings)
        args = [self.value(arg, bindings) for arg in expr.args]
        if expr.expand_final and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            if not isinstance(last, Seq):
                return Unknown(f"`...` needs a list, not {a_type(last)}")
            args.extend(last.items)
        if expr.name == "file":
            return self._file(args)
        return functions.call(expr.name, args)

    def _try(self, expr: Call, bindings: dict[str, Value]) -> Value:
        """``try(a, b, ...)``: the first argument that is not an error; ``can(a)``: whether
        ``a`` is not one. An argument not known yet makes either unknown, as in Terraform
        (it may still turn out to be an error)."""
        if expr.name == "can" and len(expr.args) != 1:
            return Rejected(f"`can` was given {len(expr.args)} arguments (Terraform rejects it)")
        if not expr.args:
            return Rejected("`try` needs at least one argument (Terraform rejects it)")
        for arg in expr.args:
            value = self.value(arg, bindings)
            if not is_rejected(value):
                if isinstance(value, Unknown) or deep_unknown(value) is not None:
                    return Unknown(f"`{expr.name}` cannot tell yet: {_reason(value)}")
                return True if expr.name == "can" else value
            if expr.name == "can":
                return False
        return Rejected(f"every argument of `try` is an error, the last: {_reason(value)}")

    def _file(self, args: list[Value]) -> Value:
        unknown = first_unknown(args)
        if unknown is not None:
            return unknown
        if len(args) != 1 or not isinstance(args[0], str):
            return Rejected("`file` takes one path string (Terraform rejects it)")
        if not isinstance(self.names, Files):
            return Unknown(f'it reads the file "{args[0]}", which is not read here')
        return self.names.read_file(args[0])

    def conditional(self, expr: Conditional, bindings: dict[str, Value]) -> Value:
        condition = to_bool(self.value(expr.condition, bindings))
        if isinstance(condition, Unknown):
            return Unknown(f"its condition is unknown: {condition.reason}")
        return self.value(expr.if_true if condition else expr.if_false, bindings)

    def operation(self, expr: Operation, bindings: dict[str, Value]) -> Value:
        if expr.operator in ("&&", "||"):
            return self._logical(expr, bindings)
        operands = [self.value(operand, bindings) for operand in expr.operands]
        unknown = first_unknown(operands)
        if unknown is not None:
            return unknown
        if len(operands) == 1:
            return _unary(expr.operator, operands[0])
        return _binary(expr.operator, operands[0], operands[1])

    def _logical(self, expr: Operation, bindings: dict[str, Value]) -> Value:
        left = to_bool(self.value(expr.operands[0], bindings))
        decisive = expr.operator == "||"
        if left is decisive:
            return decisive
        right = to_bool(self.value(expr.operands[1], bindings))
        if isinstance(right, Unknown) or isinstance(left, Unknown):
            return left if isinstance(left, Unknown) else right
        return right

    def for_(self, expr: ForExpr, bindings: dict[str, Value]) -> Value:
        collection = self.value(expr.collection, bindings)
        if isinstance(collection, Unknown):
            return collection
        if not isinstance(collection, Seq | Obj):
            return Unknown(f"`for` needs a collection, not {a_type(collection)}")
        results: list[tuple[Value, Value, Origin]] = []
        for key, item, origin in _iterate(collection):
            scope = dict(bindings)
            if expr.key_var is not None:
                scope[expr.key_var] = key
            scope[expr.value_var] = item
            if expr.condition is not None:
                keep = to_bool(self.value(expr.condition, scope))
                if isinstance(keep, Unknown):
                    return Unknown(f"a `for` condition is unknown: {keep.reason}")
                if not keep:
                    continue
            result_key = None if expr.key is None else self.value(expr.key, scope)
            results.append((result_key, self.value(expr.value, scope), origin))
        if expr.key is None:
            return make_seq("tuple", [r[1] for r in results], [r[2] for r in results])
        return _for_object(results, grouping=expr.grouping)


def _reason(value: Value) -> str:
    found = deep_unknown(value)
    return found.reason if found is not None else "it is known"


def _iterate(collection: Seq | Obj) -> Iterator[tuple[Value, Value, Origin]]:
    if isinstance(collection, Obj):
        yield from collection.entries()
    elif collection.kind == "set":
        yield from ((item, item, origin) for item, origin in collection.pairs())
    else:
        yield from ((i, item, origin) for i, (item, origin) in enumerate(collection.pairs()))


def _for_object(results: list[tuple[Value, Value, Origin]], *, grouping: bool) -> Value:
    entries: dict[str, tuple[list[Value], list[Origin]]] = {}
    for key, item, origin in results:
        text = to_string(key)
        if isinstance(text, Unknown):
            return Unknown(f"a `for` key is unknown: {text.reason}")
        if text in entries and not grouping:
            return Unknown(
                f'the `for` expression makes the key "{text}" twice (Terraform rejects it)'
            )
        values, origins = entries.setdefault(text, ([], []))
        values.append(item)
        origins.append(origin)
    if grouping:
        return make_obj(
            "object", ((k, make_seq("tuple", v, o), None) for k, (v, o) in entries.items())
        )
    return make_obj("object", ((k, v[0], o[0]) for k, (v, o) in entries.items()))


_HANDLERS: dict[type, Callable[[_Evaluator, Expr, dict[str, Value]], Value]] = {
    Literal: _Evaluator.literal,  # type: ignore[dict-item]
    Template: _Evaluator.template,  # type: ignore[dict-item]
    TupleExpr: _Evaluator.tuple_,  # type: ignore[dict-item]
    ObjectExpr: _Evaluator.object_,  # type: ignore[dict-item]
    Unsupported: _Evaluator.unsupported,  # type: ignore[dict-item]
    Name: _Evaluator.name,  # type: ignore[dict-item]
    GetAttr: _Evaluator.get_attr,  # type: ignore[dict-item]
    Index: _Evaluator.index,  # type: ignore[dict-item]
    Splat: _Evaluator.splat,  # type: ignore[dict-item]
    Call: _Evaluator.call,  # type: ignore[dict-item]
    Conditional: _Evaluator.conditional,  # type: ignore[dict-item]
    Operation: _Evaluator.operation,  # type: ignore[dict-item]
    ForExpr: _Evaluator.for_,  # type: ignore[dict-item]
}


# --------------------------------------------------------------------------- value operations


def _is_resource_type(name: str) -> bool:
    """Whether ``name`` starts a resource reference (``aws_iam_user``), not another root."""
    return (
        name not in _REFERENCE_ROOTS
        and name not in _ITERATORS
        and name not in ("var", "local")
        and "_" in name
    )


def attribute(value: Value, name: str) -> Value:
    """``value.name``: an object attribute or map element."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Obj):
        found = value.get(name)
        if found is None:
            return Rejected(f"it asks for `{name}`, which the {value.kind} does not have")
        return found[0]
    return Rejected(f"it asks for `.{name}` of {a_type(value)} (Terraform rejects it)")


def index(value: Value, key: Value) -> Value:
    """``value[key]``: a list/tuple element by number or a map/object element by string."""
    if isinstance(value, Unknown):
        return value
    if isinstance(key, Unknown):
        return key
    if isinstance(value, Seq):
        if value.kind == "set":
            return Rejected("a set cannot be indexed (Terraform rejects it)")
        number = to_number(key)
        if isinstance(number, Unknown) or not float(number).is_integer():
            return Rejected(f"the index {key!r} is not a whole number")
        position = int(number)
        if not 0 <= position < len(value.items):
            return Rejected(f"the index {position} is out of range (Terraform rejects it)")
        return value.items[position]
    if isinstance(value, Obj):
        text = to_string(key)
        return attribute(value, text) if isinstance(text, str) else text
    return Rejected(f"{a_type(value)} cannot be indexed (Terraform rejects it)")


def _unary(symbol: str, operand: Value) -> Value:
    if symbol == "!":
        converted = to_bool(operand)
        return converted if isinstance(converted, Unknown) else not converted
    number = to_number(operand)
    return number if isinstance(number, Unknown) else -number


def _binary(symbol: str, left: Value, right: Value) -> Value:
    if symbol == "==":
        return _equal(left, right)
    if symbol == "!=":
        return not _equal(left, right)
    a, b = to_number(left), to_number(right)
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return a if isinstance(a, Unknown) else b
    if symbol in ("/", "%") and b == 0:
        return Unknown("division by zero (Terraform rejects it)")
    result = _ARITHMETIC[symbol](a, b)
    if isinstance(result, float) and result.is_integer():
        return int(result)
    return result


_ARITHMETIC: dict[str, Callable[[float, float], float | bool]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def _equal(left: Value, right: Value) -> bool:
    """Terraform's ``==``: values of different types are never equal (``1 != "1"``)."""
    if type_name(left) != type_name(right) and not (is_number(left) and is_number(right)):
        return False
    return bool(left == right)
