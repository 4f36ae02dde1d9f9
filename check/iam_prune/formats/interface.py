"""The contract every output format keeps, and the registry ``cli.py`` picks from by name.

A format is a pure function from a finished :class:`~iam_prune.model.Report` to the text to
write: no I/O, no clock, no environment. That keeps each format testable on a hand-built report
and lets ``cli.py``/``publish/`` decide where the text goes (a file, stdout, a PR comment).

The few facts several formats must agree on (the order statuses are shown in, how a timestamp
is spelled) live here too, so a reader never sees the terminal and the PR comment disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final, Protocol

from iam_prune.model import Report, Status


class Renderer(Protocol):
    """Turn a report into the text of one format (keyword-only options may follow)."""

    def __call__(self, report: Report, /) -> str: ...


class UnknownFormatError(ValueError):
    """Raised by :func:`get` for a name no format answers to."""


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

NAMES: Final[tuple[str, ...]] = ("text", "json", "junit", "markdown", "sarif")


def renderers() -> Mapping[str, Renderer]:
    """Every format by name.

    The imports are local because the format modules import this one for the shared helpers.
    """
    from iam_prune.formats import json, junit, markdown, sarif, text

    return {
        "text": text.render,
        "json": json.render,
        "junit": junit.render,
        "markdown": markdown.render,
        "sarif": sarif.render,
    }


def get(name: str) -> Renderer:
    """The renderer called ``name``; the error lists the names that exist."""
    try:
        return renderers()[name]
    except KeyError:
        known = ", ".join(NAMES)
        raise UnknownFormatError(f"unknown format {name!r} (known: {known})") from None


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
