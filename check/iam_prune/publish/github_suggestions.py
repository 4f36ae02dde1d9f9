"""One-click suggestions: a finding's patch as ```suggestion review comments, where GitHub allows.

GitHub accepts a review comment only on lines of the pull request's diff (the RIGHT side, inside
a hunk of ``GET /pulls/{n}/files``), a multi-line one only within one hunk, and a suggestion
replaces exactly the lines it covers. So a finding gets suggestions only when every change in
its patch can be one: each run of removed lines (with the lines that replace them) lies in one
hunk of the PR's diff, with the same text there. Then applying all of them is exactly the
patch; otherwise the finding has none, and the conversation comment carries its diff. A pure
insertion, a new or deleted file, or a missing final newline cannot be expressed this way.

Every comment carries a hidden key (the finding's fingerprint and a hash of the change), so a
re-run never suggests the same removal twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from iam_prune.fixes.text.patch import diff_target
from iam_prune.formats.mdtext import code, inline, longest_backtick_run
from iam_prune.model import Finding, Report, Status
from iam_prune.redaction import HIDDEN

MAX_COMMENTS: Final = 30
KEY_PREFIX: Final = "<!-- iam-prune:suggestion "
_KEY: Final = re.compile(r"<!-- iam-prune:suggestion ([0-9a-f:]+) -->")
_HUNK: Final = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class Change:
    """Lines ``start..end`` (1-based, inclusive) of ``path`` become ``replacement``."""

    path: str
    start: int
    end: int
    removed: tuple[str, ...]
    replacement: tuple[str, ...]


@dataclass(frozen=True)
class ReviewComment:
    """One review comment as the reviews API takes it."""

    path: str
    start_line: int
    line: int
    body: str
    key: str  # "<finding fingerprint>:<hash of the change>"
    user: str

    def payload(self) -> dict[str, object]:
        comment: dict[str, object] = {
            "path": self.path,
            "line": self.line,
            "side": "RIGHT",
            "body": self.body,
        }
        if self.start_line < self.line:
            comment["start_line"] = self.start_line
            comment["start_side"] = "RIGHT"
        return comment


class Why(StrEnum):
    """Why a removal is only in the conversation comment, as the comment says it; in the
    order the comment lists them."""

    OUTSIDE = "lines outside this pull request's diff"
    NO_PATCH = "no patch to suggest"
    INEXPRESSIBLE = (
        "a change suggestions cannot make (an insertion, a new or deleted file, a missing"
        " final newline, CRLF line ends)"
    )
    OVERLAP = "lines another user's suggestion covers"
    CAP = f"past the {MAX_COMMENTS} suggestions one run makes"
    REFUSED = "GitHub refused the review"
    UNANSWERED = "GitHub did not answer the review (it is suggested again next run if lost)"


@dataclass(frozen=True)
class Plan:
    """What one run suggests, and what stays in the conversation comment only."""

    comments: tuple[ReviewComment, ...]
    suggested: frozenset[str]  # fingerprints with a suggestion in the diff (now or before)
    left: tuple[tuple[str, Why], ...]  # users whose removal is only in the comment, and why

    def only_here(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The users left out, by reason (the comment's sentence for it), reasons in
        :class:`Why`'s order."""
        return tuple(
            (why.value, users)
            for why in Why
            if (users := tuple(user for user, reason in self.left if reason is why))
        )


# --------------------------------------------------------------------------- diffs


def patch_changes(patch: str) -> tuple[Change, ...] | None:
    """The changes of a unified diff as line replacements, or ``None`` when one of them
    cannot be a suggestion (an insertion with nothing removed, a new or deleted file, a
    missing final newline, a CRLF file).

    Hunk lines are counted from the ``@@`` header, so a removed line whose text happens to
    start with ``--`` or ``@@`` is never taken for a header."""
    if "\r" in patch:
        return None
    changes: list[Change] = []
    path: str | None = None
    for header, body in _hunks(patch.split("\n")):
        if header.startswith("--- "):
            if header[4:].strip() == "/dev/null":
                return None
            continue
        if header.startswith("+++ "):
            target = header[4:].strip()
            if target == "/dev/null":
                return None
            path = diff_target(target) or target
            continue
        match = _HUNK.match(header)
        if match is None or path is None:
            continue
        found = _changes(path, int(match.group(1)), body)
        if found is None:
            return None
        changes.extend(found)
    return tuple(changes)


