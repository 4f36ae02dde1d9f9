"""Where an edited text differs from its original: the lengths of their common ends.

Every candidate change to a big file rewrites a few lines of it; what is worked out again
afterwards (its parse, its alignment, its diff) only has to look near those lines, and this
says where they are. The ends are compared in chunks, by string comparison (``memcmp``), not
character by character in Python: for a file of thousands of lines this costs microseconds.
"""

from __future__ import annotations

from collections.abc import Callable

_CHUNK = 4096


def common_ends(old: str, new: str) -> tuple[int, int]:
    """``(prefix, suffix)``: the longest ``prefix`` with ``old[:prefix] == new[:prefix]``,
    then the longest ``suffix`` of what is left of both, ``old[len(old) - suffix:] ==
    new[len(new) - suffix:]``, with ``prefix + suffix`` at most the shorter length."""
    shorter = min(len(old), len(new))
    prefix = _common_prefix(old, new, shorter)
    suffix = _common_suffix(old, new, shorter - prefix)
    return prefix, suffix


def _common_prefix(old: str, new: str, limit: int) -> int:
    def agree(start: int, length: int) -> bool:
        return old[start : start + length] == new[start : start + length]

    return _agreeing(agree, limit)


def _common_suffix(old: str, new: str, limit: int) -> int:
    old_end, new_end = len(old), len(new)

    def agree(start: int, length: int) -> bool:  # counted from the ends
        return (
            old[old_end - start - length : old_end - start]
            == new[new_end - start - length : new_end - start]
        )

    return _agreeing(agree, limit)


def _agreeing(agree: Callable[[int, int], bool], limit: int) -> int:
    """How many characters agree, up to ``limit``: ``agree(start, length)`` says whether the
    ``length`` characters from ``start`` do. Chunk by chunk, then a binary search within the
    chunk that does not."""
    done = 0
    while done < limit:
        step = min(_CHUNK, limit - done)
        if not agree(done, step):
            low, high = 0, step  # the first `low` agree, the first `high` do not
            while high - low > 1:
                middle = (low + high) // 2
                if agree(done, middle):
                    low = middle
                else:
                    high = middle
            return done + low
        done += step
    return limit
