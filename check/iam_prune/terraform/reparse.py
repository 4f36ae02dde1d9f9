"""An edited HCL file parsed again, reading only what the edits changed.

Checking a fix means parsing the edited file, once per round of ``settle`` and per candidate:
for a file of fifty users that was nine tenths of planning a finding, although an edit changes
one or two blocks. The text before the first change and after the last one is the original's
(``common_ends``): the blocks there are taken over from the original parse, those after the
change moved to their new place, and only the text between them (top-level attributes
included) is parsed. What it costs follows the change, not the file, but for the moving.

A block after the change is taken over only when it starts on a line of its own; the text
between the kept blocks is parsed on its own, so a change that makes a kept block something
else (opens a heredoc or a ``/* */`` comment around it) leaves text that cannot parse, and then
the whole file is parsed the ordinary way. The result is the same ``ParsedFile`` a full parse
gives.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterator, Sequence

from iam_prune.terraform.changes import common_ends
from iam_prune.terraform.parse import parse_file, parse_region
from iam_prune.terraform.shift import moved_from, shifted
from iam_prune.terraform.spans import LineIndex
from iam_prune.terraform.syntax import Attribute, Block, ParsedFile, ParseError

Item = Block | Attribute


def reparse(before: ParsedFile, old: str, new: str) -> ParsedFile:
    """``new`` parsed, where ``old`` is the text ``before`` was parsed from. Raises
    ``ParseError`` as ``parse_file`` does."""
    path = before.path
    if path.endswith(".json") or old == new:
        return parse_file(path, new) if old != new else before
    try:
        return _stitched(before, old, new)
    except ParseError:
        return parse_file(path, new)  # the message and line of a whole-file parse


def differing(old: ParsedFile, new: ParsedFile) -> tuple[ParsedFile, ParsedFile]:
    """Both parses without the blocks they share at either end: at the start the same
    objects, at the end the same blocks moved. Both are parses of one file's texts that
    ``reparse`` made from one original parse (or the original itself), so that a block they
    share has the same text in both: what is read of the rest of the blocks (the names they
    declare, their text) is the same in both, and a comparison of the two versions need only
    read what is left. Two parses made otherwise share no block, and are kept whole."""
    head = 0
    shortest = min(len(old.blocks), len(new.blocks))
    while head < shortest and old.blocks[head] is new.blocks[head]:
        head += 1
    tail = 0
    while tail < shortest - head and _same(old.blocks[-1 - tail], new.blocks[-1 - tail]):
        tail += 1
    return _without(old, head, tail), _without(new, head, tail)


def _same(old: Block, new: Block) -> bool:
    return old is new or moved_from(new) is (moved_from(old) or old)


def _without(parsed: ParsedFile, head: int, tail: int) -> ParsedFile:
    if not head and not tail:
        return parsed
    return ParsedFile(
        parsed.path, parsed.blocks[head : len(parsed.blocks) - tail], parsed.attributes
    )


def _items(parsed: ParsedFile) -> list[Item]:
    """The top-level blocks and attributes in source order."""
    if not parsed.attributes:
        return list(parsed.blocks)
    items: list[Item] = [*parsed.blocks, *parsed.attributes]
    return sorted(items, key=lambda item: item.span.start)


def _stitched(before: ParsedFile, old: str, new: str) -> ParsedFile:
    # Only blocks bound what is kept: a block ends at its own `}`, while python-hcl2 lets an
    # attribute's value run on into what follows it (a comment after `a + b`, text after a
    # heredoc's end).
    prefix, suffix = common_ends(old, new)
    items = _items(before)
    head = _kept_before(items, old, prefix)
    tail = _kept_after(items, len(old) - suffix, new, len(new) - len(old))
    start = items[head - 1].span.end if head else 0
    by = len(new) - len(old)
    end = items[tail].span.start + by if tail < len(items) else len(new)
    found: list[Item] = items[:head]
    if new[start:end].strip(_BLANK):
        old_end = items[tail].span.start if tail < len(items) else len(old)
        found.extend(_between(before.path, items[head:tail], old, new, (start, end, old_end)))
    if tail < len(items):
        down = new.count("\n", prefix, len(new) - suffix) - old.count(
            "\n", prefix, len(old) - suffix
        )
        found.extend(shifted(item, by, down) for item in items[tail:])
    return ParsedFile(
        before.path,
        tuple(item for item in found if isinstance(item, Block)),
        tuple(item for item in found if isinstance(item, Attribute)),
    )


@dataclasses.dataclass(frozen=True)
class _Kept:
    """The ``index``-th item of the old parse, found unchanged at ``start`` in the new text."""

    index: int
    item: Item
    start: int


def _between(
    path: str, items: Sequence[Item], old: str, new: str, where: tuple[int, int, int]
) -> list[Item]:
    """The items of ``new[start:end]``, where the change is, the old ``items`` between the
    same kept blocks, before it up to ``old_end``. Several edits far apart (a combined
    patch) leave blocks unchanged between them: those are found by their text, starting on
    a line of their own, and moved; only the text between them is parsed."""
    start, end, old_end = where
    lines = LineIndex(path, new, start, end)
    blocks = [(index, item) for index, item in enumerate(items) if isinstance(item, Block)]
    found: list[Item] = []
    cursor = previous_end = start  # the text before `start` is the original's
    previous = -1
    for anchor in (*_anchors(blocks, old, new, start, end), None):
        # The text since the last kept item: parsed unless it is the same gap as before,
        # with no item of the old parse in it.
        stop = end if anchor is None else anchor.start
        index = len(items) if anchor is None else anchor.index
        old_stop = old_end if anchor is None else anchor.item.span.start
        same = index == previous + 1 and new[cursor:stop] == old[previous_end:old_stop]
        if not same and new[cursor:stop].strip(_BLANK):
            found.extend(_items(parse_region(path, new, cursor, stop, lines)))
        if anchor is None:
            return found
        item = anchor.item
        by = anchor.start - item.span.start
        found.append(shifted(item, by, lines.line(anchor.start) - item.span.line))
        cursor, previous_end, previous = item.span.end + by, item.span.end, anchor.index
    return found


def _anchors(
    items: Sequence[tuple[int, Item]], old: str, new: str, start: int, end: int
) -> Iterator[_Kept]:
    """The old items found in order in ``new[start:end]``: where they were, shifted by what
    the edits before them added or took away, or else further on."""
    shift = 0
    cursor = start
    for index, item in items:
        text = old[item.span.start : item.span.end]
        at = item.span.start + shift
        if (
            at < cursor
            or at + len(text) > end
            or new[at : at + len(text)] != text
            or not _own_line(new, at)
        ):
            at = new.find(text, cursor, end)
            while at != -1 and not _own_line(new, at):
                at = new.find(text, at + 1, end)
            if at == -1:
                continue  # changed or removed: its new text is parsed with the gap
        yield _Kept(index, item, at)
        shift = at - item.span.start
        cursor = at + len(text)


def _kept_before(items: Sequence[Item], old: str, prefix: int) -> int:
    """How many of ``items`` are kept from the start: up to the last block whose line,
    line break included, is wholly before the change (everything up to there is the
    original's text, read the same way)."""
    at = bisect.bisect_right(items, prefix, key=lambda item: item.span.end)
    while at and not (isinstance(items[at - 1], Block) and _line_end(old, items[at - 1]) < prefix):
        at -= 1
    return at


def _line_end(text: str, item: Item) -> int:
    """Where the line break after ``item`` is (the text's end when there is none)."""
    found = text.find("\n", item.span.end)
    return len(text) if found == -1 else found


def _kept_after(items: Sequence[Item], changed_end: int, new: str, by: int) -> int:
    """Where the items kept to the end start: at the first block wholly after the change
    that starts on a line of its own in ``new``."""
    at = bisect.bisect_left(items, changed_end, key=lambda item: item.span.start)
    while at < len(items) and not (
        isinstance(items[at], Block) and _own_line(new, items[at].span.start + by)
    ):
        at += 1
    return at


# What HCL itself skips between tokens (``str.strip`` would also skip what HCL rejects).
_BLANK = " \t\r\n"


def _own_line(text: str, start: int) -> bool:
    """Whether only spaces come before ``start`` on its line."""
    line_start = text.rfind("\n", 0, start) + 1
    return not text[line_start:start].strip(_BLANK)
