"""python-hcl2 parse trees converted into ``syntax`` nodes with exact source positions.

python-hcl2 8 keeps character positions on its parse tree (``_meta.start_pos``/``end_pos``),
not in what ``loads`` returns, so this walks the tree itself. It is the only module that
touches hcl2 or lark objects: they are converted here and never travel further (they are
neither cheap to pickle nor stable across library versions).
"""

from __future__ import annotations

import re
import sys
from typing import Any

import hcl2
from hcl2.rules.abstract import LarkRule, LarkToken
from hcl2.rules.base import AttributeRule, BlockRule, BodyRule
from hcl2.rules.containers import (
    ObjectElemKeyExpressionRule,
    ObjectElemKeyRule,
    ObjectElemRule,
    ObjectRule,
    TupleRule,
)
from hcl2.rules.expressions import BinaryOpRule, ConditionalRule, ExprTermRule, UnaryOpRule
from hcl2.rules.for_expressions import ForObjectExprRule, ForTupleExprRule
from hcl2.rules.functions import FunctionCallRule
from hcl2.rules.indexing import (
    AttrSplatExprTermRule,
    FullSplatExprTermRule,
    GetAttrExprTermRule,
    GetAttrRule,
    IndexExprTermRule,
    ShortIndexRule,
    SqbIndexRule,
)
from hcl2.rules.literal_rules import (
    FloatLitRule,
    IdentifierRule,
    IntLitRule,
    KeywordRule,
    LiteralValueRule,
)
from hcl2.rules.strings import (
    HeredocTemplateRule,
    HeredocTrimTemplateRule,
    InterpolationRule,
    StringPartRule,
    StringRule,
)
from lark.exceptions import LarkError

from iam_prune.model import SourceSpan
from iam_prune.terraform.spans import LineIndex
from iam_prune.terraform.syntax import (
    Attribute,
    Block,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    ListElement,
    Literal,
    Name,
    ObjectEntry,
    ObjectExpr,
    Operation,
    Splat,
    Template,
    TupleExpr,
    Unsupported,
)
from iam_prune.terraform.templates import split_template

