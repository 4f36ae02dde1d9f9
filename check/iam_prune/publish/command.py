"""``iam-prune publish --report PATH``: a finished report, on GitHub.

On ``pull_request`` it posts one review with one-click suggestions and keeps one sticky
comment; on ``schedule``, and on ``workflow_dispatch`` and ``push`` of the default branch, it
keeps one tracking issue. It
reads only the report and Actions' environment (never AWS or Terraform). A token that may not
write (a fork's pull request) is a warning naming the permission, and exit 0: the job summary
has the report either way. Bad input (no report, no event, no token) is exit 2, nothing sent;
GitHub failing on an optional part (the review) is exit 2 too, with the rest published.
Annotations need no API, and go out whatever GitHub said.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from iam_prune.model import Report
from iam_prune.publish import actions, github_comment, github_context, github_issue, github_pr
from iam_prune.publish.github_api import GitHubError
from iam_prune.publish.github_pr import CommentMode, Outcome
from iam_prune.publish.workflow_annotations import lines as annotation_lines
from iam_prune.reportfile import ReportFileError, load_report

EXIT_OK, EXIT_ERROR = 0, 2


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """The ``publish`` subcommand on ``commands`` (the CLI's subparsers)."""
    publish = commands.add_parser(
        "publish", help="post a report on GitHub: PR comment, suggestions, tracking issue"
    )
    publish.add_argument(
        "--report", required=True, type=Path, metavar="PATH", help="a JSON report (scan --json)"
    )
    publish.add_argument(
        "--github-token-env",
        default="GITHUB_TOKEN",
        metavar="NAME",
        help="the environment variable holding the token (default GITHUB_TOKEN)",
    )
    publish.add_argument(
        "--comment-mode",
        choices=[m.value for m in CommentMode],
        default=CommentMode.UPDATE.value,
        help="the earlier PR comment: edit it (update), delete it and post anew (recreate), "
        "hide it as outdated and post anew (hide), or post nothing (off)",
    )
    publish.add_argument(
        "--comment-key",
        default="",
        metavar="KEY",
        help="a sticky comment of its own for this key, so several jobs on one pull request "
        "(one per account) keep one comment each (A-Z a-z 0-9 . _ -; default none)",
    )
    publish.add_argument(
        "--suggestions",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one-click suggestions in the PR diff (default on)",
    )
    publish.add_argument(
        "--tracking-issue",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep a tracking issue on schedule, workflow_dispatch and push (default on)",
    )
    publish.add_argument(
        "--issue-label",
        default="iam-prune",
        metavar="NAME",
        help="the tracking issue's label (default iam-prune)",
    )
    publish.add_argument(
        "--dry-run", action="store_true", help="print what would be sent instead of sending it"
    )
    return publish


def main(args: argparse.Namespace, env: Mapping[str, str] = os.environ) -> int:
    """Publish, then (in Actions) the annotations: the only workflow commands iam-prune
    means to give, printed after every other line is out with commands stopped."""
    with actions.commands_off(env):
        code, annotations = _publish(args, env)
    for line in annotations:
        print(line)
    return code


def _publish(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[int, list[str]]:
    try:
        report = load_report(args.report)
    except ReportFileError as error:
        print(f"iam-prune: error: {error}", file=sys.stderr)
        return EXIT_ERROR, []
    outcome = Outcome()
    try:
        marker = github_comment.pull_request_marker(args.comment_key)
    except ValueError as error:
        print(f"iam-prune: error: --comment-key: {error}", file=sys.stderr)
        return EXIT_ERROR, _tell(outcome, report, env)
    try:
        context = github_context.from_env(env)
        client = github_context.client(env, args.github_token_env)
    except github_context.ContextError as error:
        print(f"iam-prune: error: {error}", file=sys.stderr)
        return EXIT_ERROR, _tell(outcome, report, env)  # the annotations need no API
    client.dry_run = args.dry_run
    code = EXIT_OK
    try:
        if context.pull_request is not None:
            github_pr.publish(
                client,
                context,
                report,
                outcome,
                mode=CommentMode(args.comment_mode),
                suggestions=args.suggestions,
                marker=marker,
            )
        elif context.event not in github_context.TRACKING_EVENTS:
            outcome.warnings.append(
                f"nothing was published: iam-prune publishes on pull_request (a comment and "
                f"suggestions) and on schedule, workflow_dispatch and push (a tracking issue), "
                f"not on {context.event}"
            )
        elif not args.tracking_issue:
            print("iam-prune: the tracking issue is turned off", file=sys.stderr)
        elif context.not_tracking is not None:
            print(
                f"iam-prune: the tracking issue follows the default branch, and "
                f"{context.not_tracking}: it is left as it is",
                file=sys.stderr,
            )
        else:
            github_issue.publish(client, context, report, args.issue_label, outcome)
    except GitHubError as error:
        outcome.failed.append(f"GitHub: {error}")
    for failure in outcome.failed:
        print(f"iam-prune: error: {failure}", file=sys.stderr)
        code = EXIT_ERROR
    # Annotations need no API: they go out whatever GitHub said.
    return code, _tell(outcome, report, env)


def _tell(outcome: Outcome, report: Report, env: Mapping[str, str]) -> list[str]:
    """Warnings, links, and in Actions the step's outputs; the annotations to print."""
    in_actions = actions.in_actions(env)
    if not in_actions:  # in Actions they are annotations, counted with the rest below
        for warning in outcome.warnings:
            print(f"iam-prune: warning: {warning}", file=sys.stderr)
    if outcome.comment_url:
        print(f"comment: {outcome.comment_url}", file=sys.stderr)
    if outcome.review_comments:
        print(f"suggestions: {outcome.review_comments} in one review", file=sys.stderr)
    if outcome.issue_url:
        print(f"tracking issue: {outcome.issue_url}", file=sys.stderr)
    if not in_actions:
        return []
    actions.write_outputs(
        {"comment-url": outcome.comment_url or "", "issue-url": outcome.issue_url or ""}, env
    )
    return annotation_lines(report, outcome.touched, outcome.warnings, outcome.failed)
