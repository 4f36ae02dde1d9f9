"""Markdown for the sticky pull-request comment and the job summary, within a size budget.

GitHub refuses a comment over 65,536 characters and a job summary over 1 MiB, so the body is
written against a budget (bytes of UTF-8, never fewer than characters) in the order a reviewer
needs it, and each part takes only what the parts before it left:

1. the verdict in one line (counts without zero rows, the account, when, a link to the run);
   a clean run is that one line;
2. the errors, which say why a run is incomplete (file:line or account), and the notes, the
   caveats that hold although the results stand; each at most a quarter of the budget;
3. every user to act on (or review) in a compact table, one row each (user, account, status,
   file:line, what ``terraform plan`` will destroy): 400 rows take about 40 KB; past the
   budget, as many rows as fit and the count of the rest (each part keeps room for that line);
4. the details (reasons, diffs, commands) in the table's order until the budget is spent; a
   diff that does not fit is left out, and one line says where the whole patch is;
5. the exempt and grace users, least urgent.

The first line is a hidden marker, so ``publish/`` finds and updates its own comment. Outside
text goes through :mod:`~iam_prune.formats.mdtext`, so it stays literal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from iam_prune.fixes.text.patch import patch_files
from iam_prune.formats.budget import Page, size
from iam_prune.formats.interface import DISPLAY_ORDER, plural, short_time, status_counts
from iam_prune.formats.mdtext import code, fenced, html_text, inline
from iam_prune.model import AccountResult, Finding, Note, Report, ReportError, Status

MARKER: Final = "<!-- iam-prune:report -->"
MAX_SIZE: Final = 65_536
PATCH_NAME: Final = "iam-prune.patch"
TOUCHED: Final = "✎"

_WAITING: Final = (Status.EXEMPT, Status.GRACE)
_REASON_IN_TABLE: Final = 80  # characters of a needs-review reason shown in its row
_ACCOUNTS_NAMED: Final = 50  # accounts with errors named in the head; the rest counted
_SHARE_OF_ERRORS: Final = 4  # errors, and notes, take at most 1/4 of the budget each


def render(
    report: Report, *, max_size: int = MAX_SIZE, touched_files: frozenset[str] = frozenset()
) -> str:
    """The body, at most ``max_size`` bytes (and so characters).

    Findings whose declaration file or patch touches one of ``touched_files`` (paths relative
    to the repository root, as a pull request lists them) come first, marked.
    """
    rows = _ordered(report, touched_files)
    footer = f"<sub>iam-prune {html_text(report.tool_version)}</sub>"
    if _is_clean(report, rows):
        return _clean_line(report)
    page = Page(max_size, reserved=size(footer) + 2)
    page.add(_head(report, rows))
    _add_accounts_table(page, report)
    limit = max_size // _SHARE_OF_ERRORS
    page.add_items(
        "### Errors: why the report is incomplete",
        [_error_item(e) for e in report.errors],
        lambda n: f"- _{plural(n, 'more error')} in the JSON report._",
        limit=limit,
    )
    page.add_items(
        "### Notes",
        [_note_item(n) for n in report.notes],
        lambda n: f"- _{plural(n, 'more note')} in the JSON report._",
        limit=limit,
    )
    actionable = [row for row in rows if row.finding.status.wants_a_person]
    waiting = [row for row in rows if row.finding.status in _WAITING]
    # Each later part keeps room for the line that says what of it did not fit, so a part
    # that fills the page cannot make the ones after it vanish without a word.
    waiting_gone = _waiting_left_out(len(waiting)) if waiting else ""
    page.reserved += _room_for(waiting_gone)
    if actionable:
        _add_actionable(page, report, actionable, len(report.accounts) > 1)
    page.reserved -= _room_for(waiting_gone)
    if waiting:
        several = len(report.accounts) > 1
        columns = ["user", *(["account"] if several else []), "status", "reason"]
        shown = page.add_items(
            f"### Exempt or in grace\n\n{_table_head(columns)}",
            [_waiting_row(row, several) for row in waiting],
            lambda n: f"\n_{plural(n, 'more user')} not shown: see the JSON report._",
            separator="\n",
            at_least=1,
        )
        if not shown:
            page.add(waiting_gone)
    page.reserved = 0
    page.add(footer)
    return page.text()


def _add_actionable(page: Page, report: Report, rows: Sequence[_Row], several: bool) -> None:
    """The table of users to act on (or review), then their details; the table keeps room
    for the line that says the details did not fit."""
    review = any(not row.finding.status.is_failure for row in rows)
    what = "to act on or review" if review else "to act on"
    legend = (
        f"{TOUCHED} = in a file this pull request changes.\n\n"
        if any(row.touched for row in rows)
        else ""
    )
    columns = ["user", *(["account"] if several else []), "status", "declared at", "change"]
    details_gone = _room_for(_left_out(report, len(rows), patched=True))
    page.reserved += details_gone
    shown = page.add_items(
        f"### {what.capitalize()}\n\n{legend}{_table_head(columns)}",
        [_table_row(row, several) for row in rows],
        lambda n: f"\n_{plural(n, 'more user')} {what} did not fit: see the JSON report._",
        separator="\n",
        at_least=1,
    )
    page.reserved -= details_gone
    if not shown:  # the errors and notes took the page: the count, and where the rest is
        page.add(f"_{plural(len(rows), 'user')} {what} did not fit: see the JSON report._")
        return
    _add_details(page, report, rows, several)


def _table_head(columns: Sequence[str]) -> str:
    return f"| {' | '.join(columns)} |\n|{' --- |' * len(columns)}"


def _waiting_left_out(count: int) -> str:
    return f"_{plural(count, 'exempt or in-grace user')} not shown: see the JSON report._"


def _room_for(block: str) -> int:
    """What adding ``block`` to a page takes: its bytes and the blank line before it."""
    return size(block) + 2


# --------------------------------------------------------------------------- what is shown


@dataclass(frozen=True)
class _Row:
    finding: Finding
    account: AccountResult
    touched: bool


def _ordered(report: Report, touched_files: frozenset[str]) -> list[_Row]:
    """Touched by the pull request first, then account by account, most urgent first."""
    rows = [
        _Row(finding, account, _touches(finding, touched_files))
        for account in report.accounts
        for finding in account.findings
    ]
    position = {id(account): n for n, account in enumerate(report.accounts)}
    return sorted(
        rows,
        key=lambda row: (
            not row.touched,
            position[id(row.account)],
            DISPLAY_ORDER.index(row.finding.status),
        ),
    )


def _touches(finding: Finding, touched_files: frozenset[str]) -> bool:
    if not touched_files:
        return False
    files = {d.file for d in finding.declarations}
    remediation = finding.remediation
    if remediation is not None:
        files.update(edit.file for edit in remediation.edits)
        files.update(patch_files(remediation.patch or ""))
    return not files.isdisjoint(touched_files)


def _is_clean(report: Report, rows: Sequence[_Row]) -> bool:
    return (
        report.complete
        and not report.notes
        and not any(row.finding.status.wants_a_person for row in rows)
    )


def _clean_line(report: Report) -> str:
    counts = status_counts(report)
    waiting = [f"{counts[status]:,} {status.value}" for status in _WAITING if counts[status]]
    users = _scope(report) + (f" ({', '.join(waiting)})" if waiting else "")
    parts = [f"✅ **iam-prune: no unused IAM users** · {users}", *_when_and_where(report)]
    parts.append(f"iam-prune {inline(report.tool_version)}")
    return f"{MARKER}\n{' · '.join(parts)}\n"


def _scope(report: Report) -> str:
    users = sum(a.users_seen for a in report.accounts)
    if len(report.accounts) == 1:
        where = f"account {_account_label(report.accounts[0])}"
    else:
        where = plural(len(report.accounts), "account")
    return f"{where}, {plural(users, 'user')} seen"


def _account_label(account: AccountResult) -> str:
    known = [name for name in (account.alias, account.name) if name]
    extra = f" ({', '.join(inline(name) for name in dict.fromkeys(known))})" if known else ""
    return f"{code(account.account_id)}{extra}"


def _when_and_where(report: Report) -> list[str]:
    parts = [short_time(report.generated_at)]
    if report.run is not None and report.run.url:
        parts.append(f"[workflow run]({_url(report.run.url)})")
    return parts


def _url(url: str) -> str:
    """A link target that cannot close the link early or carry a line break."""
    return "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in " ()<>" else "" for ch in url
    )


def _head(report: Report, rows: Sequence[_Row]) -> str:
    counts = status_counts(report)
    to_act = counts[Status.REMOVE_FROM_CODE] + counts[Status.DELETE_UNMANAGED]
    found = plural(to_act, "user") + " to act on"
    if not report.complete:
        failed = plural(len(report.errors), "source")
        verdict = f"⚠️ **incomplete**: {failed} failed, so this is not a clean pass; {found} so far"
    elif to_act:
        verdict = f"❌ **{found}**"
    else:
        verdict = "✅ **nothing to remove**"
    line = " · ".join([verdict, _scope(report), *_when_and_where(report)])
    blocks = [f"{MARKER}\n## iam-prune: unused IAM users", line]
    if len(report.accounts) <= 1 and any(counts.values()):
        shown = [s for s in DISPLAY_ORDER if counts[s]]
        table = ["| status | users |", "| --- | ---: |"]
        table += [f"| {s.value} | {counts[s]:,} |" for s in shown]
        blocks.append("\n".join(table))
    failed_accounts = list(dict.fromkeys(e.account_id for e in report.errors if e.account_id))
    if failed_accounts:
        names = ", ".join(code(a) for a in failed_accounts[:_ACCOUNTS_NAMED])
        more = len(failed_accounts) - _ACCOUNTS_NAMED
        blocks.append(
            f"**Accounts with errors:** {names}{f' and {more:,} more' if more > 0 else ''}"
        )
    patched = any(r.finding.remediation and r.finding.remediation.patch for r in rows)
    if patched and not report.sources:  # a merged report has no combined patch to apply
        blocks.append(
            f"To remove them all from the code: `git apply {PATCH_NAME}` (the run's artifact) "
            "or `iam-prune fix` in a checkout."
        )
    return "\n\n".join(blocks)


def _add_accounts_table(page: Page, report: Report) -> None:
    """Counts per account first, when there are several: which one needs work. Accounts with
    errors or something to act on come first, so a large organisation's table, cut to its
    share of the budget, keeps the accounts that matter."""
    if len(report.accounts) <= 1:
        return
    statuses = [s for s in DISPLAY_ORDER if s is not Status.IN_USE]
    used = [s for s in statuses if any(f.status is s for f in report.findings)]
    failed = {e.account_id for e in report.errors if e.account_id}

    def urgency(account: AccountResult) -> int:
        if account.account_id in failed:
            return 0
        return 1 if any(f.status.is_failure for f in account.findings) else 2

    header = ["account", "users seen", *(s.value for s in used)]
    rows = []
    for account in sorted(report.accounts, key=urgency):
        cells = [_account_label(account), f"{account.users_seen:,}"]
        cells += [str(sum(f.status is s for f in account.findings)) for s in used]
        rows.append(f"| {' | '.join(cells)} |")
    page.add_items(
        f"| {' | '.join(header)} |\n| --- |{' ---: |' * (len(header) - 1)}",  # counts align right
        rows,
        lambda n: f"\n_{plural(n, 'more account')} in the JSON report._",
        limit=page.max_size // _SHARE_OF_ERRORS,
    )


def _error_item(error: ReportError) -> str:
    context = [f"**{error.source.value}**"]
    if error.account_id:
        context.append(code(error.account_id))
    if where := error.where():
        context.append(code(where))
    return f"- {' '.join(context)}: {inline(error.message)}"


def _note_item(note: Note) -> str:
    context = [code(c) for c in (note.account_id, note.where()) if c]
    if not context:
        return _item(note.message)
    return f"- {' '.join(context)}: {inline(note.message)}"


def _table_row(row: _Row, several: bool) -> str:
    """One user in about 100 bytes: 400 of them fit in a comment with room to spare (the
    account column only when there are several; the verdict names a single one)."""
    finding = row.finding
    user = code(finding.user, in_table=True) + (f" {TOUCHED}" if row.touched else "")
    first = finding.declarations[0] if finding.declarations else None
    declared = "—" if first is None else code(f"{first.file}:{first.line}", in_table=True)
    account = [code(row.account.account_id)] if several else []
    cells = [user, *account, finding.status.value, declared, _change(finding)]
    return f"| {' | '.join(cells)} |"


def _change(finding: Finding) -> str:
    """What acting on the finding does, in a few words."""
    remediation = finding.remediation
    if finding.status is Status.REMOVE_FROM_CODE:
        if remediation is None or not remediation.patch:
            return "no patch: by hand"
        destroys = len(remediation.destroys)
        return f"plan destroys {plural(destroys, 'resource')}" if destroys else "patch"
    if finding.status is Status.DELETE_UNMANAGED:
        commands = 0 if remediation is None else len(remediation.commands)
        return f"{plural(commands, 'CLI command')} in AWS"
    return inline(_why_review(finding.reason))


def _why_review(reason: str) -> str:
    """A needs-review reason cut to fit its row, from the end: the reasons read "what the
    rules found; but why not act on it", and the row must say why not."""
    clauses = reason.split("; ")
    shown = clauses[-1]
    for clause in reversed(clauses[:-1]):
        if len(clause) + 2 + len(shown) > _REASON_IN_TABLE - 1:
            break
        shown = f"{clause}; {shown}"
    if shown != reason:
        shown = "…" + shown
    if len(shown) > _REASON_IN_TABLE:
        shown = shown[: _REASON_IN_TABLE - 1] + "…"
    return shown


