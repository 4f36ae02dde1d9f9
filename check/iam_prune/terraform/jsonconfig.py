"""Terraform's JSON syntax (``.tf.json``, ``.tfvars.json``) read into the same blocks as HCL.

In ``.tf.json`` the nesting of objects stands for block labels
(``{"resource": {"aws_iam_user": {"alice": {...}}}}``), any level may be an array of such
objects, and strings are templates (``"${var.name}"``) except where Terraform says they are
plain values (``source``, a variable's ``default``) or a type (a variable's ``type``).
``.tfvars.json`` holds plain values only.
"""

from __future__ import annotations

from collections.abc import Iterator

from iam_prune.model import SourceSpan
from iam_prune.terraform.jsonsyntax import JsonMember, JsonSyntaxError, JsonValue, scan
from iam_prune.terraform.spans import LineIndex
from iam_prune.terraform.syntax import (
    Attribute,
    Block,
    Expr,
    ListElement,
    Literal,
    ObjectEntry,
    ObjectExpr,
    ParsedFile,
    ParseError,
    TupleExpr,
)
from iam_prune.terraform.templates import split_template


def _expression(text: str, span: SourceSpan, lines: LineIndex) -> Expr:
    """An expression written in a JSON string, read with python-hcl2, which is imported here
    at the first such string rather than by every run (see ``parse.parse_region``)."""
    from iam_prune.terraform.hcl import parse_expression

    return parse_expression(text, span, lines)


# How many labels each block type has; other top-level keys are not blocks this tool reads.
_LABELS = {
    "resource": 2,
    "data": 2,
    "module": 1,
    "variable": 1,
    "output": 1,
    "provider": 1,
    "locals": 0,
    "terraform": 0,
    "moved": 0,
    "import": 0,
    "removed": 0,
}
# Arguments whose strings are not templates.
_PLAIN = {"module": {"source", "version"}, "variable": {"default", "description"}}
_COMMENT = "//"
# Arguments whose strings are expressions written without ``${}`` (references, mostly), by
# block type; ``*`` is any block. ``lifecycle`` is a nested block of its own.
_EXPRESSIONS = {
    "*": {"depends_on"},
    "lifecycle": {"replace_triggered_by"},
    "moved": {"from", "to"},
    "import": {"to"},
    "removed": {"from"},
}
_NESTED = {"lifecycle"}


def parse_json(rel_path: str, text: str, *, values_only: bool) -> ParsedFile:
    """A ``.tf.json`` file's blocks, or (``values_only``) a ``.tfvars.json`` file's values."""
    lines = LineIndex(rel_path, text)
    try:
        document = scan(text)
    except JsonSyntaxError as error:
        raise ParseError(
            rel_path, error.message, lines.line(error.position), lines.column(error.position)
        ) from error
    except RecursionError as error:
        raise ParseError(rel_path, "nested too deeply", None, None) from error
    if document.kind != "object":
        line = lines.line(document.start)
        raise ParseError(rel_path, "the top level is not a JSON object", line, 1)
    reader = _Reader(lines)
    if values_only:
        attributes = tuple(reader.attribute(m, templates=False) for m in _members(document))
        return ParsedFile(rel_path, (), attributes)
    blocks = tuple(
        block
        for member in _members(document)
        if member.key in _LABELS
        for block in reader.blocks(member)
    )
    return ParsedFile(rel_path, blocks)


def _members(value: JsonValue) -> Iterator[JsonMember]:
    return (m for m in value.members if m.key != _COMMENT)


def _objects(value: JsonValue) -> Iterator[JsonValue]:
    """An object, or each object of an array of them (Terraform accepts both at every level)."""
    if value.kind == "object":
        yield value
    elif value.kind == "array":
        yield from (item for item in value.items if item.kind == "object")


