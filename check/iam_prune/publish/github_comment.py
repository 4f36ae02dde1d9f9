"""The text of the sticky pull-request comment and of the tracking issue.

Both are the Markdown report (``formats/markdown.py``) with what only GitHub needs around it:

* a hidden marker, by which the next run finds the comment again (among its own only);
* the findings of the last complete run in a hidden state line, so the next run can say what
  changed (users newly found, users resolved) without any storage of its own. An incomplete
  run says nothing of changes (a user it did not see is not resolved) and keeps the state it
  found, so the next complete run compares with what was last seen whole;
* which removals are suggested in the diff and that the others are only here, and a link to
  the run that published it when the report does not already link it (the renderer marks
  the findings this pull request touches, and lists them first).

The report gets whatever is left of GitHub's 65,536-character budget after these parts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from iam_prune.formats import markdown
from iam_prune.formats.mdtext import code
from iam_prune.model import Report

PULL_REQUEST_MARKER: Final = "<!-- iam-prune:pull-request-comment -->"
#: What a comment key may hold: it goes into an HTML comment, which ``>`` would end.
COMMENT_KEY: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
ISSUE_MARKER: Final = "<!-- iam-prune:tracking-issue -->"
STATE_PREFIX: Final = "<!-- iam-prune:state "
MAX_BODY: Final = 65_536
MAX_STATE: Final = 16_000  # characters of hidden state at most: the report needs the room
_LISTED: Final = 10  # users named in a one-line list before "and N more"


def pull_request_marker(key: str = "") -> str:
    """The sticky comment's marker: one per key, so that jobs publishing on the same pull
    request (one per account in a matrix) each keep their own comment. No marker is part of
    another (``key=a`` is not in ``key=ab``, and the keyless one is in none)."""
    if not key:
        return PULL_REQUEST_MARKER
    if not COMMENT_KEY.fullmatch(key):
        raise ValueError(f"a comment key is 1 to 64 of A-Z a-z 0-9 . _ - (not {key!r})")
    return f"<!-- iam-prune:pull-request-comment key={key} -->"


@dataclass(frozen=True)
class State:
    """The failing findings of one run: ``(fingerprint, user, account id)`` each.

    ``complete`` is false when the run was incomplete or the state had to be cut to fit; a
    partial state cannot say what was resolved, so the next run then says nothing about
    changes."""

    findings: tuple[tuple[str, str, str], ...]
    complete: bool = True


@dataclass(frozen=True)
class Changes:
    new: tuple[str, ...]
    resolved: tuple[str, ...]


def state_of(report: Report) -> State:
    return State(
        tuple(
            (f.fingerprint(a.account_id), f.user, a.account_id)
            for a in report.accounts
            for f in a.findings
            if f.status.is_failure
        ),
        report.complete,
    )


def state_to_keep(report: Report, previous: State | None) -> State:
    """What the comment carries for the next run: this run's findings when it saw everything,
    else the last complete state it found (or this partial one, marked so)."""
    current = state_of(report)
    if current.complete or previous is None or not previous.complete:
        return current
    return previous


def encode_state(state: State, limit: int = MAX_STATE) -> str:
    """The state as one HTML comment line: JSON whose ``-`` and ``>`` are escaped inside its
    strings (the only place they can occur), so no user name can close the comment."""
    findings = list(state.findings)
    complete = state.complete
    while True:
        doc = {"v": 1, "complete": complete, "findings": findings}
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=True)
        text = text.replace("-", "\\u002d").replace(">", "\\u003e")
        line = f"{STATE_PREFIX}{text} -->"
        if len(line) <= limit or not findings:
            return line
        findings = findings[: len(findings) * 3 // 4]
        complete = False


def decode_state(body: str) -> State | None:
    """The state an earlier comment carries, or ``None`` (none, or not readable)."""
    start = body.find(STATE_PREFIX)
    if start < 0:
        return None
    end = body.find(" -->", start)
    try:
        doc = json.loads(body[start + len(STATE_PREFIX) : end])
        findings = tuple((str(f), str(u), str(a)) for f, u, a in doc["findings"])
        return State(findings, bool(doc.get("complete", True)))
    except (ValueError, KeyError, TypeError):
        return None


def changes(previous: State | None, current: State) -> Changes | None:
    """Users newly found and users resolved since ``previous``; ``None`` when unknown (either
    state partial)."""
    if previous is None or not previous.complete or not current.complete:
        return None
    before = {f: (u, a) for f, u, a in previous.findings}
    now = {f: (u, a) for f, u, a in current.findings}
    several = len({a for _, a in (*before.values(), *now.values())}) > 1

    def named(items: dict[str, tuple[str, str]], keys: set[str]) -> tuple[str, ...]:
        return tuple(
            sorted(f"{items[k][0]} ({items[k][1]})" if several else items[k][0] for k in keys)
        )

    return Changes(
        named(now, now.keys() - before.keys()), named(before, before.keys() - now.keys())
    )


@dataclass(frozen=True)
class Context:
    """What the GitHub parts say besides the report."""

    marker: str
    previous: State | None = None
    run_url: str | None = None
    touched_files: frozenset[str] = frozenset()
    suggested: int = 0  # users with one-click suggestions in the diff
    #: Users whose removal is only in this comment, by the reason (a phrase) they are.
    only_here: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pull_request: bool = False


def body(report: Report, context: Context, max_size: int = MAX_BODY) -> str:
    """The whole comment, at most ``max_size`` characters and bytes."""
    top = "\n".join([context.marker, encode_state(state_to_keep(report, context.previous))])
    extras = _extras(report, context)
    fixed = len(top.encode("utf-8")) + len(extras.encode("utf-8")) + 4
    rendered = markdown.render(
        report, max_size=max_size - fixed, touched_files=context.touched_files
    )
    head, verdict, rest = _split(rendered)
    if verdict is None:
        return "\n".join([top, rendered.rstrip("\n"), "", extras]) + "\n"
    parts = [top, head, verdict] + ([extras] if extras else []) + [rest]
    return "\n".join([parts[0], "\n\n".join(p for p in parts[1:] if p)])


def _split(rendered: str) -> tuple[str, str | None, str]:
    """The renderer's heading, verdict line and the rest, to put GitHub's parts after the
    verdict; if the renderer's shape is not that, everything goes first."""
    pieces = rendered.split("\n\n", 2)
    if len(pieces) == 3 and pieces[0].startswith(markdown.MARKER):
        return pieces[0], pieces[1], pieces[2]
    return rendered, None, ""


