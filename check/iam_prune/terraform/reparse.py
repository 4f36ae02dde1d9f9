"""An edited HCL file parsed again, reading only what the edits changed.

Checking a fix means parsing the edited file, once per round of ``settle`` and per candidate:
for a file of fifty users that was nine tenths of planning a finding, although an edit changes
one or two blocks. The blocks the edit kept are the same text at another place; they are
taken over from the original parse, moved to their new place, and only the text between them
(top-level attributes included) is parsed.

A kept item is found by its exact text, starting on a line of its own; the gaps around it are
parsed on their own, so a match that is not really a top-level item (the same text inside a
heredoc or a ``/* */`` comment) leaves a gap that cannot parse, and then the whole file is
parsed the ordinary way. The result is the same ``ParsedFile`` a full parse gives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

from iam_prune.model import SourceSpan
from iam_prune.terraform.parse import parse_file, parse_region
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


@dataclasses.dataclass(frozen=True)
class _Kept:
    """The ``index``-th item of the old parse, found unchanged at ``start`` in the new text."""

    index: int
    item: Item
    start: int


def _items(parsed: ParsedFile) -> list[Item]:
    """The top-level blocks and attributes in source order."""
    items: list[Item] = [*parsed.blocks, *parsed.attributes]
    return sorted(items, key=lambda item: item.span.start)


def _stitched(before: ParsedFile, old: str, new: str) -> ParsedFile:
    # Only blocks are kept: a block ends at its own `}`, while python-hcl2 lets an attribute's
    # value run on into what follows it (a comment after `a + b`, text after a heredoc's end).
    items = _items(before)
    kept = [(index, item) for index, item in enumerate(items) if isinstance(item, Block)]
    lines = LineIndex(before.path, new)
    found: list[Item] = []
    cursor = previous_end = 0
    previous = -1
    for anchor in (*_kept(kept, old, new), None):
        # The text since the last kept item: parsed unless it is the same gap as before,
        # with no item of the old parse in it.
        start = len(new) if anchor is None else anchor.start
        index = len(items) if anchor is None else anchor.index
        old_end = len(old) if anchor is None else anchor.item.span.start
        if index != previous + 1 or new[cursor:start] != old[previous_end:old_end]:
            found.extend(_parsed(lines, cursor, start))
        if anchor is None:
            break
        by = anchor.start - anchor.item.span.start
        found.append(_moved(anchor.item, by, lines.line(anchor.start) - anchor.item.span.line))
        cursor = anchor.item.span.end + by
        previous_end = anchor.item.span.end
        previous = anchor.index
    return ParsedFile(
        before.path,
        tuple(item for item in found if isinstance(item, Block)),
        tuple(item for item in found if isinstance(item, Attribute)),
    )


def _kept(items: Sequence[tuple[int, Item]], old: str, new: str) -> Iterator[_Kept]:
    """The old items found in order in the new text: where they were, shifted by what the
    edits before them added or took away, or else further on."""
    shift = 0
    cursor = 0
    for index, item in items:
        text = _text(item, old)
        start = item.span.start + shift
        if start < cursor or new[start : start + len(text)] != text or not _own_line(new, start):
            start = new.find(text, cursor)
            while start != -1 and not _own_line(new, start):
                start = new.find(text, start + 1)
            if start == -1:
                continue  # changed or removed: its new text is parsed with the gap
        yield _Kept(index, item, start)
        shift = start - item.span.start
        cursor = start + len(text)


def _text(item: Item, text: str) -> str:
    return text[item.span.start : item.span.end]


# What HCL itself skips between tokens (``str.strip`` would also skip what HCL rejects).
_BLANK = " \t\r\n"


def _own_line(text: str, start: int) -> bool:
    """Whether only spaces come before ``start`` on its line."""
    line_start = text.rfind("\n", 0, start) + 1
    return not text[line_start:start].strip(_BLANK)


def _parsed(lines: LineIndex, start: int, end: int) -> tuple[Item, ...]:
    if not lines.text[start:end].strip(_BLANK):
        return ()
    return tuple(_items(parse_region(lines.path, lines.text, start, end, lines)))


def _moved(item: Item, by: int, lines: int) -> Item:
    if by == 0 and lines == 0:
        return item
    moved: Item = _shift(item, _Shift(by, lines))
    return moved


@dataclasses.dataclass(frozen=True)
class _Shift:
    by: int
    lines: int

    def span(self, span: SourceSpan) -> SourceSpan:
        return SourceSpan(
            span.file,
            span.start + self.by,
            span.end + self.by,
            span.line + self.lines,
            span.end_line + self.lines,
        )


def _shift(node: Any, shift: _Shift) -> Any:
    """``node`` with every span in it moved."""
    kind = type(node)
    if kind in _PLAIN:
        return node
    if kind is SourceSpan:
        return shift.span(node)
    if kind is tuple:
        return tuple([_shift(part, shift) for part in node])
    rebuild = _REBUILDERS.get(kind)
    if rebuild is None:
        rebuild = _REBUILDERS[kind] = _rebuilder(kind)
    return node if rebuild is False else rebuild(node, shift)


#: Values that hold no span: returned as they are, without a lookup.
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None)})

_REBUILDERS: dict[type, Callable[[Any, _Shift], Any] | Literal[False]] = {}


def _rebuilder(kind: type) -> Callable[[Any, _Shift], Any] | Literal[False]:
    """How to rebuild a syntax node of ``kind`` with its spans moved; ``False`` for a value
    that holds no span (a name, a number). A node's fields are set straight on a new
    instance (the nodes are frozen dataclasses without ``__post_init__``): a big file's
    blocks after an edit are moved for every candidate change, and ``__init__`` per node
    was most of that."""
    if not dataclasses.is_dataclass(kind):
        return False
    names = tuple(field.name for field in dataclasses.fields(kind))
    if hasattr(kind, "__post_init__"):

        def construct(node: Any, shift: _Shift) -> Any:
            return kind(*(_shift(getattr(node, name), shift) for name in names))

        return construct
    new = object.__new__
    put = object.__setattr__

    def rebuild(node: Any, shift: _Shift) -> Any:
        copy = new(kind)
        for name in names:
            put(copy, name, _shift(getattr(node, name), shift))
        return copy

    return rebuild