def _waiting_row(row: _Row, several: bool) -> str:
    finding = row.finding
    account = [code(row.account.account_id)] if several else []
    cells = [code(finding.user, in_table=True), *account, finding.status.value]
    cells.append(inline(finding.reason))
    return f"| {' | '.join(cells)} |"


# --------------------------------------------------------------------------- details


def _add_details(page: Page, report: Report, rows: Sequence[_Row], several: bool) -> None:
    """One collapsed entry per user in the table's order, each whole when it fits, else
    without its diff; one line, placed first, says how many diffs were left out and where
    the whole patch is."""
    longest = _left_out(report, len(rows), patched=True)
    pointer_room = size(_diff_pointer(report, len(rows))) + size(longest) + 4
    page.reserved += pointer_room
    shown: list[str] = []
    without_diff = 0
    for row in rows:
        full, short = _details(row, several)
        if page.add(full):
            shown.append(full)
        elif short is not None and page.add(short):
            without_diff += 1
        else:
            break
    page.reserved -= pointer_room
    if without_diff:
        first = len(page.blocks) - len(shown) - without_diff
        page.insert(first, _diff_pointer(report, without_diff))
    left = rows[len(shown) + without_diff :]
    if left:
        patched = any(r.finding.remediation and r.finding.remediation.patch for r in left)
        page.add(_left_out(report, len(left), patched=patched and not without_diff))


