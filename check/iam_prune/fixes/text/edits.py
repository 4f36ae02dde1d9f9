"""Text edits by character ranges, and how much text the removal of a block takes along.

Fixes never re-serialise a file (python-hcl2 loses comments and layout doing so): an edit
replaces one range of the text as read, so every byte outside it stays as it was. A removal is
widened to whole lines so the file reads as if the block had never been written: the comments
written for it go too, and no hole of blank lines is left behind.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from iam_prune.model import FileEdit, SourceSpan

_LINE_COMMENTS = ("#", "//")


def removed(span: SourceSpan, edits: Sequence[FileEdit]) -> bool:
    """Whether one of ``edits`` takes away all of ``span`` (a removal around it)."""
    return any(
        e.file == span.file and not e.replacement and e.start <= span.start and span.end <= e.end
        for e in edits
    )


def inside(edit: FileEdit, span: SourceSpan) -> bool:
    """Whether ``edit`` lies within ``span``."""
    return edit.file == span.file and span.start <= edit.start and edit.end <= span.end


def apply_edits(text: str, edits: Sequence[FileEdit]) -> str:
    """``text`` with every edit applied; all positions refer to the original ``text``.

    The edits must be for one file and must not overlap (identical duplicates count once),
    otherwise ``ValueError``: two fixes that touch the same text cannot both be right.
    """
    pieces: list[str] = []
    position = 0
    for edit in _ordered(text, edits):
        pieces += [text[position : edit.start], edit.replacement]
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def removal_range(text: str, start: int, end: int) -> tuple[int, int]:
    """The range to delete so that the block at ``text[start:end]`` goes cleanly.

    It takes along the comment lines directly above the block (no blank line between), the
    rest of the block's last line with its newline (a trailing comment included), and the
    blank lines next to it that would otherwise stand two in a row or at the start or end
    of the file. A block that shares a line with other code is removed alone, so that code
    keeps its lines.
    """
    _check_range(text, start, end)
    left = _with_attached_comments(text, start)
    right = _with_rest_of_line(text, end)
    if not (_at_line_boundary(text, left) and _at_line_boundary(text, right)):
        return start, end
    return _with_adjacent_blank_lines(text, left, right)


def merge_removals(text: str, edits: Sequence[FileEdit]) -> list[FileEdit]:
    """The edits of several fixes to one file, with removals that overlap or touch merged.

    Each removal was widened on its own; where two meet, the blank lines around the merged
    range are reconsidered, since neither removal saw the other's neighbours. A removal that
    meets no other, and every edit that inserts or replaces text, is returned unchanged.
    """
    for edit in edits:
        _check_range(text, edit.start, edit.end)
    removals = sorted({(edit.start, edit.end) for edit in edits if not edit.replacement})
    others = [edit for edit in edits if edit.replacement]
    file = _single_file(edits)
    merged = [FileEdit(file, start, end) for start, end in _merge_touching(text, removals)]
    return merged + others


def _ordered(text: str, edits: Sequence[FileEdit]) -> list[FileEdit]:
    _single_file(edits)
    ordered = sorted(set(edits), key=lambda edit: (edit.start, edit.end))
    for edit in ordered:
        _check_range(text, edit.start, edit.end)
    for previous, current in itertools.pairwise(ordered):
        same_range = (previous.start, previous.end) == (current.start, current.end)
        if current.start < previous.end or same_range:
            raise ValueError(f"overlapping edits: {previous} and {current}")
    return ordered


def _single_file(edits: Sequence[FileEdit]) -> str:
    files = {edit.file for edit in edits}
    if len(files) > 1:
        raise ValueError(f"edits for more than one file: {sorted(files)}")
    return files.pop() if files else ""


def _check_range(text: str, start: int, end: int) -> None:
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"range {start}:{end} is outside a text of {len(text)} characters")


def _merge_touching(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # Tidying a merged range can take a blank line another range also took: merge again
    # until no two ranges meet. Every round that goes on has fewer ranges, so this ends.
    while True:
        groups = _touching_groups(ranges)
        if all(len(group) == 1 for group in groups):
            return ranges
        ranges = [_union(text, group) for group in groups]


def _touching_groups(ranges: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    groups: list[list[tuple[int, int]]] = []
    for current in ranges:
        if groups and current[0] <= max(end for _, end in groups[-1]):
            groups[-1].append(current)
        else:
            groups.append([current])
    return groups


def _union(text: str, group: list[tuple[int, int]]) -> tuple[int, int]:
    start, end = group[0][0], max(end for _, end in group)
    if len(group) > 1 and _at_line_boundary(text, start) and _at_line_boundary(text, end):
        return _with_adjacent_blank_lines(text, start, end)
    return start, end


# --------------------------------------------------------------------------- lines


def _line_start(text: str, position: int) -> int:
    return text.rfind("\n", 0, position) + 1


def _line_end(text: str, position: int) -> int:
    """The start of the next line (just past the newline), or the end of the text."""
    newline = text.find("\n", position)
    return len(text) if newline == -1 else newline + 1


def _at_line_boundary(text: str, position: int) -> bool:
    return position in (0, len(text)) or text[position - 1] == "\n"


def _is_blank_line(text: str, line_start: int) -> bool:
    return line_start < len(text) and not text[line_start : _line_end(text, line_start)].strip()


def _previous_line(text: str, line_start: int) -> int | None:
    return _line_start(text, line_start - 1) if line_start > 0 else None


# --------------------------------------------------------------------------- widening


def _with_attached_comments(text: str, start: int) -> int:
    left = _line_start(text, start)
    if text[left:start].strip():
        return start
    while (above := _comment_above(text, left)) is not None:
        left = above
    return left


def _comment_above(text: str, line_start: int) -> int | None:
    """Where the comment filling the line(s) just above ``line_start`` starts, if one does."""
    above = _previous_line(text, line_start)
    if above is None:
        return None
    line = text[above:line_start].strip()
    if line.startswith(_LINE_COMMENTS):
        return above
    if line.endswith("*/"):
        return _block_comment_start(text, text.rfind("*/", above, line_start))
    return None


def _block_comment_start(text: str, close: int) -> int | None:
    """The start of the line where the ``/* */`` comment ending at ``close`` opens, when the
    comment is alone on its lines."""
    opening = text.rfind("/*", 0, close)
    if opening == -1 or text.find("*/", opening + 2) != close:
        return None
    opening_line = _line_start(text, opening)
    return None if text[opening_line:opening].strip() else opening_line


def _with_rest_of_line(text: str, end: int) -> int:
    stop = _line_end(text, end)
    rest = text[end:stop].strip()
    return stop if not rest or _is_comment(rest) else end


def _is_comment(fragment: str) -> bool:
    if fragment.startswith(_LINE_COMMENTS):
        return True
    return fragment.startswith("/*") and fragment.find("*/", 2) == len(fragment) - 2


def _with_adjacent_blank_lines(text: str, left: int, right: int) -> tuple[int, int]:
    """Widen whole-line range ``[left, right)`` over the blank lines around it that would be
    out of place once it is gone.

    At the start or the end of the file every adjacent blank line goes. Between blank lines
    on both sides, those after the range go, so the spacing before it is what remains.
    Applying this to its own result changes nothing.
    """
    blank_from = _blank_run_before(text, left)
    blank_to = _blank_run_after(text, right)
    if blank_from == 0 or blank_to == len(text):
        return blank_from, blank_to
    if blank_from < left:
        return left, blank_to
    return left, right


def _blank_run_before(text: str, line_start: int) -> int:
    """The start of the blank lines that end at ``line_start`` (``line_start`` if none)."""
    while line_start > 0 and _is_blank_line(text, above := _line_start(text, line_start - 1)):
        line_start = above
    return line_start


def _blank_run_after(text: str, line_start: int) -> int:
    """The end of the blank lines that start at ``line_start`` (``line_start`` if none)."""
    while _is_blank_line(text, line_start):
        line_start = _line_end(text, line_start)
    return line_start
