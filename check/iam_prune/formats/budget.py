"""A page of Markdown blocks that never grows past its budget in bytes.

The Markdown report adds its parts in priority order; each part takes what is left after the
parts before it and after what is reserved for the parts that must come last (the footer).
Bytes of UTF-8 are counted, which are never fewer than characters, so one test covers
GitHub's limits in either unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class Page:
    """Blocks joined by blank lines, never more than ``max_size`` bytes with what is
    ``reserved`` for the parts that must come last."""

    def __init__(self, max_size: int, reserved: int) -> None:
        self.max_size = max_size
        self.reserved = reserved
        self.blocks: list[str] = []
        self.used = 1  # the final newline

    def room(self) -> int:
        return self.max_size - self.reserved - self.used

    def fits(self, block: str) -> bool:
        return size(block) + (2 if self.blocks else 0) <= self.room()

    def add(self, block: str) -> bool:
        """Append ``block`` if it fits (the head always does: it is what the page is for)."""
        if not self.fits(block) and self.blocks:
            return False
        self.used += size(block) + (2 if self.blocks else 0)
        self.blocks.append(block)
        return True

    def add_items(
        self,
        title: str,
        items: Sequence[str],
        rest: Callable[[int], str],
        *,
        separator: str = "\n",
        limit: int | None = None,
        at_least: int = 0,
    ) -> int:
        """The title and as many ``items`` as fit (within ``limit`` bytes, if given), then
        ``rest(n)`` for the ``n`` left out; returns how many were shown. Nothing is added
        when fewer than ``at_least`` fit (a table's header means nothing without a row)."""
        if not items:
            return 0
        room = self.room() - (2 if self.blocks else 0)
        if limit is not None:
            room = min(room, limit)
        room -= size(rest(len(items))) + len(separator)
        parts = [title]
        used = size(title)
        for item in items:
            cost = len(separator.encode()) + size(item)
            if used + cost > room:
                break
            parts.append(item)
            used += cost
        shown = len(parts) - 1
        if (shown == 0 and used > room) or shown < at_least:
            return 0
        if shown < len(items):
            parts.append(rest(len(items) - shown))
        self.add(separator.join(parts))
        return shown

    def insert(self, index: int, block: str) -> None:
        """Put ``block`` before the block at ``index``; the caller reserved room for it."""
        self.blocks.insert(index, block)
        self.used += size(block) + 2

    def text(self) -> str:
        return "\n\n".join(self.blocks) + "\n"


def size(text: str) -> int:
    return len(text.encode("utf-8"))
