"""Where ``publish`` is running, from GitHub Actions' standard environment.

``GITHUB_REPOSITORY``, ``GITHUB_EVENT_NAME`` and ``GITHUB_EVENT_PATH`` say what to talk about;
``GITHUB_API_URL`` (and ``GITHUB_GRAPHQL_URL``) where, so GitHub Enterprise Server works as is;
``GITHUB_SERVER_URL`` and ``GITHUB_RUN_ID`` make the link to the run. On ``pull_request``
events ``GITHUB_SHA`` is the merge commit: review comments must name the PR's head instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iam_prune.publish.github_api import DEFAULT_API_URL, GitHubClient

PULL_REQUEST_EVENTS = frozenset({"pull_request"})
TRACKING_EVENTS = frozenset({"schedule", "workflow_dispatch", "push"})
#: Tracking events that can run on any branch (a schedule runs on the default one).
BRANCH_EVENTS = frozenset({"workflow_dispatch", "push"})


class ContextError(Exception):
    """The environment lacks what publishing needs; nothing was sent."""


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str
    base_sha: str


@dataclass(frozen=True)
class Context:
    repository: str  # owner/name
    event: str
    pull_request: PullRequest | None
    run_url: str | None
    #: Why this run may not change the tracking issue (a push or manual run on another branch
    #: than the default one); ``None`` when it may.
    not_tracking: str | None = None

    @property
    def repo_path(self) -> str:
        return f"/repos/{self.repository}"


def from_env(env: Mapping[str, str] = os.environ) -> Context:
    repository = env.get("GITHUB_REPOSITORY", "")
    if repository.count("/") != 1:
        raise ContextError("GITHUB_REPOSITORY is not set (owner/name): not running in Actions?")
    event = env.get("GITHUB_EVENT_NAME", "")
    if not event:
        raise ContextError("GITHUB_EVENT_NAME is not set: not running in Actions?")
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_id = env.get("GITHUB_RUN_ID")
    run_url = f"{server}/{repository}/actions/runs/{run_id}" if run_id else None
    pull_request = None
    if event in PULL_REQUEST_EVENTS:
        pull_request = _pull_request(_payload(env))
    not_tracking = _off_default_branch(env) if event in BRANCH_EVENTS else None
    return Context(repository, event, pull_request, run_url, not_tracking)


def _off_default_branch(env: Mapping[str, str]) -> str | None:
    """Why a push or a manual run may not change the tracking issue: it follows the default
    branch (what a schedule scans), not a feature branch whose changes are not merged."""
    ref = env.get("GITHUB_REF", "")
    repository = _payload(env).get("repository")
    default = repository.get("default_branch") if isinstance(repository, dict) else None
    if not isinstance(default, str) or not default:
        return "the event payload does not name the default branch"
    if ref != f"refs/heads/{default}":
        return f"{ref or 'the run'} is not the default branch ({default})"
    return None


def _payload(env: Mapping[str, str]) -> Mapping[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        raise ContextError("GITHUB_EVENT_PATH is not set: the event payload is needed")
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ContextError(f"{path}: cannot read the event payload: {error}") from None
    if not isinstance(payload, dict):
        raise ContextError(f"{path}: the event payload is not a JSON object")
    return payload


def _pull_request(payload: Mapping[str, Any]) -> PullRequest:
    pr = payload.get("pull_request")
    try:
        return PullRequest(
            number=int(pr["number"]),  # type: ignore[index]
            head_sha=str(pr["head"]["sha"]),  # type: ignore[index]
            base_sha=str(pr["base"]["sha"]),  # type: ignore[index]
        )
    except (TypeError, KeyError, ValueError):
        raise ContextError(
            "the event payload has no pull_request (number, head.sha, base.sha):"
            " a pull-request comment needs a pull_request event"
        ) from None


def client(env: Mapping[str, str] = os.environ, token_env: str = "GITHUB_TOKEN") -> GitHubClient:
    """A client for this run's GitHub, with the token from ``token_env``."""
    token = env.get(token_env, "")
    if not token:
        raise ContextError(f"{token_env} is not set: no token to talk to GitHub with")
    return GitHubClient(
        api_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
        token=token,
        graphql_url=env.get("GITHUB_GRAPHQL_URL") or None,
    )
