"""The terminal report: what a person running ``iam-prune`` on a laptop or in a CI log reads.

It leads with what someone has to do (code to remove, unmanaged users to delete), then what to
look at, and squeezes the users that are fine into one count line, so the useful part is never
scrolled away by hundreds of in-use users. An incomplete run says so on its last line, the one
people read first.

Text that comes from outside (reasons, patches taken from ``.tf`` files, tag values) is
stripped of control characters: a file in the repository must not be able to drive the
terminal. Colour is opt-in and the only source of escape sequences.

Prose (reasons, notes, errors) is wrapped at word boundaries to the width given, with a
hanging indent so a wrapped line still reads as part of its item; diffs and commands are never
wrapped, since they are copied. With several accounts, counts per account come first (the
accounts that failed named at the top), then the findings account by account.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Final

from iam_prune.formats.interface import DISPLAY_ORDER, plural, status_counts
from iam_prune.model import AccountResult, Finding, Note, Report, ReportError, Status

#: The width when the output is not a terminal (a CI log, a file).
DEFAULT_WIDTH: Final = 100

_HEADINGS: Final[dict[Status, str]] = {
    Status.REMOVE_FROM_CODE: "Remove from code",
    Status.DELETE_UNMANAGED: "Delete unmanaged users",
    Status.NEEDS_REVIEW: "Needs review",
    Status.EXEMPT: "Exempt",
    Status.GRACE: "In grace period",
    Status.NOT_DEPLOYED: "Declared but not deployed",
    Status.IN_USE: "In use",
}

_RED: Final = "31"
_GREEN: Final = "32"
_YELLOW: Final = "33"
_CYAN: Final = "36"
_BOLD: Final = "1"

_STATUS_COLOR: Final[dict[Status, str]] = {
    Status.REMOVE_FROM_CODE: _RED,
    Status.DELETE_UNMANAGED: _RED,
    Status.NEEDS_REVIEW: _YELLOW,
    Status.EXEMPT: _YELLOW,
    Status.GRACE: _CYAN,
    Status.NOT_DEPLOYED: _CYAN,
    Status.IN_USE: _GREEN,
}


class _Style:
    """ANSI styling that collapses to plain text when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def render(report: Report, *, color: bool = False, width: int = DEFAULT_WIDTH) -> str:
    """The human-readable report; ANSI colour only when ``color`` is true."""
    style = _Style(color)
    wrap = _Wrapper(max(width, 40))
    lines = wrap(_header(report), "", "  ")
    if len(report.accounts) > 1:
        lines.extend(_accounts_overview(report, wrap))
        for account in report.accounts:
            lines.append(style(f"Account {_account_label(account)}", _BOLD))
            lines.append("")
            lines.extend(_status_sections(account.findings, style, wrap))
    else:
        lines.extend([*_inventory_notes(report, wrap), ""])
        lines.extend(_status_sections(report.findings, style, wrap))
    lines.extend(_error_section(report.errors, style, wrap))
    lines.extend(_notes_section(report.notes, wrap))
    lines.append(style(summary(report), _BOLD))
    return "\n".join(lines) + "\n"