def _hunks(lines: list[str]) -> Iterable[tuple[str, list[str]]]:
    """Each header line with the hunk lines that follow it (none for a file header)."""
    index = 0
    while index < len(lines):
        header = lines[index]
        index += 1
        match = _HUNK.match(header)
        if match is None:
            yield header, []
            continue
        old_left = 1 if match.group(2) is None else int(match.group(2))
        new_left = 1 if match.group(4) is None else int(match.group(4))
        body: list[str] = []
        while index < len(lines) and (old_left > 0 or new_left > 0 or lines[index][:1] == "\\"):
            line = lines[index]
            index += 1
            body.append(line)
            kind = line[:1]
            if kind in (" ", ""):
                old_left, new_left = old_left - 1, new_left - 1
            elif kind == "-":
                old_left -= 1
            elif kind == "+":
                new_left -= 1
        yield header, body


def _changes(path: str, old_line: int, body: list[str]) -> list[Change] | None:
    """The runs of removed (and replacing) lines of one hunk, or ``None`` if one cannot be a
    suggestion."""
    changes: list[Change] = []
    removed: list[str] = []
    added: list[str] = []
    start = old_line
    for line in [*body, " "]:  # a final context line closes the last run
        kind, text = line[:1], line[1:]
        if kind == "\\":
            return None
        if kind == "-":
            if added and not removed:
                return None  # an insertion directly before a removal: not one suggestion
            if not removed:
                start = old_line
            removed.append(text)
            old_line += 1
        elif kind == "+":
            if not removed and not added:
                start = old_line
            added.append(text)
        else:
            if added and not removed:
                return None  # a pure insertion
            if removed:
                changes.append(
                    Change(path, start, start + len(removed) - 1, (*removed,), (*added,))
                )
            removed, added = [], []
            old_line += 1
    return changes


def right_side_lines(file_patch: str) -> dict[int, tuple[int, str]]:
    """``line -> (hunk number, text)`` for every RIGHT-side line of a PR file's ``patch``."""
    lines: dict[int, tuple[int, str]] = {}
    number = -1
    for header, body in _hunks(file_patch.split("\n")):
        match = _HUNK.match(header)
        if match is None:
            continue
        number += 1
        new_line = int(match.group(3))
        for line in body:
            if line[:1] in (" ", "+", ""):
                lines[new_line] = (number, line[1:])
                new_line += 1
    return lines


def diff_lines(files: Iterable[Mapping[str, object]]) -> dict[str, dict[int, tuple[int, str]]]:
    """The RIGHT side of every file of ``GET /pulls/{n}/files`` that has a textual patch."""
    return {
        str(f["filename"]): right_side_lines(str(f["patch"]))
        for f in files
        if isinstance(f.get("patch"), str)
    }


def _inside(change: Change, diff: Mapping[str, Mapping[int, tuple[int, str]]]) -> bool:
    """Every removed line is a RIGHT-side line of one hunk of the diff, with the same text.

    A report hides sensitive values in its patches; a removed line showing the placeholder
    matches the real line around it (the suggestion removes the line, it never repeats it).
    A replacement that shows the placeholder cannot be suggested: it would write it."""
    lines = diff.get(change.path)
    if lines is None or any(HIDDEN in text for text in change.replacement):
        return False
    hunks = set()
    for offset, text in enumerate(change.removed):
        found = lines.get(change.start + offset)
        if found is None or not _same_line(text, found[1]):
            return False
        hunks.add(found[0])
    return len(hunks) == 1


def _same_line(shown: str, actual: str) -> bool:
    if HIDDEN not in shown:
        return shown == actual
    pattern = ".+?".join(re.escape(part) for part in shown.split(HIDDEN))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


# --------------------------------------------------------------------------- the plan


