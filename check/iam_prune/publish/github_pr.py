"""On a pull request: one review with one-click suggestions, then the sticky comment.

The review comes first because the comment says which removals it suggested and which are
only in the comment. Every write names the permission it needs, so a read-only token (a
fork's pull request) becomes a warning that says what to grant, not a failed step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from iam_prune.model import Report
from iam_prune.publish import github_comment, github_suggestions, github_touched
from iam_prune.publish.github_api import GitHubClient, GitHubError
from iam_prune.publish.github_context import Context
from iam_prune.publish.github_identity import is_mine, viewer_login
from iam_prune.publish.github_suggestions import Why

MINIMIZE: Final = (
    "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED})"
    " { minimizedComment { isMinimized } } }"
)


class CommentMode(StrEnum):
    UPDATE = "update"
    RECREATE = "recreate"
    HIDE = "hide"
    OFF = "off"


@dataclass
class Outcome:
    """What was published, and what could not be (each a sentence for a warning)."""

    comment_url: str | None = None
    issue_url: str | None = None
    review_comments: int = 0
    touched: frozenset[str] = frozenset()
    warnings: list[str] = field(default_factory=list)
    #: GitHub failures that the rest was published around (an outage on an optional part):
    #: the step still fails, and says what is missing.
    failed: list[str] = field(default_factory=list)


def publish(
    client: GitHubClient,
    context: Context,
    report: Report,
    outcome: Outcome,
    *,
    mode: CommentMode,
    suggestions: bool,
    marker: str = github_comment.PULL_REQUEST_MARKER,
) -> None:
    """Publish on the pull request, recording in ``outcome`` as it goes (so what was done
    and said is kept when GitHub stops answering half-way)."""
    assert context.pull_request is not None
    pr = context.pull_request
    base = f"{context.repo_path}/pulls/{pr.number}"
    login = viewer_login(client)
    moved = _moved_on(client, outcome, base, pr.head_sha)
    if moved is not None:
        outcome.warnings.append(moved)
        return

    files = _read(client, outcome, f"{base}/files", "pull-requests: read")
    touched = github_touched.from_files(files or [])
    outcome.touched = touched
    plan = github_suggestions.Plan((), frozenset(), ())
    if suggestions and files is not None:
        earlier = _read(client, outcome, f"{base}/comments", "pull-requests: read") or []
        already = github_suggestions.existing_keys(
            str(c.get("body", "")) for c in earlier if is_mine(c, login)
        )
        plan = github_suggestions.plan(report, github_suggestions.diff_lines(files), already)
        commented = mode is not CommentMode.OFF
        if plan.comments:
            why = _review(client, outcome, base, pr.head_sha, plan, commented)
            if why is not None:
                plan = github_suggestions.without_new(plan, why)

    if mode is CommentMode.OFF:
        return
    comments_path = f"{context.repo_path}/issues/{pr.number}/comments"
    comments = _read(client, outcome, comments_path, "pull-requests: read")
    if comments is None:
        return
    mine = [c for c in comments if is_mine(c, login) and marker in str(c.get("body", ""))]
    existing = mine[-1] if mine else None
    if existing is None and report.complete and not report.to_look_at:
        return  # nothing to report and nothing to clear
    text = github_comment.body(
        report,
        github_comment.Context(
            marker=marker,
            previous=None
            if existing is None
            else github_comment.decode_state(str(existing.get("body", ""))),
            run_url=context.run_url,
            touched_files=touched,
            suggested=len(plan.suggested),
            only_here=plan.only_here(),
            pull_request=True,
        ),
    )
    outcome.comment_url = _write_comment(
        client, outcome, context, comments_path, existing, text, mode
    )


def _moved_on(client: GitHubClient, outcome: Outcome, base: str, head_sha: str) -> str | None:
    """Why this run may not publish on the pull request: its head is another commit now (an
    old run re-run from the Actions page). Its report is of code the pull request no longer
    has, and its suggestions would go on the old commit: the newer run's comment stays."""
    try:
        current = client.get(base)
    except GitHubError as error:
        if not error.forbidden:
            raise
        outcome.warnings.append(missing_permission(error, "pull-requests: read"))
        return None  # the reads below say so too; nothing here says the head moved
    head = current.get("head") if isinstance(current, dict) else None
    sha = head.get("sha") if isinstance(head, dict) else None
    if isinstance(sha, str) and sha != head_sha:
        return (
            f"nothing was published: this run scanned {head_sha[:12]}, and the pull request's "
            f"head is {sha[:12]} now (a re-run of an older run?); the comment of the newer "
            "run is left as it is"
        )
    return None


