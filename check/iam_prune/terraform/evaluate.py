"""What an expression's source text evaluates to, as far as it can be known without Terraform.

The walking skeleton knows plain string literals only; anything else stays unresolved with a
reason a person can act on. Variables, locals, ``for_each``, ``count`` and module inputs are
meant to plug in here, so callers ask this module for a value and never look at text.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iam_prune.terraform.parse import Block

# One piece of a quoted string's body. Anything that matches none of these (a bare quote, a
# newline, an unknown escape) means the text is not one valid string literal.
_STRING_PART = re.compile(
    r"""
      \\(?P<escape>[nrt"\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})
    | (?P<escaped_template>\$\$\{|%%\{)
    | (?P<template>\$\{|%\{)
    | (?P<text>[^\\"\n$%]+|[$%])
    """,
    re.VERBOSE,
)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}

# The first step of a reference, and what it would take to evaluate it.
_REFERENCE = re.compile(r"(?<![\w.-])(var|local|each|count|module|data|path|terraform)\.")
_NEEDS = {
    "var": "variable evaluation",
    "local": "local value evaluation",
    "each": "for_each evaluation",
    "count": "count evaluation",
    "module": "module output evaluation",
    "data": "data source evaluation",
}


@dataclass(frozen=True)
class Resolved:
    """An expression's value, or ``None`` with the reason it could not be evaluated."""

    value: str | None
    expression: str
    reason: str | None = None


def literal_string(expression_text: str) -> str | None:
    """The value of a plain quoted HCL string such as ``"alice"``.

    Escapes are decoded, and ``$${``/``%%{`` stand for a literal ``${``/``%{``. ``None`` when
    the text is not a single quoted string or when it holds an interpolation or a template
    directive, whose value depends on evaluation.
    """
    text = expression_text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    return _string_body(text[1:-1])


def string_attribute(block: Block, name: str) -> Resolved:
    """The string value of ``block``'s attribute ``name``, or why it is unknown."""
    attribute = block.attribute(name)
    if attribute is None:
        return Resolved(None, "", f"the block sets no `{name}`")
    value = literal_string(attribute.expression_text)
    if value is not None:
        return Resolved(value, attribute.expression_text)
    return Resolved(None, attribute.expression_text, _unresolved(name, attribute.expression_text))


def _string_body(body: str) -> str | None:
    pieces: list[str] = []
    position = 0
    while position < len(body):
        match = _STRING_PART.match(body, position)
        piece = None if match is None else _decode_part(match)
        if match is None or piece is None:
            return None
        pieces.append(piece)
        position = match.end()
    return "".join(pieces)


def _decode_part(match: re.Match[str]) -> str | None:
    """The characters one piece stands for; ``None`` for a template or an impossible escape."""
    if match["template"] is not None:
        return None
    if match["escaped_template"] is not None:
        return match["escaped_template"][1:]
    escape = match["escape"]
    if escape is None:
        return match["text"]
    if escape in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[escape]
    code_point = int(escape[1:], 16)
    return chr(code_point) if code_point <= sys.maxunicode else None


def _unresolved(name: str, expression_text: str) -> str:
    kinds = {m[1] for m in _REFERENCE.finditer(expression_text)}
    needs = next((need for kind, need in _NEEDS.items() if kind in kinds), "evaluation")
    return f"{name} is `{expression_text}`, which needs {needs}"
