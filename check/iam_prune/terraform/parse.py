"""One Terraform file's text into plain blocks and attributes with exact source positions.

Fixes are made by editing the original text by character ranges (re-serialising a file loses
its comments and layout), so every block, attribute, list element and object entry carries the
range it occupies in the text exactly as read. Expressions become ``syntax`` trees; what they
mean is ``evaluate``'s job. ``.tf`` and ``.tfvars`` go through python-hcl2, ``.tf.json`` and
``.tfvars.json`` through the JSON reader; both give the same types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iam_prune.terraform import jsonconfig
from iam_prune.terraform.spans import LineIndex
from iam_prune.terraform.syntax import (
    Attribute,
    Block,
    Expr,
    ListElement,
    ObjectEntry,
    ParsedFile,
    ParseError,
)

if TYPE_CHECKING:
    from lark.exceptions import UnexpectedInput

__all__ = [
    "Attribute",
    "Block",
    "Expr",
    "ListElement",
    "ObjectEntry",
    "ParseError",
    "ParsedFile",
    "parse_file",
    "parse_region",
]


def parse_file(rel_path: str, text: str) -> ParsedFile:
    """Parse one file's text; ``rel_path`` is recorded in every span. Raises ``ParseError``.

    The format follows the name: ``*.tf.json`` is Terraform's JSON configuration syntax, any
    other ``*.json`` (``*.tfvars.json``, a JSON ``--var-file``) plain values, anything else
    HCL. Top-level attributes are kept for ``.tfvars`` files.
    """
    if rel_path.endswith(".json"):
        return jsonconfig.parse_json(rel_path, text, values_only=not rel_path.endswith(".tf.json"))
    return parse_region(rel_path, text, 0, len(text))


def parse_region(
    rel_path: str, text: str, start: int, end: int, lines: LineIndex | None = None
) -> ParsedFile:
    """The HCL blocks and attributes written in ``text[start:end]``, with spans into all of
    ``text``; the region has to be a run of whole ones (``reparse`` cuts it so). Raises
    ``ParseError`` with the line in the whole text. ``lines`` is ``text``'s index, when the
    caller parses several regions of it."""
    # python-hcl2 and its grammar are imported by the first parse, not by every run: a run
    # whose files all come from the cache (or a `publish`) never needs them.
    import hcl2
    from lark.exceptions import LarkError, UnexpectedInput

    from iam_prune.terraform.hcl import Converter

    try:
        tree = hcl2.parses(text[start:end])
    except UnexpectedInput as error:
        line, column = _position(error)
        if line == 1 and column is not None:  # the region may start mid-line
            column += start - (text.rfind("\n", 0, start) + 1)
        if line is not None:
            line += text.count("\n", 0, start)
        raise ParseError(rel_path, _syntax_message(text, line, column), line, column) from error
    except (LarkError, RecursionError) as error:
        raise ParseError(rel_path, f"cannot parse: {error}", None, None) from error
    converter = Converter(lines or LineIndex(rel_path, text), offset=start, limit=end)
    try:
        return ParsedFile(rel_path, converter.blocks(tree.body), converter.attributes(tree.body))
    except (LarkError, RecursionError) as error:
        raise ParseError(rel_path, f"cannot read the parse tree: {error}", None, None) from error


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