def _read(
    client: GitHubClient, outcome: Outcome, path: str, permission: str
) -> list[dict[str, Any]] | None:
    try:
        return list(client.paginate(path))
    except GitHubError as error:
        if not error.forbidden:
            raise
        outcome.warnings.append(missing_permission(error, permission))
        return None


def _review(
    client: GitHubClient,
    outcome: Outcome,
    base: str,
    head_sha: str,
    plan: github_suggestions.Plan,
    commented: bool,
) -> Why | None:
    """Post the review; why it is not there when GitHub refused it (a warning) or did not
    answer (a failure): the suggestions are optional, and the comment has the diffs either
    way. A POST is never sent twice, so a review that went through unanswered is found by its
    keys on the next run, not suggested again."""
    payload = {
        "commit_id": head_sha,
        "event": "COMMENT",
        "body": github_suggestions.review_body(plan, commented=commented),
        "comments": [c.payload() for c in plan.comments],
    }
    try:
        client.post(f"{base}/reviews", payload)
    except GitHubError as error:
        if error.forbidden:
            outcome.warnings.append(missing_permission(error, "pull-requests: write"))
            return Why.REFUSED
        where = "the comment" if commented else "the report"
        if error.status == 422:
            outcome.warnings.append(
                f"the review with suggestions was refused ({error.message}); the diffs are in"
                f" {where}"
            )
            return Why.REFUSED
        outcome.failed.append(
            f"the review with suggestions got no answer ({error}); the diffs are in {where}"
        )
        return Why.UNANSWERED
    outcome.review_comments = len(plan.comments)
    return None


def _write_comment(
    client: GitHubClient,
    outcome: Outcome,
    context: Context,
    comments_path: str,
    existing: dict[str, Any] | None,
    text: str,
    mode: CommentMode,
) -> str | None:
    try:
        if existing is not None and mode is CommentMode.UPDATE:
            answer = client.patch(
                f"{context.repo_path}/issues/comments/{existing['id']}", {"body": text}
            )
            return _url(answer) or str(existing.get("html_url") or "") or None
        if existing is not None and mode is CommentMode.RECREATE:
            _delete(client, f"{context.repo_path}/issues/comments/{existing['id']}")
        elif existing is not None and mode is CommentMode.HIDE:
            client.graphql(MINIMIZE, {"id": existing["node_id"]}, write=True)
        return _url(client.post(comments_path, {"body": text}))
    except GitHubError as error:
        if not error.forbidden:
            raise
        outcome.warnings.append(missing_permission(error, "pull-requests: write"))
        return None


def _delete(client: GitHubClient, path: str) -> None:
    """Delete a comment this token wrote (it was just listed): a 404 means it is gone already,
    as when a DELETE that went through was answered 5xx and sent again."""
    try:
        client.delete(path)
    except GitHubError as error:
        if error.status != 404:
            raise


def _url(answer: Any) -> str | None:
    return str(answer["html_url"]) if isinstance(answer, dict) and answer.get("html_url") else None


def missing_permission(error: GitHubError, permission: str) -> str:
    """The warning for a 403/404: what was refused and the permission that would allow it."""
    return (
        f"{error.method} {error.path} was refused (HTTP {error.status}: {error.message})."
        f" The token needs `{permission}`; on a pull request from a fork the token is"
        " read-only, and the job summary has the full report."
    )
