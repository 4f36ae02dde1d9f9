"""Findings and errors as workflow annotations, on the file and line they concern.

GitHub shows at most 10 annotations of each type (error, warning, notice) per step and drops
the rest silently, so each type is ordered most important first and, when there are more, the
tenth says how many were left out and where they are. What the publish step itself warns of (a
refused write) is a warning too: it goes first and counts toward the ten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from iam_prune.model import Finding, Report, Status
from iam_prune.publish.github_touched import is_touched

PER_TYPE: Final = 10


def lines(
    report: Report,
    touched: frozenset[str] = frozenset(),
    published: Sequence[str] = (),
    failed: Sequence[str] = (),
) -> list[str]:
    """The ``::error``/``::warning`` commands for ``report`` and the publish step's own
    ``published`` warnings and ``failed`` errors (first), at most 10 of each type."""
    errors = [_command("error", "iam-prune publish", f, None, None) for f in failed]
    errors += [
        _command("error", "iam-prune: the check ran incomplete", e.message, e.file, e.line)
        for e in report.errors
    ]
    removals = sorted(
        (f for f in report.findings if f.status is Status.REMOVE_FROM_CODE),
        key=lambda f: not is_touched(f, touched),
    )
    errors += [_finding("error", f, "remove it from the code") for f in removals]
    errors += [
        _finding("error", f, "declared in no Terraform: delete it in AWS")
        for f in report.findings
        if f.status is Status.DELETE_UNMANAGED
    ]
    warnings = [_command("warning", "iam-prune publish", w, None, None) for w in published]
    warnings += [
        _finding("warning", f, "needs a look")
        for f in report.findings
        if f.status is Status.NEEDS_REVIEW
    ]
    return [*_capped("error", errors), *_capped("warning", warnings)]


def _capped(kind: str, commands: list[str]) -> Iterable[str]:
    if len(commands) <= PER_TYPE:
        return commands
    left = len(commands) - (PER_TYPE - 1)
    more = _command(
        kind,
        "iam-prune",
        f"{left} more not shown here (GitHub shows {PER_TYPE} per step): see the job summary",
        None,
        None,
    )
    return [*commands[: PER_TYPE - 1], more]


def _finding(kind: str, finding: Finding, what: str) -> str:
    first = finding.declarations[0] if finding.declarations else None
    return _command(
        kind,
        f"Unused IAM user {finding.user}: {what}",
        finding.reason,
        None if first is None else first.file,
        None if first is None else first.line,
        None if first is None else first.span.end_line,
    )


def _command(
    kind: str,
    title: str,
    message: str,
    file: str | None,
    line: int | None,
    end_line: int | None = None,
) -> str:
    properties = [f"title={_property(title)}"]
    if file:
        properties.insert(0, f"file={_property(file)}")
        if line:
            properties.insert(1, f"line={line}")
            if end_line and end_line >= line:
                properties.insert(2, f"endLine={end_line}")
    return f"::{kind} {','.join(properties)}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%`` and line breaks would end or garble it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