class _Wrapper:
    """Word-boundary wrapping with a hanging indent, on text already cleaned."""

    def __init__(self, width: int) -> None:
        self.width = width

    def __call__(self, text: str, indent: str, hanging: str) -> list[str]:
        return textwrap.wrap(
            text,
            width=self.width,
            initial_indent=indent,
            subsequent_indent=hanging,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [indent.rstrip()]


def summary(report: Report) -> str:
    """The one line a person reads first, e.g. ``2 to remove from code · report INCOMPLETE``."""
    counts = status_counts(report)
    parts = []
    if n := counts[Status.REMOVE_FROM_CODE]:
        parts.append(f"{n} to remove from code")
    if n := counts[Status.DELETE_UNMANAGED]:
        parts.append(f"{n} unmanaged to delete")
    if n := counts[Status.NEEDS_REVIEW]:
        parts.append(f"{n} {'needs' if n == 1 else 'need'} review")
    line = ", ".join(parts) if parts else "no unused IAM users"
    if not report.complete:
        line += " · report INCOMPLETE"
    return line


def _header(report: Report) -> str:
    accounts = report.accounts
    read = {a.account_id for a in accounts}
    # Accounts the run was to scan and could not read (an AssumeRole denied, a throttled
    # listing): the header counts them, or one account read of three would look like a scan
    # of one.
    unread = [
        a
        for a in dict.fromkeys(e.account_id for e in report.errors if e.account_id)
        if a not in read
    ]
    if len(accounts) == 1 and not unread:
        where = f"account {_account_label(accounts[0])}"
    elif unread:
        where = f"{plural(len(accounts) + len(unread), 'account')}, {len(unread)} not read"
    else:
        where = plural(len(accounts), "account")
    users = plural(sum(a.users_seen for a in accounts), "user")
    sources = ", ".join(sorted({a.source for a in accounts})) or "none"
    return (
        f"iam-prune {_line(report.tool_version)} · {where} · {users} seen"
        f" · source: {_line(sources)}"
    )


def _account_label(account: AccountResult) -> str:
    names = [n for n in dict.fromkeys((account.alias, account.name)) if n]
    return _line(f"{account.account_id} ({', '.join(names)})" if names else account.account_id)


def _accounts_overview(report: Report, wrap: _Wrapper) -> Iterator[str]:
    """Counts per account, the ones that failed first, so the one needing work stands out."""
    yield ""
    failed = list(dict.fromkeys(e.account_id for e in report.errors if e.account_id))
    if failed:
        yield from wrap(f"Accounts with errors: {', '.join(_line(a) for a in failed)}", "", "  ")
    yield f"Accounts ({len(report.accounts)})"
    for account in report.accounts:
        counts = [
            f"{n} {status.value}"
            for status in DISPLAY_ORDER
            if status is not Status.IN_USE
            and (n := sum(f.status is status for f in account.findings))
        ]
        detail = ", ".join(counts) or "nothing to act on"
        how = "; ".join([*account.notes, *_calls(account)])
        line = (
            f"{_account_label(account)}: {plural(account.users_seen, 'user')} seen; {detail}"
            f" ({_line(how)})"
        )
        yield from wrap(line, "  ", "      ")
    yield ""


def _notes_section(notes: tuple[Note, ...], wrap: _Wrapper) -> Iterator[str]:
    """What was not read although the results stand (a registry module's contents, say)."""
    if notes:
        yield f"Notes ({len(notes)})"
        for note in notes:
            where = note.where()
            yield from wrap(
                _line(f"{where}: {note.message}" if where else note.message), "  ", "    "
            )
        yield ""


def _inventory_notes(report: Report, wrap: _Wrapper) -> Iterator[str]:
    """How each account was read: report waits, fallbacks, calls made."""
    for account in report.accounts:
        notes = [*account.notes, *_calls(account)]
        yield from wrap(f"{account.account_id}: {_line('; '.join(notes))}", "  ", "    ")


def _calls(account: AccountResult) -> list[str]:
    return [] if account.api_calls is None else [f"{account.api_calls} AWS calls"]


def _status_sections(findings: Sequence[Finding], style: _Style, wrap: _Wrapper) -> Iterator[str]:
    grouped: dict[Status, list[Finding]] = {s: [] for s in DISPLAY_ORDER}
    for finding in findings:
        grouped[finding.status].append(finding)
    for status in DISPLAY_ORDER:
        entries = grouped[status]
        if not entries:
            continue
        color = _STATUS_COLOR[status]
        if status is Status.IN_USE:
            users = "user" if len(entries) == 1 else "users"
            yield style(f"{_HEADINGS[status]}: {len(entries)} {users}", color)
            yield ""
            continue
        yield style(f"{_HEADINGS[status]} ({len(entries)})", color, _BOLD)
        for finding in entries:
            label = _line(finding.user)
            lines = wrap(f"{label}: {_line(finding.reason)}", "  ", "      ")
            if lines[0].startswith(f"  {label}:"):
                lines[0] = f"  {style(label, _BOLD)}{lines[0][len(label) + 2 :]}"
            yield from lines
            yield from _details(finding, style, wrap)
        yield ""


def _details(finding: Finding, style: _Style, wrap: _Wrapper) -> Iterator[str]:
    """The lines under a finding: where it is declared, what to run or apply, its notes."""
    if finding.status is Status.REMOVE_FROM_CODE:
        for declaration in finding.declarations:
            where = f"{declaration.file}:{declaration.line}"
            yield f"    {_line(where)}  {_line(declaration.address)}"
        remediation = finding.remediation
        if remediation is not None:
            if remediation.patch:
                yield from _patch_lines(remediation.patch, style)
            if remediation.destroys:
                destroys = ", ".join(_line(a) for a in remediation.destroys)
                yield from wrap(f"terraform will destroy: {destroys}", "    ", "      ")
            for item in remediation.manual:
                yield from wrap(f"manual: {_line(item)}", "    ", "      ")
    elif finding.status is Status.DELETE_UNMANAGED and finding.remediation is not None:
        for number, command in enumerate(finding.remediation.commands, start=1):
            yield f"    {number}. {_line(command)}"
    for note in finding.notes:
        yield from wrap(f"note: {_line(note)}", "    ", "      ")


def _patch_lines(patch: str, style: _Style) -> Iterator[str]:
    """The unified diff, indented under its finding, coloured the way ``git diff`` does."""
    for line in _clean(patch).splitlines():
        yield "    " + style(line, *_diff_colors(line))


def _diff_colors(line: str) -> tuple[str, ...]:
    if line.startswith(("+++", "---")):
        return (_BOLD,)
    if line.startswith("@@"):
        return (_CYAN,)
    if line.startswith("+"):
        return (_GREEN,)
    if line.startswith("-"):
        return (_RED,)
    return ()


def _error_section(errors: tuple[ReportError, ...], style: _Style, wrap: _Wrapper) -> Iterator[str]:
    if not errors:
        return
    yield style(f"Errors ({len(errors)}): the report is incomplete", _RED, _BOLD)
    for error in errors:
        yield from wrap(_line(_describe_error(error)), "  ", "    ")
    yield ""


def _describe_error(error: ReportError) -> str:
    context = [error.source.value]
    if error.account_id:
        context.append(error.account_id)
    if where := error.where():
        context.append(where)
    return f"{' '.join(context)}: {error.message}"


def _line(text: str) -> str:
    """A one-line field (name, reason, command) cleaned, its line breaks turned into spaces,
    so outside text cannot start a line that looks like the report's own."""
    return " ".join(_clean(text).splitlines())


def _clean(text: str) -> str:
    """Drop control characters (escape sequences included) but keep newlines and tabs."""
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