def existing_keys(bodies: Iterable[str]) -> frozenset[str]:
    """The suggestion keys found in earlier review comments (by this tool's identity)."""
    return frozenset(match.group(1) for body in bodies for match in _KEY.finditer(body))


def plan(
    report: Report,
    diff: Mapping[str, Mapping[int, tuple[int, str]]],
    already: frozenset[str] = frozenset(),
) -> Plan:
    """The review comments of one run: whole findings only, at most ``MAX_COMMENTS``
    comments, none that an earlier run made, no two covering the same line."""
    comments: list[ReviewComment] = []
    suggested: set[str] = set()
    left: list[tuple[str, Why]] = []
    taken: set[tuple[str, int]] = set()
    for account in report.accounts:
        for finding in account.findings:
            if finding.status is not Status.REMOVE_FROM_CODE:
                continue
            patch = finding.remediation.patch if finding.remediation else None
            changes = patch_changes(patch) if patch else None
            if not patch or not changes:
                left.append((finding.user, Why.INEXPRESSIBLE if patch else Why.NO_PATCH))
                continue
            if not all(_inside(c, diff) for c in changes):
                left.append((finding.user, Why.OUTSIDE))
                continue
            fingerprint = finding.fingerprint(account.account_id)
            mine = _comments(finding, fingerprint, changes)
            new = [c for c in mine if c.key not in already]
            lines = {(c.path, n) for c in changes for n in range(c.start, c.end + 1)}
            if lines & taken or len(comments) + len(new) > MAX_COMMENTS:
                left.append((finding.user, Why.OVERLAP if lines & taken else Why.CAP))
                continue
            taken |= lines
            comments.extend(new)
            suggested.add(fingerprint)
    return Plan(tuple(comments), frozenset(suggested), tuple(left))


def _comments(finding: Finding, fingerprint: str, changes: Sequence[Change]) -> list[ReviewComment]:
    result = []
    for number, change in enumerate(changes, 1):
        digest = hashlib.sha256(
            "\0".join((change.path, *change.removed, "\0", *change.replacement)).encode("utf-8")
        ).hexdigest()[:16]
        key = f"{fingerprint}:{digest}"
        part = f" (change {number} of {len(changes)})" if len(changes) > 1 else ""
        what = "remove these lines" if not change.replacement else "change these lines"
        body = "\n\n".join(
            [
                f"{KEY_PREFIX}{key} -->",
                f"**iam-prune**: {what} to retire the unused IAM user {code(finding.user)}{part}.",
                f"**Why:** {inline(finding.reason)}",
                _suggestion(change.replacement),
            ]
        )
        result.append(ReviewComment(change.path, change.start, change.end, body, key, finding.user))
    return result


def _suggestion(replacement: Sequence[str]) -> str:
    """The replacement verbatim (never cleaned up for display: applying it must give exactly
    the patch), in a fence no backtick run inside it can close."""
    if not replacement:
        return "```suggestion\n```"
    body = "\n".join(replacement)
    fence = "`" * max(3, longest_backtick_run(body) + 1)
    return f"{fence}suggestion\n{body}\n{fence}"


def without_new(plan: Plan, why: Why = Why.REFUSED) -> Plan:
    """The plan once its review was refused (or went unanswered): the findings it would have
    suggested for the first time are only in the conversation comment."""
    refused = {c.key.split(":", 1)[0] for c in plan.comments}
    users = sorted({c.user for c in plan.comments})
    return Plan((), plan.suggested - refused, (*plan.left, *((u, why) for u in users)))


def review_body(plan: Plan, *, commented: bool = True) -> str:
    """The review's own text: what the comments are, in one sentence; where the whole patch
    is depends on whether the run keeps a conversation comment (``commented``)."""
    count = len(plan.comments)
    users = "user" if len(plan.suggested) == 1 else "users"
    where = "the conversation comment" if commented else "the report (the job summary, --json)"
    return (
        f"iam-prune: {count} suggested change{'s' if count != 1 else ''} retiring unused IAM"
        f" {users} declared in lines this pull request touches. Applying all of a user's"
        f" suggestions gives exactly the patch in {where}."
    )