_LITERALS: dict[str, bool | None] = {"true": True, "false": False, "null": None}
_ESCAPE = re.compile(r"\\(?:([nrt\"\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEREDOC_HEAD = re.compile(r"<<(-?)([A-Za-z][\w.-]*)\r?\n")


class Converter:
    """Converts the nodes of one file's parse tree.

    ``fixed`` pins every span to one range: an expression parsed out of a JSON string or a
    heredoc has no position of its own in the file, only its container's.
    """

    def __init__(
        self,
        lines: LineIndex,
        fixed: SourceSpan | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> None:
        self.lines = lines
        self.fixed = fixed
        self.offset = offset  # where the parsed text starts in ``lines.text``
        # Where it ends: a token may reach past it into the newline python-hcl2 appends.
        self.limit = len(lines.text) if limit is None else limit

    # ------------------------------------------------------------------ structure

    def blocks(self, body: BodyRule) -> tuple[Block, ...]:
        return tuple(self.block(child) for child in body.children if isinstance(child, BlockRule))

    def attributes(self, body: BodyRule) -> tuple[Attribute, ...]:
        return tuple(
            self.attribute(child) for child in body.children if isinstance(child, AttributeRule)
        )

    def block(self, node: BlockRule) -> Block:
        block_type, *labels = (self._label(label) for label in node.labels)
        return Block(
            block_type=block_type,
            labels=tuple(labels),
            span=self.span(node),
            attributes=self.attributes(node.body),
            blocks=self.blocks(node.body),
        )

    def attribute(self, node: AttributeRule) -> Attribute:
        value_span = self.span(node.expression)
        return Attribute(
            # A keyword name (`for_each`) is normalised to an identifier that carries the whole
            # attribute's position, so the name comes from the token, not the text.
            name=str(node.identifier.token.value),
            expression_text=self.lines.source(value_span),
            span=self.span(node),
            value_span=value_span,
            value=self.expression(node.expression),
        )

    def _label(self, node: LarkRule) -> str:
        # Terraform allows only identifiers as labels, quoted or not: nothing to unescape.
        if isinstance(node, IdentifierRule | KeywordRule):
            return str(node.token.value)
        return self.text(node).removeprefix('"').removesuffix('"')

    # ------------------------------------------------------------------ positions

    def span(self, node: LarkRule, fallback: SourceSpan | None = None) -> SourceSpan:
        """A node's span, without the trailing whitespace some tokens swallow."""
        if self.fixed is not None:
            return self.fixed
        start = getattr(node._meta, "start_pos", None)
        end = getattr(node._meta, "end_pos", None)
        if not isinstance(start, int) or not isinstance(end, int):
            if fallback is None:
                raise LarkError(f"no position on {type(node).__name__}")
            return fallback
        start, end = start + self.offset, min(end + self.offset, self.limit)
        end = start + len(self.lines.text[start:end].rstrip())
        return self.lines.span(start, end)

    def text(self, node: LarkRule) -> str:
        return self.lines.source(self.span(node))

    # ------------------------------------------------------------------ expressions

    def expression(self, node: Any) -> Expr:
        span = self.span(node)
        if isinstance(node, ExprTermRule):
            return self.expression(node.expression)
        if isinstance(node, IdentifierRule | KeywordRule):
            return Name(str(node.token.value), span)
        if isinstance(node, LiteralValueRule):
            return Literal(_LITERALS[str(node.token.value)], span)
        if isinstance(node, IntLitRule):
            return Literal(int(str(node.token.value)), span)
        if isinstance(node, FloatLitRule):
            return _number(str(node.token.value), span)
        if isinstance(node, StringRule):
            return self._string(node, span)
        if isinstance(node, HeredocTemplateRule):  # `<<-` is a subclass of `<<`
            trim = isinstance(node, HeredocTrimTemplateRule)
            return self._heredoc(str(node.heredoc.value), span, trim=trim)
        if isinstance(node, TupleRule):
            return TupleExpr(tuple(self._element(e) for e in node.elements), span)
        if isinstance(node, ObjectRule):
            return ObjectExpr(tuple(self._entry(e) for e in node.elements), span)
        return self._operation(node, span)

    def _operation(self, node: Any, span: SourceSpan) -> Expr:
        if isinstance(node, GetAttrExprTermRule):
            return GetAttr(self.expression(node.expr_term), self._attr_name(node.get_attr), span)
        if isinstance(node, IndexExprTermRule):
            target, index = node.children[0], node.children[1]
            return Index(self.expression(target), self._index_key(index, span), span)
        if isinstance(node, AttrSplatExprTermRule | FullSplatExprTermRule):
            steps = tuple(self._splat_step(step, span) for step in node.attr_splat.get_attrs)
            legacy = isinstance(node, AttrSplatExprTermRule)
            return Splat(self.expression(node.expr_term), steps, span, legacy)
        if isinstance(node, FunctionCallRule):
            return self._call(node, span)
        if isinstance(node, ConditionalRule):
            return Conditional(
                self.expression(node.condition),
                self.expression(node.if_true),
                self.expression(node.if_false),
                span,
            )
        if isinstance(node, BinaryOpRule):
            term = node.binary_term
            operator = str(term.binary_operator.token.value).strip()
            operands = (self.expression(node.expr_term), self.expression(term.expr_term))
            return Operation(operator, operands, span)
        if isinstance(node, UnaryOpRule):
            return Operation(node.operator.strip(), (self.expression(node.expr_term),), span)
        if isinstance(node, ForTupleExprRule | ForObjectExprRule):
            return self._for(node, span)
        return Unsupported(f"`{self.lines.source(span)}`", span)

    def _element(self, node: LarkRule) -> ListElement:
        span = self.span(node)
        return ListElement(self.lines.source(span), span, self.expression(node))

    def _entry(self, node: ObjectElemRule) -> ObjectEntry:
        key_node = node.key
        key_span = self.span(key_node)
        value_span = self.span(node.expression)
        key_expr, key = self._key(key_node, key_span)
        return ObjectEntry(
            key_text=self.lines.source(key_span),
            key=key,
            value_text=self.lines.source(value_span),
            span=self.span(node),
            value_span=value_span,
            key_expr=key_expr,
            value=self.expression(node.expression),
        )

    def _key(self, node: LarkRule, span: SourceSpan) -> tuple[Expr, str | None]:
        """An object key: a bare name is the name itself, anything in parentheses is computed."""
        if isinstance(node, ObjectElemKeyExpressionRule):
            return self.expression(node.expression), None
        inner = node.value if isinstance(node, ObjectElemKeyRule) else node
        if isinstance(inner, IdentifierRule | KeywordRule | LiteralValueRule):
            name = str(inner.token.value)
            return Literal(name, span), name
        expr = self.expression(inner)
        if isinstance(expr, Literal) and expr.value is not None:
            key = _key_string(expr.value)
            return Literal(key, span), key
        return expr, None

    def _attr_name(self, node: GetAttrRule) -> str:
        return str(node.identifier.token.value)

    def _index_key(self, node: Any, span: SourceSpan) -> Expr:
        if isinstance(node, SqbIndexRule):
            return self.expression(node.index_expression)
        if isinstance(node, ShortIndexRule):
            return Literal(int(str(node.index.value)), self.span(node, span))
        return Unsupported("an index", span)

    def _splat_step(self, node: Any, span: SourceSpan) -> str | Expr:
        if isinstance(node, GetAttrRule):
            return self._attr_name(node)
        return self._index_key(node, span)

    def _call(self, node: FunctionCallRule, span: SourceSpan) -> Call:
        name = "::".join(str(identifier.token.value) for identifier in node.identifiers)
        arguments = node.arguments
        if arguments is None:
            return Call(name, (), False, span)
        args = tuple(self.expression(argument) for argument in arguments.arguments)
        return Call(name, args, arguments.has_ellipsis, span)

    def _for(self, node: ForTupleExprRule | ForObjectExprRule, span: SourceSpan) -> ForExpr:
        intro = node.for_intro
        first = str(intro.first_iterator.token.value)
        second = intro.second_iterator
        condition = node.condition
        return ForExpr(
            key_var=first if second is not None else None,
            value_var=str(second.token.value) if second is not None else first,
            collection=self.expression(intro.iterable),
            key=self.expression(node.key_expr) if isinstance(node, ForObjectExprRule) else None,
            value=self.expression(node.value_expr),
            condition=None if condition is None else self.expression(condition.condition_expr),
            grouping=isinstance(node, ForObjectExprRule) and node.ellipsis is not None,
            span=span,
        )

    # ------------------------------------------------------------------ strings

    def _string(self, node: StringRule, span: SourceSpan) -> Expr:
        parts: list[str | Expr] = []
        for part in node.string_parts:
            content = part.content if isinstance(part, StringPartRule) else part
            if isinstance(content, InterpolationRule):
                parts.append(self.expression(content.expression))
            elif isinstance(content, LarkToken):
                decoded = _decode_token(content)
                if decoded is None:
                    return Unsupported(f"an invalid escape in {self.lines.source(span)}", span)
                parts.append(decoded)
            else:
                return Unsupported("template directives (`%{...}`)", span)
        return _template(parts, span)

    def _heredoc(self, token: str, span: SourceSpan, *, trim: bool) -> Expr:
        head = _HEREDOC_HEAD.match(token)
        if head is None:
            return Unsupported("a heredoc", span)
        marker = head[2]
        rest = token[head.end() :]
        closing = re.search(rf"(?m)^[ \t]*{re.escape(marker)}\r?\n?\Z", rest)
        body = rest[: closing.start()] if closing is not None else rest
        if trim:
            body = _dedent(body)
        return split_template(body, span, lambda text: parse_expression(text, span, self.lines))


def parse_expression(text: str, span: SourceSpan, lines: LineIndex) -> Expr:
    """An expression given as text (the inside of ``${...}`` in JSON or a heredoc, a JSON
    variable's ``type``); every node gets ``span``, its container's position."""
    try:
        tree = hcl2.parses(f"x = {text.strip()}\n")
        (attribute,) = [c for c in tree.body.children if isinstance(c, AttributeRule)]
        return Converter(lines, fixed=span).expression(attribute.expression)
    except (LarkError, RecursionError, ValueError):
        return Unsupported(f"`{text.strip()}`, which does not parse as an expression", span)


def _template(parts: list[str | Expr], span: SourceSpan) -> Expr:
    merged: list[str | Expr] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if all(isinstance(part, str) for part in merged):
        return Literal("".join(part for part in merged if isinstance(part, str)), span)
    return Template(tuple(merged), span)


def _decode_token(token: LarkToken) -> str | None:
    raw = str(token.value)
    if token.lark_name() in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
        # `$${x}` is the text `${x}`; the lexer takes up to the next `}` in one token, so
        # escapes after the introducer are still escapes.
        rest = _decode_escapes(raw[3:])
        return None if rest is None else raw[1:3] + rest
    return _decode_escapes(raw)


def _decode_escapes(raw: str) -> str | None:
    pieces: list[str] = []
    position = 0
    for match in _ESCAPE.finditer(raw):
        pieces.append(raw[position : match.start()])
        simple, short, long, invalid = match.groups()
        if invalid is not None:
            return None
        if simple is not None:
            pieces.append(_SIMPLE_ESCAPES[simple])
        else:
            code_point = int(short or long, 16)
            if code_point > sys.maxunicode:
                return None
            pieces.append(chr(code_point))
        position = match.end()
    pieces.append(raw[position:])
    return "".join(pieces)


def _dedent(body: str) -> str:
    lines = body.split("\n")
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)


def _number(text: str, span: SourceSpan) -> Literal:
    value = float(text)
    return Literal(int(value) if value.is_integer() else value, span)


def _key_string(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
