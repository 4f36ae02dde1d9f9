"""Keep ``terraform fmt``'s alignment after an edit, in files that had it.

``terraform fmt`` lines up the ``=`` of consecutive one-line arguments and the ``#`` of
consecutive trailing comments. Taking the longest name out of such a group (one entry of a
map, one ``locals`` value), or writing a longer one in (``count`` becoming ``for_each``),
leaves the rest misaligned, and a CI step running ``terraform fmt -check`` would fail on the
fix. So where the original file was aligned the way ``fmt`` aligns, the edited file is
aligned again; only the spaces before an ``=`` or a trailing comment move. A file that was not
aligned that way is left exactly as the edit made it.

The rules are hclwrite's: a line takes part when it has an ``=`` after its first token whose
right-hand side opens no bracket it does not close (a heredoc counts as part of its line);
any other line, a comment-only line or a blank one ends the group.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from iam_prune.model import FileEdit
from iam_prune.terraform.changes import common_ends

_HEREDOC = re.compile(r"<<-?([A-Za-z_][\w-]*)[ \t]*\r?$")
_OPENING = "([{"
_CLOSING = ")]}"


@dataclass(frozen=True)
class _Line:
    """One line as ``fmt`` sees it (a heredoc belongs to the line that opens it): its text,
    where its assignment ``=`` is and where its trailing comment starts, if it has them."""

    text: str
    assign: int | None
    comment: int | None


class _Unreadable(Exception):
    """Text this small lexer does not follow (an unterminated string, a comment across lines
    after code): alignment is left alone rather than guessed."""


def realign(original: str, edited: str, edits: Sequence[FileEdit]) -> str:
    """``edited`` with ``fmt``'s alignment restored, when ``original`` had it everywhere.

    Only the lines around the change are aligned again: the groups of assignments and
    comments that the change reaches, from the ``fmt`` line before it that belongs to no
    group to the first such line after it. Every other group is one of the original's, which
    was aligned already (see ``_window``)."""
    if not edits or edited == original:
        return edited
    shape = _shape(original)
    if shape is None:
        return edited
    start, end = _window(shape, original, edited)
    try:
        return edited[:start] + aligned(edited[start:end]) + edited[end:]
    except _Unreadable:
        pass  # maybe a heredoc the change opens and the rest of the file closes
    try:
        return aligned(edited)
    except _Unreadable:
        return edited


@dataclass(frozen=True)
class _Shape:
    """An aligned original's ``fmt`` lines: where each starts, and which belong to no group
    (no assignment, no trailing comment: every group ends before them)."""

    starts: tuple[int, ...]
    breaks: tuple[bool, ...]


@functools.lru_cache(maxsize=64)
def _shape(text: str) -> _Shape | None:
    """The lines of ``text`` when it is aligned as ``fmt`` aligns, else ``None``: asked of the
    same original file for every candidate change."""
    try:
        lines = _lines(text)
        if "".join(line.text for line in _align(_align(lines, "assign"), "comment")) != text:
            return None
    except _Unreadable:
        return None
    starts = list(itertools.accumulate((len(line.text) for line in lines), initial=0))
    breaks = tuple(line.assign is None and line.comment is None for line in lines)
    return _Shape(tuple(starts[:-1]), breaks)


def _window(shape: _Shape, original: str, edited: str) -> tuple[int, int]:
    """The range of ``edited`` to align again.

    It starts after a group-breaking line before the change (the text up to there is the
    original's, read the same way) and ends at a group-breaking line of the original wholly
    after the change, moved by what the change added or took away. When the range reads to
    its end as whole ``fmt`` lines (no heredoc left open), the rest of the file reads as it
    did in the original, groups included, and ``_shape`` found those aligned."""
    prefix, suffix = common_ends(original, edited)
    # Lines that start inside the common prefix, so that the line break before them is too
    # (an edit may add a "\n" after a "\r", making one break of two).
    first = max(0, bisect.bisect_left(shape.starts, prefix) - 1)
    while first > 0 and not shape.breaks[first - 1]:
        first -= 1
    last = bisect.bisect_right(shape.starts, len(original) - suffix)  # wholly after it
    while last < len(shape.starts) and not shape.breaks[last]:
        last += 1
    start = shape.starts[first] if shape.starts else 0
    if last == len(shape.starts):
        return start, len(edited)
    return start, shape.starts[last] + len(edited) - len(original)


def aligned(text: str) -> str:
    """``text`` with every group of assignments and of trailing comments aligned as ``fmt``
    does. Raises ``_Unreadable`` for text it cannot follow."""
    lines = _lines(text)
    lines = _align(lines, "assign")
    lines = _align(lines, "comment")
    return "".join(line.text for line in lines)


def _align(lines: list[_Line], cell: str) -> list[_Line]:
    result: list[_Line] = []
    group: list[_Line] = []
    for line in [*lines, _Line("", None, None)]:
        if getattr(line, cell) is not None:
            group.append(line)
            continue
        result.extend(_aligned_group(group, cell))
        group = []
        if line.text:
            result.append(line)
    return result


def _aligned_group(group: list[_Line], cell: str) -> list[_Line]:
    if not group:
        return []
    widths = [len(line.text[: _at(line, cell)].rstrip(" \t")) for line in group]
    column = max(widths) + 1
    out: list[_Line] = []
    for line, width in zip(group, widths, strict=True):
        at = _at(line, cell)
        text = line.text[:width] + " " * (column - width) + line.text[at:]
        shift = column - at
        if cell == "assign":
            comment = None if line.comment is None else line.comment + shift
            out.append(_Line(text, column, comment))
        else:
            out.append(_Line(text, line.assign, column))
    return out


def _at(line: _Line, cell: str) -> int:
    at = line.assign if cell == "assign" else line.comment
    assert at is not None
    return at


def _lines(text: str) -> list[_Line]:
    """The text cut into ``fmt``'s lines, each with its cells: a heredoc's body, or a block
    comment's, belongs to the line that opens it."""
    physical = text.splitlines(keepends=True)
    lines: list[_Line] = []
    index = 0
    while index < len(physical):
        line = physical[index]
        assign, comment, closing = _cells(line)
        index += 1
        while closing is not None:
            if index == len(physical):
                raise _Unreadable("a heredoc or comment that does not end")
            body = physical[index]
            index += 1
            line += body
            if closing == "*/":
                end = body.find("*/")
                if end != -1:
                    if body[end + 2 :].strip():
                        raise _Unreadable("code after a comment across lines")
                    closing = None
            elif body.strip() == closing:
                closing = None
        lines.append(_Line(line, assign, comment))
    return lines


@functools.lru_cache(maxsize=1 << 16)
def _cells(line: str) -> tuple[int | None, int | None, str | None]:
    """Where the line's assignment ``=`` and trailing comment are, and what closes a heredoc or
    a comment it opens and leaves open (its marker, or ``*/``). Kept per line: every candidate
    change re-aligns its whole file, whose lines are nearly all the same each time."""
    assign: int | None = None
    depth = 0  # brackets opened after the assignment and not closed
    first_token = True
    position = 0
    end = len(line.rstrip("\r\n"))
    while position < end:
        char = line[position]
        if char in " \t":
            position += 1
            continue
        if line.startswith(("#", "//"), position):
            return _assign(assign, depth), _trailing(position, first_token), None
        if line.startswith("/*", position):
            close = line.find("*/", position + 2)
            if close == -1:
                if not first_token:
                    raise _Unreadable("a comment across lines after code")
                return None, None, "*/"
            if not line[close + 2 : end].strip():
                return _assign(assign, depth), _trailing(position, first_token), None
            position = close + 2
            continue
        if line.startswith("<<", position):
            heredoc = _HEREDOC.match(line, position)
            if heredoc is None:
                raise _Unreadable("a heredoc opener this lexer does not read")
            return _assign(assign, depth), None, heredoc.group(1)
        if char == '"':
            position = _string_end(line, position + 1)
        elif char == "=" and not first_token and assign is None and _is_assignment(line, position):
            assign = position
            position += 1
        else:
            if assign is not None:
                depth += (char in _OPENING) - (char in _CLOSING)
            position += 1
        first_token = False
    return _assign(assign, depth), None, None


def _assign(assign: int | None, depth: int) -> int | None:
    return assign if depth == 0 else None


def _trailing(position: int, first_token: bool) -> int | None:
    return None if first_token else position


def _is_assignment(line: str, position: int) -> bool:
    before = line[position - 1] if position else ""
    after = line[position + 1 : position + 2]
    return before not in "=!<>" and after not in "=>"


def _string_end(line: str, position: int) -> int:
    """Just past the closing quote of a string whose body starts at ``position``."""
    depth = 0
    while position < len(line):
        char = line[position]
        if char == "\\":
            position += 2
            continue
        if line.startswith(("${", "%{"), position) and not line.startswith(
            ("$${", "%%{"), position - 1
        ):
            depth += 1
            position += 2
            continue
        if depth and char == "}":
            depth -= 1
        elif depth and char == '"':
            position = _string_end(line, position + 1)
            continue
        elif not depth and char == '"':
            return position + 1
        position += 1
    raise _Unreadable("a string that does not end on its line")
