"""Which findings a pull request touches: ``scan --fail-on touched`` and the comment's order.

A finding is touched when its declaration, or a file its patch edits, is one of the files the
pull request changes. Those files come from ``git diff`` against the PR's base when the
checkout has that history, else from ``GET /pulls/{n}/files``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from iam_prune.fixes.text.patch import patch_files
from iam_prune.model import Finding


def finding_files(finding: Finding) -> frozenset[str]:
    """The repository paths a finding is about: where it is declared and what its patch edits."""
    files = {d.file for d in finding.declarations}
    patch = finding.remediation.patch if finding.remediation else None
    files.update(patch_files(patch or ""))
    return frozenset(files)


def is_touched(finding: Finding, touched: frozenset[str]) -> bool:
    return bool(touched) and not finding_files(finding).isdisjoint(touched)


def from_git(base_sha: str, root: Path) -> frozenset[str] | None:
    """Files changed between the merge base with ``base_sha`` and HEAD, or ``None`` when the
    checkout lacks that history (a shallow clone) or is no git repository."""
    try:
        answer = subprocess.run(
            ["git", "diff", "--name-only", "--no-renames", f"{base_sha}...HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if answer.returncode != 0:
        return None
    return frozenset(line for line in answer.stdout.splitlines() if line)


def from_files(files: Iterable[Mapping[str, object]]) -> frozenset[str]:
    """Paths of ``GET /pulls/{n}/files`` entries (a rename counts under both names)."""
    paths: set[str] = set()
    for entry in files:
        paths.add(str(entry["filename"]))
        if isinstance(entry.get("previous_filename"), str):
            paths.add(str(entry["previous_filename"]))
    return frozenset(paths)


def pull_request_files(root: Path, env: Mapping[str, str] = os.environ) -> frozenset[str] | None:
    """The files the pull request of this Actions run changes, or ``None`` when unknown (not a
    pull-request event, no history and no token to ask GitHub)."""
    from iam_prune.publish import github_context
    from iam_prune.publish.github_api import GitHubError

    try:
        context = github_context.from_env(env)
    except github_context.ContextError:
        return None
    if context.pull_request is None:
        return None
    local = from_git(context.pull_request.base_sha, root)
    if local is not None:
        return local
    try:
        client = github_context.client(env)
        files = client.paginate(f"{context.repo_path}/pulls/{context.pull_request.number}/files")
        return from_files(files)
    except (github_context.ContextError, GitHubError):
        return None
