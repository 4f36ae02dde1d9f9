"""Where a name occurs in a big file, and the blocks that hold it.

A finding asks of the file it edits which blocks mention a few names (the addresses its edit
changes, the user's name in a string). Asking each block in turn, with a regular expression,
costs the whole file per finding; finding the name in the text (``str.find``, at the speed
of a memory scan) and taking the blocks the occurrences fall in costs what the answer holds.
This holds for HCL, where a name (no brace, no space) lies within one block or none: a
block starts after a line break or a space and ends at its ``}``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence

from iam_prune.terraform.syntax import Block

#: What continues a word on either side of a name: ``aws_iam_user.bob`` is not mentioned in
#: ``aws_iam_user.bobby`` (the same as ``(?<![\w-])`` and ``(?![\w-])`` in a pattern).
_WORD = re.compile(r"[\w-]")


def holding(blocks: Sequence[Block], occurrences: Iterable[tuple[int, int]]) -> list[Block]:
    """Those of ``blocks`` (in source order, none inside another) that hold one of the
    character ranges ``occurrences``, once each, in source order."""
    found: dict[int, Block] = {}
    for start, end in occurrences:
        at = bisect.bisect_right(blocks, start, key=lambda block: block.span.start) - 1
        if at >= 0 and end <= blocks[at].span.end:
            found.setdefault(at, blocks[at])
    return [found[at] for at in sorted(found)]


def occurrences(text: str, name: str) -> Iterator[tuple[int, int]]:
    """Where ``name`` occurs in ``text``, as a string of characters (an empty one occurs
    everywhere, as it does for a pattern)."""
    if not name:
        yield from ((at, at) for at in range(len(text) + 1))
        return
    at = text.find(name)
    while at != -1:
        yield at, at + len(name)
        at = text.find(name, at + 1)


def words(text: str, names: Iterable[str]) -> Iterator[tuple[int, int]]:
    """Where one of ``names`` occurs in ``text`` as a whole dotted word."""
    for name in names:
        for start, end in occurrences(text, name):
            if not (start and _WORD.match(text, start - 1)) and not _WORD.match(text, end):
                yield start, end
