"""One measurement in a fresh Python process, so that no run inherits another's caches or
memory peak."""

from __future__ import annotations

import compileall
import contextlib
import functools
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


class Stopped(Exception):
    """A child was stopped (with its own children) after ``seconds``: it ran out of time, or
    of the address space it was allowed (``why``). ``stderr`` is what it wrote until then,
    ``peak_mb`` its peak resident set until then (``VmHWM``, read just before it was stopped;
    0 if unknown)."""

    def __init__(self, seconds: float, why: str, stderr: str, peak_mb: float = 0.0) -> None:
        super().__init__(f"stopped after {seconds:.0f} s: {why}")
        self.seconds = seconds
        self.why = why
        self.stderr = stderr
        self.peak_mb = peak_mb


@dataclass(frozen=True)
class Finished:
    code: int
    stdout: str
    stderr: str
    #: Wall time seen from outside, process start (interpreter, imports) included.
    seconds: float


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment and ``env``; the child imports what this process imports
    (a ``PYTHONPATH`` given to the bench included), from bytecode as an installed copy does."""
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    _compiled()
    child = {**os.environ, **(env or {}), "PYTHONPATH": path}
    child.pop("PYTHONDONTWRITEBYTECODE", None)
    return child


@functools.cache
def _compiled() -> None:
    """Bytecode for the package and the bench, once. ``pip install`` compiles a package (the
    action installs iam-prune so); a checkout compiles on import, unless
    ``PYTHONDONTWRITEBYTECODE`` is set, as it is on some machines: there every child compiled
    iam-prune's 130 modules again, 0.3 s of each run that no user pays. The bytecode goes to
    the checkout's ``__pycache__`` folders, which git ignores."""
    import iam_prune

    for folder in (Path(iam_prune.__file__).parent, REPO_ROOT / "bench"):
        compileall.compile_dir(folder, quiet=1)


def run(
    command: list[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout: float | None = None,
    memory_mb: int | None = None,
) -> Finished:
    """``command`` in its own session, timed from outside. On ``timeout`` (or an interrupt of
    the bench) the whole session goes, worker processes included, so nothing outlives the
    bench. ``memory_mb`` caps the address space of the child and of what it starts (a runaway
    input must not take a shared machine's memory); a child that fails with a
    ``MemoryError`` under it is :class:`Stopped` too."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,
    )
    try:
        if memory_mb is not None:
            limit = memory_mb * 1024 * 1024
            resource.prlimit(process.pid, resource.RLIMIT_AS, (limit, limit))
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        seconds, peak = time.perf_counter() - started, peak_mb(process.pid)
        stderr = _stop(process)
        raise Stopped(seconds, f"over {timeout:.0f} s", stderr, peak) from None
    except BaseException:
        _stop(process)
        raise
    seconds = time.perf_counter() - started
    if memory_mb is not None and process.returncode != 0 and "MemoryError" in stderr:
        _stop(process)  # its workers
        raise Stopped(seconds, f"over {memory_mb:,} MB of address space", stderr)
    return Finished(process.returncode, stdout, stderr, seconds)


def _stop(process: subprocess.Popen[str]) -> str:
    """Kill the child's session; what it wrote to standard error."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    _, stderr = process.communicate()
    return stderr or ""


def run_child(
    module: str,
    mode: str,
    root: Path,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float | None = None,
    memory_mb: int | None = None,
) -> dict[str, Any]:
    """``python -m <module> --child <mode> <root>``, whose last line of output is a JSON
    object of figures."""
    done = run(
        [sys.executable, "-m", module, "--child", mode, str(root)],
        env=child_env(env),
        cwd=REPO_ROOT,
        timeout=timeout,
        memory_mb=memory_mb,
    )
    if done.code != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def scan_command(argv: list[str]) -> list[str]:
    """The command line that runs ``iam-prune <argv>`` in a fresh process through
    :func:`cli_child`, so the figures it prints are the child's own."""
    return [sys.executable, "-m", "bench.children", "--cli", json.dumps(argv)]


#: A progress line as :class:`StampedTerminal` passes it on: seconds since the start, the line.
STAMPED = re.compile(r"^@(\d+\.\d+) (.*)$", re.MULTILINE)


class StampedTerminal(io.TextIOBase):
    """Standard error as a person at a terminal has it (``isatty()``, so the CLI prints its
    progress lines), each line passed on after ``@<seconds since started>``: the phases of a
    run (Terraform load, AWS, planning) seen without reaching into it, even when the run is
    stopped half-way."""

    def __init__(self, stream: Any, started: float) -> None:
        self.stream = stream
        self.started = started
        self.pending = ""

    def isatty(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text.replace("\r", "\n")
        *lines, self.pending = self.pending.split("\n")
        now = time.perf_counter() - self.started
        for line in lines:
            self.stream.write(f"@{now:.3f} {line}\n")
        self.stream.flush()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def stamped_lines(stderr: str) -> list[tuple[float, str]]:
    """The lines a :class:`StampedTerminal` passed on, with their times."""
    return [(float(seconds), line) for seconds, line in STAMPED.findall(stderr)]


def cli_child(argv: list[str]) -> None:
    """The child's side: run the CLI with its report kept off stdout and its standard error
    stamped, then print as the last line its exit code, wall time and peak memory (its own
    ``VmHWM``, and the largest ``ru_maxrss`` of its worker processes). It then leaves the
    way the installed script does (:func:`iam_prune.terminal.leave`: no interpreter teardown),
    which the time seen from outside includes."""
    from iam_prune.cli import main as cli_main
    from iam_prune.terminal import leave

    started = time.perf_counter()
    terminal = StampedTerminal(sys.stderr, started)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(terminal):
        code = cli_main(argv)
    seconds = time.perf_counter() - started
    figures = {
        "code": code,
        "seconds": seconds,
        "rss_mb": own_peak_mb(),
        "workers_mb": workers_peak_mb(),
    }
    print(json.dumps(figures))
    leave(0)


def peak_mb(pid: int | str) -> float:
    """The peak resident set of process ``pid`` so far (its ``VmHWM``); 0 where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def own_peak_mb() -> float:
    """This process's peak resident set since it was exec'd.

    Linux carries ``ru_maxrss`` over an exec, so a child started by a large parent (a bench
    that seeded 100,000 users in-process) reports the parent's peak; ``VmHWM`` belongs to the
    process's own address space. ``ru_maxrss`` elsewhere.
    """
    return peak_mb("self") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def workers_peak_mb() -> float:
    """The largest peak resident set of this process's finished children (the loader's
    parsing workers). An upper bound: a spawned worker starts as a fork of this process, and
    Linux counts this process's size at that moment towards the worker's ``ru_maxrss``."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


if __name__ == "__main__":
    if sys.argv[1:2] == ["--cli"]:
        cli_child(json.loads(sys.argv[2]))
