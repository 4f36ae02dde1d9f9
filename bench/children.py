"""One measurement in a fresh Python process, so that no run inherits another's caches or
memory peak."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_child(
    module: str, mode: str, root: Path, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``python -m <module> --child <mode> <root>``, whose last line of output is a JSON
    object of figures. The child imports what this process imports (a ``PYTHONPATH`` given to
    the bench included)."""
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", module, "--child", mode, str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "PYTHONPATH": path},
        cwd=REPO_ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def scan_command(argv: list[str]) -> list[str]:
    """The command line that runs ``iam-prune <argv>`` in a fresh process through
    :func:`cli_child`, so the figures it prints are the child's own."""
    return [sys.executable, "-m", "bench.children", "--cli", json.dumps(argv)]


def cli_child(argv: list[str]) -> None:
    """The child's side: run the CLI with its report kept off stdout, then print its exit
    code, wall time and peak memory as the last line."""
    import contextlib
    import io

    from iam_prune.cli import main as cli_main

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli_main(argv)
    seconds = time.perf_counter() - started
    print(json.dumps({"code": code, "seconds": seconds, "rss_mb": own_peak_mb()}))


def own_peak_mb() -> float:
    """This process's peak resident set since it was exec'd.

    Linux carries ``ru_maxrss`` over an exec, so a child started by a large parent (a bench
    that seeded 100,000 users in-process) reports the parent's peak; ``VmHWM`` belongs to the
    process's own address space. ``ru_maxrss`` elsewhere.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    if sys.argv[1:2] == ["--cli"]:
        cli_child(json.loads(sys.argv[2]))
