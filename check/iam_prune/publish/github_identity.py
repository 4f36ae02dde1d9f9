"""Who this token is, so only its own comments are ever edited, hidden or deleted.

A workflow's ``GITHUB_TOKEN`` cannot call ``GET /user`` (403 "Resource not accessible by
integration"), but GraphQL's ``viewer`` answers for users, Apps and the Actions bot alike.
REST shows a bot as ``name[bot]`` where GraphQL may say ``name``, so both spellings match.
When ``viewer`` is refused (FORBIDDEN), the identity is Actions' own bot: the token Actions
hands out. Any other failure (an outage past the retries, a rate limit, an answer without a
login) is an error: with the wrong identity, the earlier comments and the tracking issue look
like somebody else's, and each run would post them again.
A marker alone never proves authorship: anybody can quote it in a comment of theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from iam_prune.publish.github_api import GitHubClient, GitHubError

ACTIONS_BOT: Final = "github-actions[bot]"
VIEWER_QUERY: Final = "query { viewer { login } }"


def viewer_login(client: GitHubClient) -> str:
    try:
        data = client.graphql(VIEWER_QUERY)
    except GitHubError as error:
        if error.forbidden:
            return ACTIONS_BOT
        raise
    viewer = data.get("viewer") if isinstance(data, dict) else None
    login = viewer.get("login") if isinstance(viewer, dict) else None
    if not isinstance(login, str) or not login:
        raise GitHubError("POST", "graphql", 0, "the viewer query answered without a login")
    return login


def is_mine(item: Mapping[str, Any], login: str) -> bool:
    """Whether ``item`` (a comment, review comment or issue) was written by ``login``."""
    user = item.get("user")
    if not isinstance(user, dict):
        return False
    author = str(user.get("login", ""))
    return author in (login, f"{login}[bot]") or f"{author}[bot]" == login
