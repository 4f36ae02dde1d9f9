"""Which accounts one run scans: ``--accounts``/``--exclude-accounts`` filters and ``--shard``.

Pure functions over (id, name) pairs, so that the split a matrix of jobs relies on can be
tested without AWS. A shard is chosen by a hash of the account id, not by position in a sorted
list: each account's shard then depends on nothing but its own id, so N jobs cover every
account exactly once even when the organisation gains or loses an account between the
moments the jobs list it (with positions, one addition would move the accounts after it).
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SHARD_FORM = "I/N, two whole numbers with 1 <= I <= N (e.g. 2/4)"
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class ShardError(ValueError):
    """``--shard`` is not of the form I/N with 1 <= I <= N."""


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SHARD.match(text)
        if match is None:
            raise ShardError(f"--shard {text!r}: expected {SHARD_FORM}")
        index, count = int(match.group(1)), int(match.group(2))
        if count < 1 or not 1 <= index <= count:
            raise ShardError(f"--shard {text!r} is out of range: expected {SHARD_FORM}")
        return cls(index, count)

    def keeps(self, account_id: str) -> bool:
        digest = hashlib.sha256(account_id.encode("ascii")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def as_named(patterns: Iterable[str], names: Iterable[str | None]) -> dict[str, str]:
    """Each pattern as :func:`matches` should read it: one that is an account's exact name
    names that account only, even when it holds glob characters (``legacy [frozen]`` would
    otherwise match ``legacy f`` and not itself)."""
    known = {name for name in names if name}
    return {p: glob.escape(p) if p in known else p for p in patterns}


def matches(pattern: str, account_id: str, name: str | None) -> bool:
    """A pattern names an account by its id or is a glob over its name (case-sensitive, as
    account names are)."""
    if pattern == account_id or fnmatch.fnmatchcase(account_id, pattern):
        return True
    return name is not None and fnmatch.fnmatchcase(name, pattern)


def unmatched(patterns: Iterable[str], accounts: Sequence[tuple[str, str | None]]) -> list[str]:
    """The patterns that name none of ``accounts``: most likely a typo, which must not pass
    for a scan of the account that was meant."""
    return [p for p in patterns if not any(matches(p, i, n) for i, n in accounts)]


def selected(
    account_id: str, name: str | None, include: Sequence[str], exclude: Sequence[str]
) -> bool:
    """Kept by ``--accounts`` (all when none given) and not dropped by ``--exclude-accounts``."""
    if include and not any(matches(p, account_id, name) for p in include):
        return False
    return not any(matches(p, account_id, name) for p in exclude)