def _extras(report: Report, context: Context) -> str:
    lines: list[str] = []
    since = changes(context.previous, state_of(report))
    if since is not None:
        if since.new or since.resolved:
            said = []
            if since.new:
                said.append(f"{len(since.new)} new ({_names(since.new)})")
            if since.resolved:
                said.append(f"{len(since.resolved)} resolved ({_names(since.resolved)})")
            lines.append(f"**Since the last run:** {', '.join(said)}.")
        else:
            lines.append("**Since the last run:** no change.")
    if context.pull_request:
        if context.suggested:
            lines.append(
                f"**Suggested in the diff:** the removal of {context.suggested}"
                f" user{'s' if context.suggested != 1 else ''}, as one-click suggestions."
            )
        if context.only_here:
            lines.append(
                "\n".join(
                    ["**Only in this comment, not suggested in the diff:**"]
                    + [f"- {why}: {_names(users)}" for why, users in context.only_here]
                )
            )
    scanned_by = report.run.url if report.run is not None else None
    if context.run_url and context.run_url != scanned_by:  # the report links its own run
        lines.append(f"Published by [this workflow run]({context.run_url}).")
    return "\n\n".join(lines)


def _names(users: Sequence[str]) -> str:
    shown = ", ".join(code(u) for u in users[:_LISTED])
    more = len(users) - _LISTED
    return f"{shown} and {more} more" if more > 0 else shown
