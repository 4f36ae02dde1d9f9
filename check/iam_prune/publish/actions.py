"""GitHub Actions' own files: the job summary and step outputs.

Both are plain files whose paths Actions puts in the environment. The summary is capped at
1 MiB per step, and multi-line output values need the ``name<<DELIMITER`` form.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from iam_prune.model import RunInfo

SUMMARY_LIMIT = 1024 * 1024
#: What one report may take of the summary: the cap less the newline appended after it.
SUMMARY_BUDGET = SUMMARY_LIMIT - 1


def in_actions(env: Mapping[str, str] = os.environ) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


@contextlib.contextmanager
def commands_off(env: Mapping[str, str] = os.environ) -> Iterator[None]:
    """In Actions, no line printed inside is read as a workflow command.

    The runner takes any line of a step's output that starts with ``::`` as a command
    (``::error``, ``::add-mask::``, ``::stop-commands::``...), and what iam-prune prints
    carries text it does not write: tag values, file paths, reasons quoting Terraform. Anyone
    who can tag an IAM user could otherwise raise annotations or mask the log. Commands are
    stopped with a token nobody can guess and resumed after; outside Actions this does
    nothing."""
    if not in_actions(env):
        yield
        return
    token = secrets.token_hex(16)
    _flush()
    print(f"::stop-commands::{token}", flush=True)
    try:
        yield
    finally:
        _flush()
        print(f"::{token}::", flush=True)


def _flush() -> None:
    """Both streams out before the switch: the runner reads them as one log."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()


def run_info(env: Mapping[str, str] = os.environ) -> RunInfo | None:
    """The CI run this report comes from, from Actions' standard variables; ``None`` outside
    Actions, where a report has no run to link to."""
    if not in_actions(env):
        return None
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repository = env.get("GITHUB_REPOSITORY") or None
    run_id = env.get("GITHUB_RUN_ID")
    url = f"{server}/{repository}/actions/runs/{run_id}" if repository and run_id else None
    return RunInfo(
        url=url,
        repository=repository,
        sha=env.get("GITHUB_SHA") or None,
        event=env.get("GITHUB_EVENT_NAME") or None,
    )


def summary_room(env: Mapping[str, str] = os.environ) -> int:
    """What a report may still take of this step's summary: the cap counts everything the
    step wrote to it (another tool's lines, an earlier scan in the same ``run:``), and GitHub
    drops the whole step's summary past it."""
    target = env.get("GITHUB_STEP_SUMMARY")
    try:
        used = Path(target).stat().st_size if target else 0
    except OSError:
        used = 0
    return max(SUMMARY_BUDGET - used, 0)


def append_summary(markdown: str, env: Mapping[str, str] = os.environ) -> bool:
    """Append to the job summary; False when there is none or it would pass the cap."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    data = markdown.encode("utf-8")
    if len(data) > summary_room(env):
        return False
    with Path(target).open("ab") as handle:
        handle.write(data + b"\n")
    return True


def format_outputs(values: Mapping[str, str]) -> str:
    """``name=value`` lines, or a heredoc with a random delimiter for multi-line values."""
    lines = []
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            delimiter = f"IAM_PRUNE_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}")
        else:
            lines.append(f"{name}={value}")
    return "".join(line + "\n" for line in lines)


def write_outputs(values: Mapping[str, str], env: Mapping[str, str] = os.environ) -> bool:
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return False
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(format_outputs(values))
    return True