def _left_out(report: Report, count: int, *, patched: bool) -> str:
    """The count of users without details; where their diffs are, unless the line saying
    where the whole patch is is already there."""
    text = f"_Details of {plural(count, 'more user')} did not fit: see the JSON report"
    if patched and not report.sources:  # a merged report has no combined patch
        text += f"; their diffs are in {_patch_place(report)}"
    return text + "._"


def _patch_place(report: Report) -> str:
    where = f"`{PATCH_NAME}`"
    if report.run is not None and report.run.url:
        where += f" in the [workflow run's artifacts]({_url(report.run.url)})"
    return where


def _diff_pointer(report: Report, count: int) -> str:
    return (
        f"_{plural(count, 'diff')} did not fit here: the whole patch is {_patch_place(report)}"
        " (or `iam-prune fix --dry-run`)._"
    )


def _details(row: _Row, several: bool) -> tuple[str, str | None]:
    """The entry whole, and without its diff when it has one."""
    finding = row.finding
    remediation = finding.remediation
    where = "not in Terraform"
    if finding.declarations:
        where = f"{finding.declarations[0].file}:{finding.declarations[0].line}"
    summary = [f"<b>{html_text(finding.user)}</b>"]
    if several:
        summary.append(html_text(row.account.account_id))
    summary += [html_text(where), finding.status.value]
    if row.touched:
        summary.append(f"{TOUCHED} changed in this pull request")
    top = [
        f"<details>\n<summary>{' · '.join(summary)}</summary>",
        f"**Why:** {inline(finding.reason)}",
    ]
    declared = [f"- {code(f'{d.file}:{d.line}')} {code(d.address)}" for d in finding.declarations]
    if declared and finding.status is not Status.DELETE_UNMANAGED:
        top.append("**Declared at:**\n" + "\n".join(declared))
    bottom: list[str] = []
    if remediation is not None:
        if remediation.destroys:
            bottom.append(_bullets("**`terraform plan` will destroy:**", remediation.destroys))
        if remediation.manual:
            bottom.append("\n".join(["**Also by hand:**", *(_item(m) for m in remediation.manual)]))
        if remediation.commands:
            bottom.append("Run, in this order:\n\n" + fenced("\n".join(remediation.commands), "sh"))
    if finding.notes:
        bottom.append("\n".join(["**Notes:**", *(_item(n) for n in finding.notes)]))
    bottom.append("</details>")
    if remediation is None or not remediation.patch:
        return "\n\n".join(top + bottom), None
    full = "\n\n".join([*top, fenced(remediation.patch, "diff"), *bottom])
    return full, "\n\n".join(top + bottom)


def _item(text: str) -> str:
    """A list item of outside text; never empty, which under a line would make it a heading."""
    return f"- {inline(text) or '(empty)'}"


def _bullets(title: str, items: Sequence[str]) -> str:
    return "\n".join([title, *(f"- {code(item)}" for item in items)])
