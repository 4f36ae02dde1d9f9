"""python-hcl2 parse trees converted into plain blocks with exact source positions.

Fixes are made by editing the original text by character ranges (re-serialising a file loses
its comments and layout), so every block and attribute carries the range it occupies in the
text exactly as read. Expressions stay source text: what they mean is ``evaluate``'s job.
No hcl2 or lark object leaves this module.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import hcl2
from hcl2.rules.abstract import LarkRule
from hcl2.rules.base import AttributeRule, BlockRule, BodyRule
from lark.exceptions import LarkError, UnexpectedInput

from iam_prune.model import SourceSpan
from iam_prune.terraform import TerraformError


@dataclass(frozen=True)
class Attribute:
    """``name = expression``: ``span`` covers all of it, ``value_span`` the expression only."""

    name: str
    expression_text: str
    span: SourceSpan
    value_span: SourceSpan


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class ParsedFile:
    """The top-level blocks of one file, in source order."""

    path: str
    blocks: tuple[Block, ...]


class ParseError(TerraformError):
    """A file python-hcl2 could not parse; ``line`` and ``column`` are 1-based when known."""

    def __init__(self, path: str, message: str, line: int | None, column: int | None) -> None:
        where = ":".join(str(part) for part in (path, line, column) if part is not None)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.message = message
        self.line = line
        self.column = column


def parse_file(rel_path: str, text: str) -> ParsedFile:
    """Parse one file's text; ``rel_path`` is recorded in every span. Raises ``ParseError``."""
    try:
        tree = hcl2.parses(text)
    except UnexpectedInput as error:
        line, column = _position(error)
        raise ParseError(rel_path, _syntax_message(text, line, column), line, column) from error
    except (LarkError, RecursionError) as error:
        raise ParseError(rel_path, f"cannot parse: {error}", None, None) from error
    spans = _Spans(rel_path, text)
    return ParsedFile(rel_path, _blocks(tree.body, spans))


class _Spans:
    """Turns the parse tree's character positions into ``SourceSpan``s of one file."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def of(self, node: LarkRule) -> SourceSpan:
        """The span of a parse-tree node, without trailing whitespace some tokens swallow."""
        start: int = node._meta.start_pos
        end: int = node._meta.end_pos
        end = start + len(self.text[start:end].rstrip())
        return SourceSpan(self.path, start, end, self._line(start), self._line(max(start, end - 1)))

    def source(self, span: SourceSpan) -> str:
        return self.text[span.start : span.end]

    def _line(self, position: int) -> int:
        return bisect.bisect_right(self._line_starts, position)


def _blocks(body: BodyRule, spans: _Spans) -> tuple[Block, ...]:
    return tuple(_block(child, spans) for child in body.children if isinstance(child, BlockRule))


def _block(node: BlockRule, spans: _Spans) -> Block:
    block_type, *labels = (_label(label, spans) for label in node.labels)
    return Block(
        block_type=block_type,
        labels=tuple(labels),
        span=spans.of(node),
        attributes=_attributes(node.body, spans),
        blocks=_blocks(node.body, spans),
    )


def _label(node: LarkRule, spans: _Spans) -> str:
    # Terraform allows only identifiers as labels, quoted or not, so there is nothing to unescape.
    return spans.source(spans.of(node)).removeprefix('"').removesuffix('"')


def _attributes(body: BodyRule, spans: _Spans) -> tuple[Attribute, ...]:
    return tuple(
        _attribute(child, spans) for child in body.children if isinstance(child, AttributeRule)
    )


def _attribute(node: AttributeRule, spans: _Spans) -> Attribute:
    value_span = spans.of(node.expression)
    return Attribute(
        name=spans.source(spans.of(node.identifier)),
        expression_text=spans.source(value_span),
        span=spans.of(node),
        value_span=value_span,
    )


def _position(error: UnexpectedInput) -> tuple[int | None, int | None]:
    # lark reports "?" when the offending token carries no position.
    line = error.line if isinstance(error.line, int) else None
    column = error.column if isinstance(error.column, int) else None
    return line, column


def _syntax_message(text: str, line: int | None, column: int | None) -> str:
    if line is None or column is None:
        return "syntax error"
    lines = text.split("\n")
    rest = lines[line - 1][column - 1 :].strip() if line <= len(lines) else ""
    if rest:
        return f"syntax error at `{rest[:40]}`"
    if line < len(lines):
        return "syntax error at the end of the line"
    return "unexpected end of file"
