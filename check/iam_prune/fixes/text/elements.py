"""What to delete so that some elements of a list (or entries of an object) go cleanly.

Removing one user from ``users = [a, b, c]`` is an edit of the list, and the list has to stay
valid and look as if the element had never been written: its commas, its layout (inline, or
one element per line), whether it ends with a trailing comma. The rules, for elements removed
together (several fixes may each remove one of the same list):

* An element on lines of its own goes with those lines, its comma, a comment at the end of
  its line and the comment lines directly above it, like a block does (``removal_range``).
* Elements sharing a line go with the separator between them and the next element, or, at the
  end of the list, with the separator before them, so no comma is left dangling. A last
  element on a line of its own that the closing bracket shares goes alone, and the bracket
  stays where it was, on that line's indentation.
* When the last element goes and the list had no comma after its last element (JSON never
  does), the comma after the new last element goes too.
* When every element goes, the brackets are left empty: ``[]``, ``{}``.

Both HCL and JSON lists are handled: the positions come from their parse trees, the text
between the elements is read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from iam_prune.fixes.text.edits import removal_range

Range = tuple[int, int]


@dataclass(frozen=True)
class Container:
    """A ``[...]`` or ``{...}`` in ``text``: where its brackets are and its elements' ranges."""

    open: int  # index of the opening bracket
    close: int  # index of the closing bracket
    elements: tuple[Range, ...]


def removal_ranges(text: str, container: Container, removed: set[int]) -> list[Range]:
    """The ranges to delete for the elements at ``removed`` indices to go; they may touch, and
    are to be merged by the caller with the other removals in the file."""
    elements = container.elements
    if not removed:
        return []
    if removed >= set(range(len(elements))):
        return [(container.open + 1, container.close)]
    ranges: list[Range] = []
    for group in _line_groups(text, elements):
        gone = [i for i in group if i in removed]
        if not gone:
            continue
        if len(gone) == len(group) and _owns_lines(text, elements[group[0]], elements[group[-1]]):
            end = _after_comma(text, elements[group[-1]][1])
            ranges.append(removal_range(text, elements[group[0]][0], end))
            continue
        ranges += [_inline_removal(text, container, run) for run in _runs(gone)]
    last = len(elements) - 1
    if last in removed and _comma_after(text, elements[last]) is None:
        kept = max(set(range(len(elements))) - removed)
        comma = _comma_after(text, elements[kept])
        if comma is not None and not any(start <= comma < end for start, end in ranges):
            ranges.append((comma, comma + 1))
    return ranges


def _line_groups(text: str, elements: Sequence[Range]) -> list[list[int]]:
    """The elements by the lines they share: consecutive elements with no line break between
    them are in one group."""
    groups: list[list[int]] = []
    for index, element in enumerate(elements):
        if groups and _same_line(text, elements[index - 1][1], element[0]):
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def _runs(indices: Sequence[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for index in indices:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def _owns_lines(text: str, first: Range, last: Range) -> bool:
    """Whether nothing but indentation comes before ``first`` on its line, and nothing but its
    comma and a comment after ``last`` on its line."""
    line_start = text.rfind("\n", 0, first[0]) + 1
    if text[line_start : first[0]].strip():
        return False
    return _rest_of_line_is_free(text, _after_comma(text, last[1]))


def _inline_removal(text: str, container: Container, run: list[int]) -> Range:
    """The range for a run of elements that shares its line(s) with other text: the elements
    with one separator, leaving every comment and every kept element's text as it was."""
    elements = container.elements
    first, last = run[0], run[-1]
    start, end = elements[first][0], elements[last][1]
    following = last + 1 if last + 1 < len(elements) else None
    previous = first - 1 if first > 0 else None
    if following is not None and _same_line(text, end, elements[following][0]):
        return start, elements[following][0]
    if previous is not None and _same_line(text, elements[previous][1], start):
        return elements[previous][1], end
    if following is None and _line_start(text, start) and _line_start(text, elements[0][0]):
        # ``[\n  a,\n  b]`` becomes ``[\n  a\n  ]``: the bracket keeps the line it had (and
        # with it the indentation ``terraform fmt`` gives a line that closes the list), where
        # ``[\n  a]`` would need the kept line indented again.
        return start, _after_comma(text, end)
    if following is None and previous is not None:
        between = text[elements[previous][1] : start].strip().removeprefix(",").strip()
        if not between:  # only the comma and line breaks: ``[a,\n b]`` becomes ``[a]``
            return elements[previous][1], end
    return start, _after_comma(text, end)


def _line_start(text: str, position: int) -> bool:
    """Whether only indentation comes before ``position`` on its line."""
    return not text[text.rfind("\n", 0, position) + 1 : position].strip()


def _same_line(text: str, left: int, right: int) -> bool:
    return "\n" not in text[left:right]


def _comma_after(text: str, element: Range) -> int | None:
    """The index of the comma that follows the element (spaces and line breaks skipped)."""
    position = element[1]
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position if text.startswith(",", position) else None


def _after_comma(text: str, end: int) -> int:
    """Just past the element's comma when the comma is on the element's line, else ``end``."""
    position = end
    while position < len(text) and text[position] in " \t":
        position += 1
    return position + 1 if text.startswith(",", position) else end


def _rest_of_line_is_free(text: str, position: int) -> bool:
    newline = text.find("\n", position)
    rest = text[position : len(text) if newline == -1 else newline].strip()
    if not rest or rest.startswith(("#", "//")):
        return True
    return rest.startswith("/*") and rest.endswith("*/") and rest.find("*/") == len(rest) - 2
