"""What a Terraform file says, as plain frozen dataclasses with exact source positions.

Parsed files are cached with pickle and produced in worker processes, so nothing here may
hold a parser object: only tuples, strings, numbers and these dataclasses. Both readers (HCL
through python-hcl2, ``.tf.json`` through the JSON scanner) produce the same types, so the
evaluator and the fixes never need to know which format a declaration came from.

Every expression node carries the span it occupies. List elements and object entries also
keep their source text and span: removing one user of many is an edit of one element.
"""

from __future__ import annotations

from dataclasses import dataclass

from iam_prune.model import SourceSpan
from iam_prune.pickling import fields_once
from iam_prune.terraform import TerraformError

# --------------------------------------------------------------------------- expressions


@fields_once
@dataclass(frozen=True, slots=True)
class Literal:
    """A string, number, bool or null whose value is known from the text alone."""

    value: str | int | float | bool | None
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class Template:
    """A string with interpolations: literal text pieces and ``${...}`` expressions, in order.

    A template that is one interpolation and nothing else (``"${var.users}"``) stands for the
    interpolated value itself, not its string form, as in Terraform.
    """

    parts: tuple[str | Expr, ...]
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class Name:
    """The first step of a reference: ``var``, ``local``, ``each``, ``aws_iam_user``, ..."""

    name: str
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class GetAttr:
    """``target.name``."""

    target: Expr
    name: str
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class Index:
    """``target[key]`` (and the legacy ``target.0``)."""

    target: Expr
    key: Expr
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class Splat:
    """``target[*].a.b`` or ``target.*.a``: ``steps`` (attribute names or index keys) are
    applied to every element of ``target``. ``legacy`` is the ``.*`` form, in which HCL
    applies only the attribute names to each element and an index to the list they make."""

    target: Expr
    steps: tuple[str | Expr, ...]
    span: SourceSpan
    legacy: bool = False


@fields_once
@dataclass(frozen=True, slots=True)
class Call:
    """``name(args...)``; ``expand_final`` is the ``...`` after the last argument."""

    name: str
    args: tuple[Expr, ...]
    expand_final: bool
    span: SourceSpan


class _HoldsValue:
    """What attributes, list elements and object entries share: the literals nested in their
    value (``elements`` when it is a ``[...]`` literal, ``entries`` for ``{...}``, else empty)."""

    __slots__ = ()  # the nodes carry no per-instance dict: a big root holds millions of them
    value: Expr

    @property
    def elements(self) -> tuple[ListElement, ...]:
        return elements_of(self.value)

    @property
    def entries(self) -> tuple[ObjectEntry, ...]:
        return entries_of(self.value)


@fields_once
@dataclass(frozen=True, slots=True)
class ListElement(_HoldsValue):
    """One element of a ``[...]`` literal: its text, its span and what it says."""

    text: str
    span: SourceSpan
    value: Expr


@fields_once
@dataclass(frozen=True, slots=True)
class ObjectEntry(_HoldsValue):
    """One ``key = value`` entry of a ``{...}`` literal.

    ``key`` is the key's value when the text alone says it (a bare name, a plain string, a
    number), ``None`` when it is computed (``(var.k) = ...``, ``"${x}" = ...``). ``span`` covers
    the whole entry, ``value_span`` the value only.
    """

    key_text: str
    key: str | None
    value_text: str
    span: SourceSpan
    value_span: SourceSpan
    key_expr: Expr
    value: Expr


@fields_once
@dataclass(frozen=True, slots=True)
class TupleExpr:
    """A ``[...]`` literal."""

    elements: tuple[ListElement, ...]
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class ObjectExpr:
    """A ``{...}`` literal."""

    entries: tuple[ObjectEntry, ...]
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class ForExpr:
    """``[for v in coll : value if cond]`` (``key`` is ``None``) or
    ``{for k, v in coll : key => value... if cond}``."""

    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None
    value: Expr
    condition: Expr | None
    grouping: bool
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class Conditional:
    """``condition ? if_true : if_false``."""

    condition: Expr
    if_true: Expr
    if_false: Expr
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class Operation:
    """A unary (``!x``, ``-x``) or binary (``a == b``, ``a + b``, ...) operation."""

    operator: str
    operands: tuple[Expr, ...]
    span: SourceSpan


@fields_once
@dataclass(frozen=True, slots=True)
class Unsupported:
    """Syntax the evaluator does not model (template directives, ...); ``what`` says which."""

    what: str
    span: SourceSpan


Expr = (
    Literal
    | Template
    | Name
    | GetAttr
    | Index
    | Splat
    | Call
    | TupleExpr
    | ObjectExpr
    | ForExpr
    | Conditional
    | Operation
    | Unsupported
)


def elements_of(expr: Expr) -> tuple[ListElement, ...]:
    """The elements of a ``[...]`` literal; empty for any other expression."""
    return expr.elements if isinstance(expr, TupleExpr) else ()


def entries_of(expr: Expr) -> tuple[ObjectEntry, ...]:
    """The entries of a ``{...}`` literal; empty for any other expression."""
    return expr.entries if isinstance(expr, ObjectExpr) else ()


# --------------------------------------------------------------------------- structure


@fields_once
@dataclass(frozen=True, slots=True)
class Attribute(_HoldsValue):
    """``name = expression``: ``span`` covers all of it, ``value_span`` the expression only."""

    name: str
    expression_text: str
    span: SourceSpan
    value_span: SourceSpan
    value: Expr


@fields_once
@dataclass(frozen=True, slots=True)
class Block:
    """A block such as ``resource "aws_iam_user" "alice" { ... }``.

    ``labels`` are the labels after the block type, unquoted (``("aws_iam_user", "alice")``);
    ``span`` runs from the block type to the closing brace.
    """

    block_type: str
    labels: tuple[str, ...]
    span: SourceSpan
    attributes: tuple[Attribute, ...] = ()
    blocks: tuple[Block, ...] = ()

    def attribute(self, name: str) -> Attribute | None:
        """The attribute called ``name``, or ``None`` when the block does not set it."""
        return next((a for a in self.attributes if a.name == name), None)


@fields_once
@dataclass(frozen=True, slots=True)
class ParsedFile:
    """The top-level blocks of one file, in source order, and its top-level attributes
    (which only ``.tfvars`` files have)."""

    path: str
    blocks: tuple[Block, ...]
    attributes: tuple[Attribute, ...] = ()


class ParseError(TerraformError):
    """A file that could not be parsed; ``line`` and ``column`` are 1-based when known."""

    def __init__(self, path: str, message: str, line: int | None, column: int | None) -> None:
        where = ":".join(str(part) for part in (path, line, column) if part is not None)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.message = message
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str, int | None, int | None]]:
        # Raised in worker processes and cached: it has to survive pickling with its fields.
        return (ParseError, (self.path, self.message, self.line, self.column))
