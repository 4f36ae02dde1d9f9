"""The pull request's files for ``--fail-on touched``: from git when the history is there, else
from GitHub's file list."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from fake_github import FakeGitHub

from iam_prune.publish import github_touched

TOKEN = "ghs_touched000000000000000000000000000"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def test_from_git_lists_the_files_changed_since_the_base(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "a.tf").write_text("a\n")
    (tmp_path / "b.tf").write_text("b\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    base = git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "b.tf").write_text("b2\n")
    (tmp_path / "c.tf").write_text("c\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "pr")
    assert github_touched.from_git(base, tmp_path) == {"b.tf", "c.tf"}
    assert github_touched.from_git("0" * 40, tmp_path) is None  # history not there


def test_without_history_the_pull_requests_file_list_is_asked(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 5, "head": {"sha": "h"}, "base": {"sha": "b"}}})
    )
    with FakeGitHub() as github:
        github.state.tokens[TOKEN] = "read"
        github.state.files[5] = [
            {"filename": f"infra/{n}.tf", "status": "modified", "patch": "@@ -1 +1 @@\n-a\n+b"}
            for n in range(3)
        ] + [{"filename": "new.tf", "previous_filename": "old.tf", "status": "renamed"}]
        env = {
            "GITHUB_REPOSITORY": "octo/infra",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_API_URL": github.url,
            "GITHUB_TOKEN": TOKEN,
        }
        files = github_touched.pull_request_files(tmp_path, env)
    assert files == {"infra/0.tf", "infra/1.tf", "infra/2.tf", "new.tf", "old.tf"}
    assert github_touched.pull_request_files(tmp_path, {**env, "GITHUB_EVENT_NAME": "push"}) is None
