"""On a schedule, a manual run or a push: one tracking issue that follows the findings.

It is found by its marker among open and closed issues with the label, written by this token's
identity. Findings a person has to act on or review (or an incomplete run) create it or update
it, and reopen it when it was closed as completed; one a person closed as not planned stays
closed (a warning says so). A clean run closes it with a short comment; a clean run with no
issue does nothing.
"""

from __future__ import annotations

from typing import Any

from iam_prune.model import Report
from iam_prune.publish import github_comment
from iam_prune.publish.github_api import GitHubClient, GitHubError
from iam_prune.publish.github_context import Context
from iam_prune.publish.github_identity import is_mine, viewer_login
from iam_prune.publish.github_pr import Outcome, missing_permission

PERMISSION = "issues: write"


def title(report: Report) -> str:
    failures = len(report.failures)
    if failures:
        return f"iam-prune: {failures} unused IAM user{'s' if failures != 1 else ''} to retire"
    if not report.complete:
        return "iam-prune: the last check ran incomplete"
    review = len(report.to_look_at)
    if review:
        return f"iam-prune: {review} IAM user{'s' if review != 1 else ''} to review"
    return "iam-prune: no unused IAM users"


def publish(
    client: GitHubClient, context: Context, report: Report, label: str, outcome: Outcome
) -> None:
    """Keep the tracking issue, recording in ``outcome`` as it goes."""
    login = viewer_login(client)
    issues_path = f"{context.repo_path}/issues"
    try:
        found = [
            issue
            for issue in client.paginate(
                issues_path, {"labels": label, "state": "all", "sort": "created"}
            )
            if "pull_request" not in issue
            and is_mine(issue, login)
            and github_comment.ISSUE_MARKER in str(issue.get("body") or "")
        ]
    except GitHubError as error:
        if not error.forbidden:
            raise
        outcome.warnings.append(missing_permission(error, "issues: read"))
        return
    issue = _pick(found)
    attention = bool(report.to_look_at) or not report.complete
    if issue is None and not attention:
        return
    if attention and issue is not None and issue.get("state_reason") == "not_planned":
        outcome.warnings.append(
            f"the tracking issue {_url(issue) or ''} was closed as not planned, so it stays "
            "closed and no other is opened: reopen it to have the findings tracked again (the "
            "job summary has the report)"
        )
        return
    text = github_comment.body(
        report,
        github_comment.Context(
            marker=github_comment.ISSUE_MARKER,
            previous=None
            if issue is None
            else github_comment.decode_state(str(issue.get("body") or "")),
            run_url=context.run_url,
        ),
    )
    try:
        written = _write(client, issues_path, issue, report, text, label, attention)
        outcome.issue_url = None if written is None else _url(written) or _url(issue)
        if issue is None and not _labelled(written, label):
            outcome.warnings.append(
                f"GitHub made the tracking issue {_url(written) or ''} without its label "
                f"`{label}` (it drops labels a token without push access sets): the next run "
                "finds the issue by that label, so add it by hand, or each run opens another"
            )
        kept = (written if issue is None else issue) or {}
        for duplicate in _other_open(found, kept.get("number")):
            _close_duplicate(client, issues_path, duplicate, kept.get("number"))
    except GitHubError as error:
        if not error.forbidden:
            raise
        outcome.warnings.append(missing_permission(error, PERMISSION))


def _labelled(issue: Any, label: str) -> bool:
    labels = issue.get("labels") if isinstance(issue, dict) else None
    return isinstance(labels, list) and any(
        (item.get("name") if isinstance(item, dict) else item) == label for item in labels
    )


def _other_open(found: list[dict[str, Any]], number: object) -> list[dict[str, Any]]:
    """The open issues of this token besides the one kept (``number``): two runs at once each
    opened one (a workflow without a concurrency group); left open, the older would
    contradict the newer until a clean run."""
    return [i for i in found if i.get("state") == "open" and i.get("number") != number]


def _close_duplicate(
    client: GitHubClient, issues_path: str, duplicate: dict[str, Any], number: object
) -> None:
    note = (
        f"Two runs opened a tracking issue at once; #{number} is the one kept up to date, so "
        "this one is closed as its duplicate."
    )
    client.post(f"{issues_path}/{duplicate['number']}/comments", {"body": note})
    client.patch(
        f"{issues_path}/{duplicate['number']}", {"state": "closed", "state_reason": "duplicate"}
    )


def _pick(found: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The open issue if there is one, else the most recently created closed one."""
    open_ones = [i for i in found if i.get("state") == "open"]
    pool = open_ones or found
    return max(pool, key=lambda i: int(i.get("number", 0)), default=None)


def _write(
    client: GitHubClient,
    issues_path: str,
    issue: dict[str, Any] | None,
    report: Report,
    text: str,
    label: str,
    attention: bool,
) -> Any:
    """Create, update, reopen or close the issue; GitHub's answer (the issue), or ``None``
    when nothing was written."""
    if issue is None:
        return client.post(issues_path, {"title": title(report), "body": text, "labels": [label]})
    number = issue["number"]
    if attention:
        change: dict[str, Any] = {"title": title(report), "body": text}
        if issue.get("state") != "open":
            change["state"] = "open"
        return client.patch(f"{issues_path}/{number}", change) or issue
    if issue.get("state") != "open":
        return None  # closed already, and left alone: nothing was written
    closing = "All clear: no unused IAM users in the last run, so this issue is closed."
    client.post(f"{issues_path}/{number}/comments", {"body": closing})
    client.patch(
        f"{issues_path}/{number}",
        {"title": title(report), "body": text, "state": "closed", "state_reason": "completed"},
    )
    return issue


def _url(answer: Any) -> str | None:
    return str(answer["html_url"]) if isinstance(answer, dict) and answer.get("html_url") else None
