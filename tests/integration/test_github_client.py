"""The GitHub client on its own: where the token may go, and the URLs it derives."""

from __future__ import annotations

import pytest
from fake_github import FakeGitHub, Fault

from iam_prune.publish.github_api import GitHubClient, GitHubError, graphql_url_for

TOKEN = "ghp_n0tForYourEyes0000000000000000000000"


def test_graphql_lives_beside_the_rest_api() -> None:
    assert graphql_url_for("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url_for("https://ghe.example/api/v3/") == "https://ghe.example/api/graphql"


def test_the_token_is_in_no_repr_and_no_error() -> None:
    client = GitHubClient("http://127.0.0.1:9", TOKEN, retries=0, sleep=lambda _: None)
    assert TOKEN not in repr(client)
    with pytest.raises(GitHubError) as caught:
        client.get("/repos/o/r")
    assert TOKEN not in str(caught.value) and caught.value.status == 0


def test_a_next_link_to_another_host_is_not_followed() -> None:
    client = GitHubClient("https://api.github.com", TOKEN)
    same = '<https://api.github.com/repositories/1/issues?page=2>; rel="next"'
    other = '<https://evil.example/repositories/1/issues?page=2>; rel="next"'
    assert client._next_page(same) == "https://api.github.com/repositories/1/issues?page=2"
    assert client._next_page(other) is None


def test_a_redirect_to_another_host_never_carries_the_token() -> None:
    with FakeGitHub() as github, FakeGitHub() as elsewhere:
        github.state.tokens[TOKEN] = "write"
        github.state.faults.append(Fault("redirect", target=f"{elsewhere.url}/repos/o/r"))
        client = GitHubClient(github.url, TOKEN, sleep=lambda _: None)
        with pytest.raises(GitHubError) as caught:
            client.get("/repos/octo/infra/issues")
        assert caught.value.status == 301 and "another host" in caught.value.message
        assert elsewhere.state.log == []


def test_a_redirect_within_the_api_is_followed() -> None:
    with FakeGitHub() as github:
        github.state.tokens[TOKEN] = "write"
        github.state.files[3] = [
            {"filename": "a.tf", "status": "added", "patch": "@@ -0,0 +1 @@\n+x"}
        ]
        target = f"{github.url}/repos/octo/infra/pulls/3/files"
        github.state.faults.append(Fault("redirect", path_part="/pulls/9/", target=target))
        client = GitHubClient(github.url, TOKEN, sleep=lambda _: None)
        assert [f["filename"] for f in client.paginate("/repos/octo/infra/pulls/9/files")] == [
            "a.tf"
        ]


def test_a_post_answered_502_is_not_sent_again_a_get_is() -> None:
    """GitHub may have made what a POST asked for before answering 5xx: a second send would
    make a second review, the same suggestion twice. A read repeats safely."""
    with FakeGitHub() as github:
        github.state.tokens[TOKEN] = "write"
        github.state.faults.append(Fault("502", "POST", "/issues/4/comments"))
        github.state.faults.append(Fault("502", "GET", "/issues/4/comments"))
        client = GitHubClient(github.url, TOKEN, sleep=lambda _: None)
        with pytest.raises(GitHubError) as caught:
            client.post("/repos/octo/infra/issues/4/comments", {"body": "hello"})
        assert caught.value.status == 502
        assert client.get("/repos/octo/infra/issues/4/comments") == []
        sent = [(entry.method, entry.path) for entry in github.state.log]
        assert sent.count(("POST", "/repos/octo/infra/issues/4/comments")) == 1
        assert sent.count(("GET", "/repos/octo/infra/issues/4/comments")) == 2
