"""The contract every output format keeps, and the facts the formats share.

A format is a pure function from a finished :class:`~iam_prune.model.Report` to the text to
write: no I/O, no clock, no environment. That keeps each format testable on a hand-built report
and lets ``cli.py``/``publish/`` decide where the text goes (a file, stdout, a PR comment).

The few facts several formats must agree on (the order statuses are shown in, how a timestamp
is spelled) live here too, so a reader never sees the terminal and the PR comment disagree.
This module imports no format (the registry of names is the package's, ``formats/__init__``),
so every format can import it without an import circle.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Final, Protocol

from iam_prune.model import Report, Status


class Renderer(Protocol):
    """Turn a report into the text of one format (keyword-only options may follow)."""

    def __call__(self, report: Report, /) -> str: ...


#: Most urgent first: what someone has to do, then what to look at, then what is fine.
DISPLAY_ORDER: Final[tuple[Status, ...]] = (
    Status.REMOVE_FROM_CODE,
    Status.DELETE_UNMANAGED,
    Status.NEEDS_REVIEW,
    Status.EXEMPT,
    Status.GRACE,
    Status.NOT_DEPLOYED,
    Status.IN_USE,
)


def status_counts(report: Report) -> dict[Status, int]:
    """How many findings have each status, every status present (zero when none)."""
    counted = Counter(f.status for f in report.findings)
    return {status: counted[status] for status in DISPLAY_ORDER}


def isoformat(moment: datetime) -> str:
    """ISO-8601 with an explicit offset.

    AWS reports times in UTC and some sources (moto, older SDK paths) hand them over naive, so a
    naive time is taken as UTC rather than written without a zone nobody could interpret.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 user``, ``2 users``, ``1,234 users``: the count with the word that agrees with it."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def short_time(moment: datetime) -> str:
    """``2024-05-01 12:00 UTC``: when a report was made, as a reader wants to see it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