class _Reader:
    def __init__(self, lines: LineIndex) -> None:
        self.lines = lines

    def span(self, start: int, end: int) -> SourceSpan:
        return self.lines.span(start, end)

    def blocks(self, member: JsonMember) -> Iterator[Block]:
        block_type = member.key
        yield from self._labelled(block_type, (), member, _LABELS[block_type])

    def _labelled(
        self, block_type: str, labels: tuple[str, ...], member: JsonMember, remaining: int
    ) -> Iterator[Block]:
        for body in _objects(member.value):
            if remaining == 0:
                # A body given directly under its last label is the label member's range;
                # one of several bodies in an array is its own object.
                whole = member.value.kind == "object"
                start, end = (member.start, member.end) if whole else (body.start, body.end)
                yield self._block(block_type, labels, body, self.span(start, end))
                continue
            for inner in _members(body):
                yield from self._labelled(block_type, (*labels, inner.key), inner, remaining - 1)

    def _block(
        self, block_type: str, labels: tuple[str, ...], body: JsonValue, span: SourceSpan
    ) -> Block:
        plain = _PLAIN.get(block_type, set())
        written = _EXPRESSIONS["*"] | _EXPRESSIONS.get(block_type, set())
        attributes: list[Attribute] = []
        nested: list[Block] = []
        for m in _members(body):
            if block_type == "variable" and m.key == "type":
                attributes.append(self._typed(m))
            elif m.key in written:
                attributes.append(self._expressions(m))
            elif m.key in _NESTED and labels and block_type in ("resource", "data", "module"):
                for inner in _objects(m.value):
                    span_of = self.span(inner.start, inner.end)
                    nested.append(self._block(m.key, (), inner, span_of))
            else:
                attributes.append(self.attribute(m, templates=m.key not in plain))
        return Block(block_type, labels, span, tuple(attributes), tuple(nested))

    def _expressions(self, member: JsonMember) -> Attribute:
        """An argument whose strings are expressions (``"depends_on": ["aws_iam_user.a"]``)."""
        attribute = self.attribute(member, templates=False)
        return Attribute(
            attribute.name,
            attribute.expression_text,
            attribute.span,
            attribute.value_span,
            self._expression_strings(member.value),
        )

    def _expression_strings(self, value: JsonValue) -> Expr:
        span = self.span(value.start, value.end)
        if value.kind == "array":
            elements = tuple(
                ListElement(
                    self.lines.source(self.span(item.start, item.end)),
                    self.span(item.start, item.end),
                    self._expression_strings(item),
                )
                for item in value.items
            )
            return TupleExpr(elements, span)
        if value.kind == "string" and isinstance(value.scalar, str):
            return _expression(value.scalar, span, self.lines)
        return self.expression(value, templates=False)

    def attribute(self, member: JsonMember, *, templates: bool) -> Attribute:
        value_span = self.span(member.value.start, member.value.end)
        return Attribute(
            name=member.key,
            expression_text=self.lines.source(value_span),
            span=self.span(member.start, member.end),
            value_span=value_span,
            value=self.expression(member.value, templates=templates),
        )

    def _typed(self, member: JsonMember) -> Attribute:
        """A variable's ``type``: a string holding a type expression such as ``set(string)``."""
        attribute = self.attribute(member, templates=False)
        value = member.value
        if value.kind != "string" or not isinstance(value.scalar, str):
            return attribute
        typed = _expression(value.scalar, attribute.value_span, self.lines)
        return Attribute(
            attribute.name, attribute.expression_text, attribute.span, attribute.value_span, typed
        )

    def expression(self, value: JsonValue, *, templates: bool) -> Expr:
        span = self.span(value.start, value.end)
        if value.kind == "object":
            return ObjectExpr(tuple(self._entry(m, templates) for m in _members(value)), span)
        if value.kind == "array":
            elements = tuple(
                ListElement(
                    self.lines.source(self.span(item.start, item.end)),
                    self.span(item.start, item.end),
                    self.expression(item, templates=templates),
                )
                for item in value.items
            )
            return TupleExpr(elements, span)
        if value.kind == "string" and templates and isinstance(value.scalar, str):
            return split_template(
                value.scalar, span, lambda text: _expression(text, span, self.lines)
            )
        return Literal(value.scalar, span)

    def _entry(self, member: JsonMember, templates: bool) -> ObjectEntry:
        key_span = self.span(member.start, member.key_end)
        value_span = self.span(member.value.start, member.value.end)
        return ObjectEntry(
            key_text=self.lines.source(key_span),
            key=member.key,
            value_text=self.lines.source(value_span),
            span=self.span(member.start, member.end),
            value_span=value_span,
            key_expr=Literal(member.key, key_span),
            value=self.expression(member.value, templates=templates),
        )
