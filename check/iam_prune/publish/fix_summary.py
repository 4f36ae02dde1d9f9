"""The Markdown summary of ``iam-prune fix``: the body of a remediation pull request.

A reviewer of such a pull request needs what the diff alone does not say: which IAM users it
retires and why, what ``terraform plan`` will destroy, what is left to do by hand, and the
users it could not change in the code. GitHub refuses a pull request body over 65,536
characters, so each list takes what room is left, most important first (the users retired,
then those left in the code, the files, the unmanaged ones), and says how many it left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from iam_prune.formats.budget import Page, size
from iam_prune.formats.interface import plural
from iam_prune.formats.mdtext import code, inline
from iam_prune.model import Finding, Report, Status

MAX_SIZE: Final = 65_536  # GitHub's limit on a pull request's body


def render(report: Report, files: Sequence[str], *, max_size: int = MAX_SIZE) -> str:
    """The body, at most ``max_size`` bytes (and so characters)."""
    removed = [
        f
        for f in report.findings
        if f.status is Status.REMOVE_FROM_CODE and f.remediation and f.remediation.patch
    ]
    if not removed and not files:
        return "## iam-prune: nothing to change in the code\n"
    blocked = [
        f
        for f in report.findings
        if f.status is Status.REMOVE_FROM_CODE and not (f.remediation and f.remediation.patch)
    ]
    unmanaged = [f for f in report.findings if f.status is Status.DELETE_UNMANAGED]
    page = Page(max_size, reserved=0)
    page.add(_head(report, len(removed)))
    lists: list[tuple[str, list[str], Callable[[int], str]]] = [
        (
            "**Retired in this change:**",
            [_retired(f) for f in removed],
            lambda n: f"- _{plural(n, 'more user')}: the report lists them all._",
        ),
        (
            "**Not changed in the code** (see the report for why):",
            [f"- {code(f.user)}" for f in blocked],
            lambda n: f"- _{plural(n, 'more user')} in the report._",
        ),
        (
            "**Files changed:**",
            [f"- {code(f)}" for f in files],
            lambda n: f"- _{plural(n, 'more file')}: see the diff._",
        ),
        (
            "**Declared in no Terraform** (delete in AWS with the report's commands):",
            [f"- {code(f.user)}" for f in unmanaged],
            lambda n: f"- _{plural(n, 'more user')} in the report._",
        ),
    ]
    for number, (title, items, rest) in enumerate(lists):
        # Each later list keeps room for its heading and its count, at least.
        later = sum(size(t) + size(r(len(i))) + 4 for t, i, r in lists[number + 1 :] if i)
        page.add_items(title, items, rest, limit=page.room() - later)
    return page.text()


def _head(report: Report, count: int) -> str:
    lines = [
        f"## iam-prune: retire {plural(count, 'unused IAM user')} in the code",
        "",
        "These users have no access keys and a console password never used (or nothing used"
        " within the configured days). Deleting them in the console would make the next"
        " `terraform apply` recreate them, so this change removes them from the code.",
    ]
    if not report.complete:
        lines += ["", "⚠️ The scan ran incomplete: review the job's report before merging."]
    return "\n".join(lines)


def _retired(finding: Finding) -> str:
    remediation = finding.remediation
    assert remediation is not None
    lines = [f"- {code(finding.user)}: {inline(finding.reason)}"]
    if remediation.destroys:
        lines.append(
            "  - `terraform plan` will destroy: " + ", ".join(code(a) for a in remediation.destroys)
        )
    lines.extend(f"  - by hand: {inline(item)}" for item in remediation.manual)
    lines.extend(f"  - note: {inline(note)}" for note in finding.notes)
    return "\n".join(lines)
