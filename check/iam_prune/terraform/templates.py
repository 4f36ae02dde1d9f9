"""String templates that arrive as plain text: ``.tf.json`` strings and heredoc bodies.

python-hcl2 splits quoted strings into literal pieces and interpolations itself, but a heredoc
is one token to it, and JSON strings are templates only by Terraform's convention. Both are
split here into the same ``Template`` the HCL reader produces; each ``${...}`` is handed to
the caller's expression parser.
"""

from __future__ import annotations

from collections.abc import Callable

from iam_prune.model import SourceSpan
from iam_prune.terraform.syntax import Expr, Literal, Template, Unsupported

ParseExpression = Callable[[str], Expr]


class _Unbalanced(Exception):
    """An interpolation without its closing brace."""


def split_template(text: str, span: SourceSpan, parse_expression: ParseExpression) -> Expr:
    """``text`` (already unescaped, as JSON or a heredoc gives it) as a template expression.

    ``$${`` and ``%%{`` stand for a literal ``${`` and ``%{``. A template directive (``%{if}``,
    ``%{for}``) is not modelled and makes the whole template ``Unsupported``.
    """
    parts: list[str | Expr] = []
    literal: list[str] = []
    strip_next = False
    position = 0
    while position < len(text):
        if text.startswith(("$${", "%%{"), position):
            literal.append(text[position + 1 : position + 3])
            position += 3
        elif text.startswith("%{", position):
            return Unsupported("template directives (`%{...}`)", span)
        elif text.startswith("${", position):
            try:
                end = _closing_brace(text, position + 2)
            except _Unbalanced:
                return Unsupported("an interpolation without its closing `}`", span)
            inner = text[position + 2 : end]
            pending = "".join(literal)
            if inner.startswith("~"):
                pending = pending.rstrip()
                inner = inner[1:]
            if pending:
                parts.append(pending)
            literal = []
            strip_next = inner.endswith("~")
            parts.append(parse_expression(inner.removesuffix("~")))
            position = end + 1
        else:
            following = text[position]
            if strip_next:
                strip_next = following.isspace()
                if strip_next:
                    position += 1
                    continue
            literal.append(following)
            position += 1
    if literal:
        parts.append("".join(literal))
    if all(isinstance(part, str) for part in parts):
        return Literal("".join(part for part in parts if isinstance(part, str)), span)
    return Template(tuple(parts), span)


def _closing_brace(text: str, position: int) -> int:
    """The index of the ``}`` that closes the interpolation whose body starts at ``position``."""
    depth = 0
    while position < len(text):
        char = text[position]
        if char == '"':
            position = _after_string(text, position + 1)
            continue
        if char in "{([":
            depth += 1
        elif char in "})]":
            if depth == 0 and char == "}":
                return position
            depth -= 1
        position += 1
    raise _Unbalanced


def _after_string(text: str, position: int) -> int:
    """The index after the quote that closes a string whose body starts at ``position``."""
    while position < len(text):
        if text.startswith(("$${", "%%{"), position):
            position += 3
        elif text.startswith(("${", "%{"), position):
            position = _closing_brace(text, position + 2) + 1
        elif text[position] == "\\":
            position += 2
        elif text[position] == '"':
            return position + 1
        else:
            position += 1
    raise _Unbalanced
