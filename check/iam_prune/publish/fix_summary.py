"""The Markdown summary of ``iam-prune fix``: the body of a remediation pull request.

A reviewer of such a pull request needs what the diff alone does not say: which IAM users it
retires and why, what ``terraform plan`` will destroy, what is left to do by hand, and the
users it could not change in the code.
"""

from __future__ import annotations

from collections.abc import Sequence

from iam_prune.formats.mdtext import code, inline
from iam_prune.model import Report, Status


def render(report: Report, files: Sequence[str]) -> str:
    removed = [
        f
        for f in report.findings
        if f.status is Status.REMOVE_FROM_CODE and f.remediation and f.remediation.patch
    ]
    blocked = [
        f
        for f in report.findings
        if f.status is Status.REMOVE_FROM_CODE and not (f.remediation and f.remediation.patch)
    ]
    unmanaged = [f for f in report.findings if f.status is Status.DELETE_UNMANAGED]
    count = len(removed)
    lines = [
        f"## iam-prune: retire {count} unused IAM user{'s' if count != 1 else ''} in the code",
        "",
        "These users have no access keys and a console password never used (or nothing used"
        " within the configured days). Deleting them in the console would make the next"
        " `terraform apply` recreate them, so this change removes them from the code.",
        "",
    ]
    if not report.complete:
        lines += ["⚠️ The scan ran incomplete: review the job's report before merging.", ""]
    for finding in removed:
        lines.append(f"- {code(finding.user)}: {inline(finding.reason)}")
        remediation = finding.remediation
        assert remediation is not None
        if remediation.destroys:
            lines.append(
                "  - `terraform plan` will destroy: "
                + ", ".join(code(a) for a in remediation.destroys)
            )
        lines.extend(f"  - by hand: {inline(item)}" for item in remediation.manual)
        lines.extend(f"  - note: {inline(note)}" for note in finding.notes)
    if files:
        lines += ["", "**Files changed:** " + ", ".join(code(f) for f in files)]
    if blocked:
        lines += ["", "**Not changed in the code** (see the report for why):"]
        lines += [f"- {code(f.user)}" for f in blocked]
    if unmanaged:
        lines += ["", "**Declared in no Terraform** (delete in AWS with the report's commands):"]
        lines += [f"- {code(f.user)}" for f in unmanaged]
    if not removed and not files:
        lines = ["## iam-prune: nothing to change in the code"]
    return "\n".join(lines) + "\n"
