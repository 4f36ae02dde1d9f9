"""One whole ``iam-prune scan`` against the emulator, and python-hcl2's parse-all of the same
files, each in a fresh process.

The scan runs as a user runs it: ``iam-prune scan --terraform-dir ...`` against moto on
loopback, credential report included, with an empty cache (cold), through
:func:`bench.children.cli_child`. Its time is the wall time seen from outside, process start
included. Its memory is what the child says of itself: its own peak (``VmHWM``; the child's
``ru_maxrss`` would start at this seeding parent's size, which Linux carries over the exec)
and, apart, the largest peak of its parsing workers (``RUSAGE_CHILDREN``, an upper bound);
goals use the larger of the two. Standard error looks like a terminal to the scan, so it
prints its progress lines; their times split the run into phases (Terraform load, AWS side,
planning, combined patch and reports). Planning is what the scan records under
``IAM_PRUNE_PLANNING_TIMES``, a line as each part ends: the evaluation of the original
configuration (once for all findings), each finding, the combined patch.

A child that runs past ``IAM_PRUNE_BENCH_SCAN_TIMEOUT`` seconds (600 by default), or fails
for want of memory under ``IAM_PRUNE_BENCH_SCAN_MEMORY_MB`` of address space (8,192 by
default: the machine is shared), is stopped, its workers with it; its time is then a lower
bound, and what it planned until then still counts.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import children
from bench.scantree import Tree

TIMEOUT = float(os.environ.get("IAM_PRUNE_BENCH_SCAN_TIMEOUT", "600"))
MEMORY_MB = int(os.environ.get("IAM_PRUNE_BENCH_SCAN_MEMORY_MB", "8192"))


@dataclass(frozen=True)
class Timed:
    """Seconds, or at least ``seconds`` when the child was stopped."""

    seconds: float
    #: Why the child was stopped; empty when it finished.
    why: str = ""

    @property
    def stopped(self) -> bool:
        return bool(self.why)

    def text(self, width: int = 0, digits: int = 2) -> str:
        return f"{'>' if self.stopped else ''}{self.seconds:.{digits}f}s".rjust(width)

    def ratio(self, baseline: Timed) -> str:
        """``self / baseline``, marked as a bound when either was stopped."""
        value = self.seconds / baseline.seconds
        if self.stopped and not baseline.stopped:
            return f">{value:.2f}x"
        if baseline.stopped and not self.stopped:
            return f"<{value:.2f}x"
        return f"{'~' if self.stopped else ''}{value:.2f}x"


@dataclass(frozen=True)
class Scan:
    time: Timed
    #: The scan's process (VmHWM; when stopped, until then) and its largest parsing worker
    #: (ru_maxrss; 0 when stopped).
    scanner_mb: float
    workers_mb: float
    findings: int
    patched: int
    #: Seconds per finding's plan, in the order planned (as far as it got when stopped).
    planning: tuple[float, ...]
    #: The combined patch of every removal, once per run; ``None`` if never reached.
    combined: float | None
    #: Seconds per phase, from the progress lines: terraform, aws, planning, finish (a stopped
    #: run's last phase counted to its last line).
    phases: Mapping[str, float] = field(default_factory=dict)
    #: The original configuration evaluated once before the findings; ``None`` if not seen.
    evaluate: float | None = None

    @property
    def peak_mb(self) -> float:
        return max(self.scanner_mb, self.workers_mb)

    def median_ms(self) -> float:
        return 1000 * statistics.median(self.planning) if self.planning else 0.0

    def max_ms(self) -> float:
        return 1000 * max(self.planning, default=0.0)

    def findings_total(self) -> float:
        return sum(self.planning)

    def planning_total(self) -> float:
        """What planning every finding cost: the evaluation once, each finding, the
        combined patch."""
        return (self.evaluate or 0.0) + self.findings_total() + (self.combined or 0.0)


# --------------------------------------------------------------------------- the account


def seed(declared: tuple[str, ...], unused: list[str], *, others: int = 0) -> None:
    """The declared users straight into the emulator's backend (HTTP seeding would dominate
    the run), created long ago, all but ``unused`` with an access key used yesterday; and
    ``others`` users that no code declares, all in use."""
    from moto.backends import get_backend
    from moto.iam.models import AccessKeyLastUsed

    from iam_prune import demo

    backend: Any = get_backend("iam")[demo.ACCOUNT_ID]["global"]
    backend.reset()
    now = datetime.now(UTC).replace(tzinfo=None)
    never = set(unused)
    for name in (*declared, *(f"svc-{n:05}" for n in range(others))):
        user = backend.create_user("us-east-1", name)
        user.create_date = now - timedelta(days=400)
        if name in never:
            continue
        key = user.create_access_key(prefix="AKIA")
        key.create_date = now - timedelta(days=400)
        key.last_used = AccessKeyLastUsed(
            timestamp=now - timedelta(days=1), service="s3", region="us-east-1"
        )


# --------------------------------------------------------------------------- one scan


def scan(
    tree: Tree, unused: list[str], *, others: int = 0, timeout: float = TIMEOUT, warm: bool = False
) -> Scan:
    """``iam-prune scan`` of every root of ``tree`` (seeded here), cold cache; ``warm``: with
    the parse cache the previous scan of the tree filled."""
    seed(tree.users, unused, others=others)
    work = tree.base.parent / f"{tree.base.name}-run"
    work.mkdir(exist_ok=True)
    times, report = work / "planning.jsonl", work / "report.json"
    times.unlink(missing_ok=True)
    report.unlink(missing_ok=True)
    runs = len(list(work.glob("cache-*")))
    # Empty: a cold run; a warm one reads the cache the last run of the tree wrote.
    cache = work / f"cache-{runs - 1 if warm and runs else runs}"
    env = children.child_env(
        {"IAM_PRUNE_PLANNING_TIMES": str(times), "IAM_PRUNE_CACHE_DIR": str(cache)}
    )
    env.pop("CI", None)  # the progress lines are what a terminal shows outside CI
    argv = ["scan", "--json", str(report), "--fail-on", "never", "--color", "never"]
    for root in tree.roots:
        argv += ["--terraform-dir", str(root)]
    try:
        done = children.run(
            children.scan_command(argv),
            env=env,
            cwd=tree.base,
            timeout=timeout,
            memory_mb=MEMORY_MB,
        )
    except children.Stopped as stop:
        evaluate, per_finding, combined = _planning(times)
        stamped = children.stamped_lines(stop.stderr)
        last = max((seconds for seconds, _ in stamped), default=0.0)  # the phase still open
        return Scan(
            Timed(stop.seconds, stop.why),
            stop.peak_mb,
            0,
            0,
            0,
            per_finding,
            combined,
            phases(stamped, last),
            evaluate,
        )
    if done.code != 0:
        raise SystemExit(f"scan failed ({done.code}):\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.splitlines()[-1])
    if figures["code"] not in (0, 1):
        raise SystemExit(f"scan exited {figures['code']}:\n{done.stderr[-3000:]}")
    findings = [
        f
        for account in json.loads(report.read_text())["accounts"]
        for f in account["findings"]
        if f["status"] == "remove-from-code"
    ]
    evaluate, per_finding, combined = _planning(times)
    patched = sum(1 for f in findings if (f.get("remediation") or {}).get("patch"))
    return Scan(
        Timed(done.seconds),
        figures["rss_mb"],
        figures["workers_mb"],
        len(findings),
        patched,
        per_finding,
        combined,
        phases(children.stamped_lines(done.stderr), figures["seconds"]),
        evaluate,
    )


def _planning(path: Path) -> tuple[float | None, tuple[float, ...], float | None]:
    """The evaluation once, each finding, the combined patch; a line without a ``phase`` (as
    scans before the evaluation was shared wrote them) is a finding when it names a user."""
    if not path.exists():
        return None, (), None
    by_phase: dict[str, list[float]] = {"evaluate": [], "finding": [], "combine": []}
    for text in path.read_text().splitlines():
        if text.strip():
            line = json.loads(text)
            phase = line.get("phase") or ("finding" if line["user"] else "combine")
            by_phase.setdefault(phase, []).append(line["seconds"])
    evaluate, combine = by_phase["evaluate"], by_phase["combine"]
    return (
        sum(evaluate) if evaluate else None,
        tuple(by_phase["finding"]),
        sum(combine) if combine else None,
    )


#: The progress lines that start each phase, as ``pipeline.run`` words them.
MARKS = {
    "terraform": re.compile(r"reading the Terraform in "),
    "terraform-end": re.compile(r"parsed [\d,]+ of [\d,]+ Terraform files"),
    "aws": re.compile(r"reading [\d,]+ accounts?\b|accounts of the organisation to scan"),
    "planning": re.compile(r": planning [\d,]+ removal"),
    "finish": re.compile(r"combining [\d,]+ removal"),
}


def phases(progress: list[tuple[float, str]], end: float) -> dict[str, float]:
    """Seconds per phase from stamped progress lines: ``terraform`` (the load), ``aws`` (the
    inventory, up to the first finding's plan), ``planning`` (every finding) and ``finish``
    (the combined patch, redaction, the report files). A phase whose lines are missing is left
    out."""
    at: dict[str, float] = {}
    for seconds, line in progress:
        for mark, pattern in MARKS.items():
            if mark not in at and pattern.search(line):
                at[mark] = seconds
                break
    found: dict[str, float] = {}
    if "terraform" in at and "terraform-end" in at:
        found["terraform"] = at["terraform-end"] - at["terraform"]
    order = [mark for mark in ("aws", "planning", "finish") if mark in at]
    for here, after in zip(order, [*order[1:], None], strict=True):
        found[here] = (at[after] if after else end) - at[here]
    return found


# --------------------------------------------------------------------------- the AWS side alone


def aws_side(tree: Tree, unused: list[str], timeout: float = TIMEOUT) -> Timed:
    """The account a scan of ``tree`` reads, read alone in a fresh process, as the scan reads
    it: process start, the boto3 clients, the credential report generated and polled (the
    account is seeded again first, so the report is new, as for the scan), and the detail
    calls of the users a rule may flag (three each for users that code declares). No
    Terraform, no planning, no report: what no handling of the Terraform can go below here."""
    seed(tree.users, unused)
    declared = tree.base.parent / f"{tree.base.name}-declared.json"
    declared.write_text(json.dumps(list(tree.users)))
    try:
        done = children.run(
            [sys.executable, "-m", "bench.scanrun", "--aws-side", str(declared)],
            env=children.child_env(),
            cwd=tree.base,
            timeout=timeout,
        )
    except children.Stopped as stop:
        return Timed(stop.seconds, stop.why)
    if done.code != 0:
        raise SystemExit(f"the AWS side alone failed ({done.code}):\n{done.stderr[-3000:]}")
    return Timed(done.seconds)


def _aws_side_child(declared_path: str) -> None:
    """The child of :func:`aws_side`: ``inventory.collect`` with the scan's predicates (a
    user is worth detail calls when a rule may flag it on the report's facts; its delete
    commands are wanted when no code declares it), then leave as the scan leaves."""
    from iam_prune.aws.inventory import collect
    from iam_prune.aws.session import default_session
    from iam_prune.rules import RuleSettings, may_be_flagged
    from iam_prune.terminal import leave

    declared = frozenset(json.loads(Path(declared_path).read_text()))
    rules, now = RuleSettings(), datetime.now(UTC)
    inventory = collect(
        default_session(),
        candidate=lambda user: may_be_flagged(user, rules, now),
        for_deletion=lambda user: user.name not in declared,
    )
    print(json.dumps({"users": len(inventory.users), "api_calls": inventory.api_calls}))
    leave(0)


# --------------------------------------------------------------------------- the baseline


def parse_all(tree: Tree, timeout: float = TIMEOUT) -> Timed:
    """python-hcl2 parsing every ``.tf`` file under the tree, in one fresh process."""
    try:
        figures = children.run_child(
            "bench.terraform", "baseline", tree.base, timeout=timeout, memory_mb=MEMORY_MB
        )
    except children.Stopped as stop:
        return Timed(stop.seconds, stop.why)
    if figures["failures"]:  # the 50 MB file: python-hcl2 runs out of memory on it
        failed = f"python-hcl2 failed on {figures['failures']} of {figures['files']} files"
        return Timed(float(figures["seconds"]), failed)
    return Timed(float(figures["seconds"]))


def note(message: str) -> None:
    """A line on the way, so a long run shows where it is."""
    print(f"  ... {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- display

COLUMNS = (
    f"{'scan':>9} {'parse-all':>9} {'ratio':>7} {'tf load':>8} {'aws':>7} {'scan MB':>8} "
    f"{'worker MB':>9} {'evaluate':>9} {'plan med':>9} {'plan max':>9} {'plan sum':>9} "
    f"{'combined':>9} {'patched':>9}"
)


def header(label: str) -> str:
    """The column titles after ``label``, laid out as :func:`row` lays out a scan."""
    return f"  {label} {COLUMNS}"


def row(label: str, result: Scan, baseline: Timed) -> str:
    if result.time.stopped:
        memory = f"{f'>{result.scanner_mb:.0f}' if result.scanner_mb else '-':>8} {'-':>9}"
        done = f"{len(result.planning)} planned, stopped: {result.time.why}"
    else:
        memory = f"{result.scanner_mb:>8.0f} {result.workers_mb:>9.0f}"
        done = f"{result.patched}/{result.findings}"
    combined = "-" if result.combined is None else f"{result.combined:.2f}s"
    evaluate = "-" if result.evaluate is None else f"{result.evaluate:.2f}s"
    load, aws = (
        f"{result.phases[name]:.2f}s" if name in result.phases else "-"
        for name in ("terraform", "aws")
    )
    return (
        f"  {label} {result.time.text(9)} {baseline.text(9)} {result.time.ratio(baseline):>7} "
        f"{load:>8} {aws:>7} {memory} {evaluate:>9} {result.median_ms():>7.1f}ms "
        f"{result.max_ms():>7.0f}ms {result.findings_total():>8.2f}s {combined:>9} {done:>9}"
    )


def verdict(ok: bool, complete: bool) -> str:
    """For a figure that is a lower bound when a run was stopped: over the goal is a miss
    either way; under it is only known when every run finished."""
    if not ok:
        return "MISSED"
    return "met" if complete else "unknown (a run was stopped)"


def ratio_verdict(measured: Timed, baseline: Timed, goal: float) -> str:
    if baseline.stopped:
        # The baseline took at least its time: a finished scan under the goal against that
        # bound is under it against the whole baseline too.
        if not measured.stopped and measured.seconds / baseline.seconds <= goal:
            return "met (against a lower bound of the baseline)"
        return "unknown (the baseline was stopped)"
    return verdict(measured.seconds / baseline.seconds <= goal, not measured.stopped)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--aws-side"]:
        _aws_side_child(sys.argv[2])
