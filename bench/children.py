"""One measurement in a fresh Python process, so that no run inherits another's caches or
memory peak."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
