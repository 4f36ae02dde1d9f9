"""Markdown for the sticky pull-request comment and the job summary.

The comment is where a reviewer sees what to delete, so each user to remove from the code gets
its diff inline. Three constraints shape the output:

* The first line is a hidden marker, so ``publish/`` finds and updates its own comment instead
  of adding a new one on every push.
* GitHub refuses a body over 65,536 characters (422 "body is too long"); the byte length is
  capped too since it is never smaller. Over the limit, diffs are dropped from the last one
  backwards, each replaced by a line pointing at the JSON report; only if that is not enough
  are whole entries left out from the end, with a line counting them. The marker, the verdict
  and the counts always stay.
* User names, reasons, tag values and file paths come from outside. In table cells and running
  text they are escaped so they cannot break the table, inject HTML or format themselves;
  diffs and commands go into fenced blocks whose fence is longer than any backtick run inside.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from iam_prune.formats.interface import status_counts
from iam_prune.model import Finding, Report, ReportError, Status

MARKER: Final = "<!-- iam-prune:report -->"
MAX_SIZE: Final = 65_536
DIFF_OMITTED: Final = (
    "_The diff did not fit in this comment: the full diff is in the JSON report"
    " (the workflow artifact)._"
)

_REVIEWED: Final = (Status.NEEDS_REVIEW, Status.EXEMPT, Status.GRACE)
_TABLE_HEADER: Final = "| user | status | reason |\n| --- | --- | --- |"
_INLINE_SPECIALS: Final = re.compile(r"([\\`*_\[\]|~&])")
_BACKTICK_RUN: Final = re.compile(r"`+")


def render(
    report: Report, *, max_size: int = MAX_SIZE, touched_files: frozenset[str] = frozenset()
) -> str:
    """The comment body, at most ``max_size`` characters and ``max_size`` bytes of UTF-8.

    ``max_size`` defaults to GitHub's comment limit; the job summary may pass its own.
    Findings declared in, or patching, one of ``touched_files`` (the files a pull request
    changes) come first in their section.
    """
    body = _Body(_head(report), _sections(report, touched_files), _footer(report))
    return body.fit(max_size)


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class _Entry:
    """One user or error as shown; ``short`` is the same entry without its diff, if it has one."""

    full: str
    short: str | None = None


@dataclass(frozen=True)
class _Section:
    title: str
    preamble: str
    entries: tuple[_Entry, ...]
    separator: str

    def render(self, shown: Sequence[str]) -> str:
        """The title, then the preamble (a table header) directly above the entries shown."""
        entries = self.separator.join(shown)
        body = f"{self.preamble}\n{entries}" if self.preamble else entries
        return f"{self.title}\n\n{body}"


@dataclass(frozen=True)
class _Body:
    head: str
    sections: tuple[_Section, ...]
    footer: str

    @property
    def diffs(self) -> int:
        return sum(e.short is not None for s in self.sections for e in s.entries)

    @property
    def entries(self) -> int:
        return sum(len(s.entries) for s in self.sections)

    def fit(self, max_size: int) -> str:
        """The fullest body within ``max_size``: fewer diffs first, then fewer entries.

        The size only grows with either count, so a binary search over each finds the largest.
        """
        everything = self.text(self.diffs, self.entries)
        if _size(everything) <= max_size:
            return everything
        diffs = _largest(self.diffs, lambda n: _size(self.text(n, self.entries)) <= max_size)
        if diffs is not None:
            return self.text(diffs, self.entries)
        entries = _largest(self.entries, lambda n: _size(self.text(0, n)) <= max_size)
        return self.text(0, entries or 0)

    def text(self, diffs: int, entries: int) -> str:
        """The body with the first ``diffs`` diffs and the first ``entries`` entries."""
        blocks = [self.head]
        diffs_left, entries_left = diffs, entries
        for section in self.sections:
            shown = []
            for entry in section.entries[:entries_left]:
                if entry.short is not None:
                    shown.append(entry.full if diffs_left > 0 else entry.short)
                    diffs_left -= 1
                else:
                    shown.append(entry.full)
            entries_left -= len(shown)
            if shown:
                blocks.append(section.render(shown))
        if (hidden := self.entries - entries) > 0:
            blocks.append(
                f"_{hidden} more {'entry is' if hidden == 1 else 'entries are'} not shown to"
                " fit GitHub's comment size limit: see the JSON report._"
            )
        blocks.append(self.footer)
        return "\n\n".join(blocks) + "\n"


def _largest(upper: int, fits: Callable[[int], bool]) -> int | None:
    """The largest ``n`` in ``0..upper`` with ``fits(n)``, or ``None`` if none does."""
    if not fits(0):
        return None
    low, high = 1, upper
    best = 0
    while low <= high:
        middle = (low + high) // 2
        if fits(middle):
            best, low = middle, middle + 1
        else:
            high = middle - 1
    return best


def _size(text: str) -> int:
    """UTF-8 bytes, which are never fewer than characters, so one test covers both caps."""
    return len(text.encode("utf-8"))


# --------------------------------------------------------------------------- the parts


def _head(report: Report) -> str:
    return "\n\n".join(
        [f"{MARKER}\n## iam-prune: unused IAM users", _verdict(report), _counts_table(report)]
    )


def _verdict(report: Report) -> str:
    failures = len(report.failures)
    accounts = len(report.accounts)
    users = sum(a.users_seen for a in report.accounts)
    scope = f"{accounts} account{'s' if accounts != 1 else ''}, {users} users seen"
    found = f"{failures} finding{'s' if failures != 1 else ''}"
    if not report.complete:
        errors = len(report.errors)
        what = f"{errors} source{'s' if errors != 1 else ''} failed, so this is not a clean pass"
        return f"⚠️ **incomplete**: {what}; {found} so far ({scope})."
    if failures:
        return f"❌ **{found}** to act on ({scope})."
    return f"✅ **clean**: no unused IAM users ({scope})."


def _counts_table(report: Report) -> str:
    rows = ["| status | users |", "| --- | ---: |"]
    rows.extend(f"| {status.value} | {n} |" for status, n in status_counts(report).items())
    return "\n".join(rows)


def _footer(report: Report) -> str:
    return f"<sub>iam-prune {_html(report.tool_version)}</sub>"


def _sections(report: Report, touched_files: frozenset[str]) -> tuple[_Section, ...]:
    """The sections that have something to show, in the order a reviewer acts on them."""
    several = len(report.accounts) > 1
    labelled = sorted(
        (
            (account.account_id if several else None, finding)
            for account in report.accounts
            for finding in account.findings
        ),
        key=lambda pair: not _touches(pair[1], touched_files),
    )
    reviewed = sorted(
        ((label, f) for label, f in labelled if f.status in _REVIEWED),
        key=lambda pair: _REVIEWED.index(pair[1].status),
    )
    sections = (
        _Section(
            "### Remove from the code",
            "",
            tuple(
                _removal(f, label) for label, f in labelled if f.status is Status.REMOVE_FROM_CODE
            ),
            "\n\n",
        ),
        _Section(
            "### Delete in AWS (declared in no Terraform)",
            "",
            tuple(
                _unmanaged(f, label) for label, f in labelled if f.status is Status.DELETE_UNMANAGED
            ),
            "\n\n",
        ),
        _Section(
            "### To look at",
            _TABLE_HEADER,
            tuple(_review_row(f, label) for label, f in reviewed),
            "\n",
        ),
        _Section(
            "### Errors: the report is incomplete",
            "",
            tuple(_Entry(_error_item(e)) for e in report.errors),
            "\n",
        ),
    )
    return tuple(s for s in sections if s.entries)


def _touches(finding: Finding, files: frozenset[str]) -> bool:
    """Declared in, or patching, one of ``files`` (ordering only; a stable sort keeps the rest)."""
    if not files:
        return False
    named = {d.file for d in finding.declarations}
    patch = finding.remediation.patch if finding.remediation else None
    named.update(
        line[6:].strip() for line in (patch or "").splitlines() if line.startswith("+++ b/")
    )
    return not named.isdisjoint(files)


def _summary(finding: Finding, account: str | None, where: str) -> str:
    parts = [f"<b>{_html(finding.user)}</b>"]
    if account is not None:
        parts.append(_html(account))
    parts.append(_html(where))
    return f"<details>\n<summary>{' · '.join(parts)}</summary>"


def _removal(finding: Finding, account: str | None) -> _Entry:
    first = finding.declarations[0] if finding.declarations else None
    where = "" if first is None else f"{first.file}:{first.line}"
    top = [_summary(finding, account, where), f"**Why:** {inline(finding.reason)}"]
    declared = [f"- {code(f'{d.file}:{d.line}')} {code(d.address)}" for d in finding.declarations]
    if declared:
        top.append("**Declared at:**\n" + "\n".join(declared))
    remediation = finding.remediation
    bottom: list[str] = []
    if remediation is not None and remediation.destroys:
        bottom.append(_bullets("**`terraform plan` will destroy:**", remediation.destroys, code))
    if remediation is not None and remediation.manual:
        bottom.append(_bullets("**Also by hand:**", remediation.manual, inline))
    bottom.append("</details>")
    if remediation is None or not remediation.patch:
        return _Entry("\n\n".join(top + bottom))
    return _Entry(
        full="\n\n".join([*top, fenced(remediation.patch, "diff"), *bottom]),
        short="\n\n".join([*top, DIFF_OMITTED, *bottom]),
    )


def _unmanaged(finding: Finding, account: str | None) -> _Entry:
    parts = [_summary(finding, account, "not in Terraform"), f"**Why:** {inline(finding.reason)}"]
    if finding.remediation is not None and finding.remediation.commands:
        parts.append("Run, in this order:")
        parts.append(fenced("\n".join(finding.remediation.commands), "sh"))
    parts.append("</details>")
    return _Entry("\n\n".join(parts))


def _review_row(finding: Finding, account: str | None) -> _Entry:
    user = finding.user if account is None else f"{finding.user} ({account})"
    return _Entry(f"| {inline(user)} | {finding.status.value} | {inline(finding.reason)} |")


def _error_item(error: ReportError) -> str:
    context = [f"**{error.source.value}**"]
    if error.account_id:
        context.append(code(error.account_id))
    if where := error.where():
        context.append(code(where))
    return f"- {' '.join(context)}: {inline(error.message)}"


def _bullets(title: str, items: Sequence[str], escape: Callable[[str], str]) -> str:
    return "\n".join([title, *(f"- {escape(item)}" for item in items)])


# --------------------------------------------------------------------------- escaping


def inline(text: str) -> str:
    """``text`` as literal Markdown on one line, safe inside a table cell.

    Backslash-escapes what could format, link or split a cell (including ``\\`` itself, so a
    trailing backslash cannot unescape the cell separator); ``<``/``>`` become entities so no
    HTML gets through; line breaks become spaces so a table row stays one row. ``@`` becomes
    its entity, so a reason taken from a tag or a comment (``@team``) never pings anyone.
    """
    one_line = " ".join(text.splitlines())
    escaped = _INLINE_SPECIALS.sub(r"\\\1", one_line)
    return escaped.replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")


def code(text: str) -> str:
    """``text`` as a code span, whatever backticks it holds (not for table cells)."""
    one_line = " ".join(text.splitlines())
    ticks = "`" * (_longest_backtick_run(one_line) + 1)
    pad = " " if one_line.startswith(("`", " ")) or one_line.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{one_line}{pad}{ticks}"


def fenced(body: str, info: str) -> str:
    """``body`` in a fenced code block that no backtick run inside it can close."""
    fence = "`" * max(3, _longest_backtick_run(body) + 1)
    return f"{fence}{info}\n{body.rstrip(chr(10))}\n{fence}"


def _html(text: str) -> str:
    """``text`` as HTML text on one line (a blank line would end the HTML block early)."""
    return html.escape(" ".join(text.splitlines()))


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
