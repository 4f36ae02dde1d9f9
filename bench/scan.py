"""The whole ``iam-prune scan`` of one big Terraform root, as a user runs it.

A generated single root (``infra/``): files of 6-12 ordinary resources (buckets, instances,
roles with ``jsonencode`` policies, log groups); the first files also hold 5 users each with a
policy attachment. The emulated account (moto on loopback) has every declared user, most with
an access key used yesterday and some never used: those are the findings, planned as code
changes. The scan runs as a subprocess (``python -m iam_prune scan --no-cache``), credential
report included, and is timed from outside; its peak resident set is the child's
``ru_maxrss``.

The baseline, measured in the same run on the same files in a fresh process, is python-hcl2
parsing every file of the tree. Planning time per finding is what ``pipeline.remediate``
records under ``IAM_PRUNE_PLANNING_TIMES`` (planning cannot be timed from outside).

Also: one 4,000-line file with 400 users, all unused; and a literal ``for_each`` set of
100,000 names evaluated alone. ``IAM_PRUNE_BENCH_SCAN_SIZES`` (``files:unused,...``) picks the
rows (the default is the whole table; ``250:5`` for a quick look).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import children

SIZES = os.environ.get("IAM_PRUNE_BENCH_SCAN_SIZES", "250:5,1000:50,2000:5,2000:50")
USERS_PER_FILE = 5
USER_FILES_SHARE = 0.04  # 2,000 files: 80 of them hold 400 users
BIG_FILE_USERS = 400
FOR_EACH_NAMES = 100_000
#: Goals: the scan of 2,000 files with 50 unused users against python-hcl2's parse-all, the
#: 4,000-line file, planning per finding (median, max), peak memory, a literal set.
SCAN_GOAL = 0.2
BIG_FILE_GOAL_S = 10.0
PLAN_MEDIAN_GOAL_S = 0.020
PLAN_MAX_GOAL_S = 0.200
MEMORY_GOAL_MB = 400
FOR_EACH_GOAL_S = 2.0

# --------------------------------------------------------------------------- the tree


def _resource(n: int, k: int) -> str:
    """One ordinary resource; ``k`` picks its kind."""
    name = f"r{n}_{k}"
    kind = k % 4
    if kind == 0:
        return (
            f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "acme-{n}-{k}"\n'
            f'  tags   = {{ Name = "{name}", team = "t{n % 8}" }}\n}}\n'
        )
    if kind == 1:
        return (
            f'resource "aws_instance" "{name}" {{\n  ami           = "ami-{n:08x}"\n'
            f'  instance_type = "t3.micro"\n  tags          = {{ Name = "{name}" }}\n}}\n'
        )
    if kind == 2:
        return (
            f'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n'
            "  assume_role_policy = jsonencode({\n"
            '    Version   = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n'
            '      Action    = "sts:AssumeRole"\n'
            '      Principal = { Service = "lambda.amazonaws.com" }\n'
            "    }]\n  })\n}\n"
        )
    return (
        f'resource "aws_cloudwatch_log_group" "{name}" {{\n  name              = "/acme/{name}"\n'
        f"  retention_in_days = {7 * (1 + n % 4)}\n}}\n"
    )


def _user(name: str) -> str:
    return (
        f'resource "aws_iam_user" "{name}" {{\n  name = "{name}"\n}}\n\n'
        f'resource "aws_iam_user_policy_attachment" "{name}" {{\n'
        f"  user       = aws_iam_user.{name}.name\n"
        '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n'
    )


@dataclass(frozen=True)
class Tree:
    root: Path
    files: int
    size: int
    users: tuple[str, ...]


def generate(base: Path, files: int) -> Tree:
    """``files`` files in ``base/infra``; the same ``files`` always gives the same bytes."""
    root = base / "infra"
    root.mkdir(parents=True)
    user_files = max(1, round(files * USER_FILES_SHARE))
    users: list[str] = []
    size = 0
    for n in range(files):
        parts = [_resource(n, k) for k in range(6 + n % 7)]
        if n < user_files:
            made = [f"u{n:04}_{i}" for i in range(USERS_PER_FILE)]
            users += made
            parts += [_user(name) for name in made]
        text = "\n".join(parts)
        (root / f"main_{n:04}.tf").write_text(text, encoding="utf-8")
        size += len(text)
    return Tree(root, files, size, tuple(users))


def generate_big_file(base: Path) -> Tree:
    """One ``users.tf`` of 400 users with an attachment each (~4,000 lines)."""
    root = base / "infra"
    root.mkdir(parents=True)
    names = [f"user{i:03}" for i in range(BIG_FILE_USERS)]
    text = "\n".join(
        _user(name).replace('  name = "', '  path = "/people/"\n  name = "')
        + f'\noutput "{name}_arn" {{\n  value = aws_iam_user.{name}.arn\n}}\n'
        for name in names
    )
    (root / "users.tf").write_text(text, encoding="utf-8")
    return Tree(root, 1, len(text), tuple(names))


def unused_of(users: tuple[str, ...], count: int) -> list[str]:
    """``count`` users spread over the declared ones."""
    step = max(1, len(users) // count)
    return list(users[::step][:count])


# --------------------------------------------------------------------------- one scan


def seed(users: tuple[str, ...], unused: list[str]) -> None:
    """Every declared user straight into the emulator's backend, created long ago; all but
    ``unused`` with an access key used yesterday."""
    from moto.backends import get_backend
    from moto.iam.models import AccessKeyLastUsed

    from iam_prune import demo

    backend: Any = get_backend("iam")[demo.ACCOUNT_ID]["global"]
    now = datetime.now(UTC).replace(tzinfo=None)
    never = set(unused)
    for name in users:
        user = backend.create_user("us-east-1", name)
        user.create_date = now - timedelta(days=400)
        if name in never:
            continue
        key = user.create_access_key(prefix="AKIA")
        key.create_date = now - timedelta(days=400)
        key.last_used = AccessKeyLastUsed(
            timestamp=now - timedelta(days=1), service="s3", region="us-east-1"
        )


def reset() -> None:
    from moto.backends import get_backend

    from iam_prune import demo

    backend: Any = get_backend("iam")[demo.ACCOUNT_ID]["global"]
    backend.reset()


@dataclass(frozen=True)
class Scan:
    seconds: float
    peak_mb: float
    findings: int
    patched: int
    planning: tuple[float, ...]
    combined: float

    def median_ms(self) -> float:
        return 1000 * statistics.median(self.planning) if self.planning else 0.0

    def max_ms(self) -> float:
        return 1000 * max(self.planning, default=0.0)


def scan(tree: Tree, unused: list[str], work: Path) -> Scan:
    """``iam-prune scan`` of ``tree`` against the emulator (seeded here), cold cache."""
    reset()
    seed(tree.users, unused)
    times = work / "planning.jsonl"
    times.unlink(missing_ok=True)
    report = work / "report.json"
    path = os.pathsep.join(filter(None, [str(children.REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "IAM_PRUNE_PLANNING_TIMES": str(times)}
    env.pop("CI", None)
    command = [sys.executable, "-m", "iam_prune", "scan", "--no-cache", "--json", str(report)]
    command += ["--terraform-dir", str(tree.root), "--fail-on", "never", "--color", "never"]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=tree.root.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"scan failed ({code}):\n{stderr}")
    findings = [
        f
        for account in json.loads(report.read_text())["accounts"]
        for f in account["findings"]
        if f["status"] == "remove-from-code"
    ]
    lines = [json.loads(line) for line in times.read_text().splitlines()] if times.exists() else []
    per_finding = tuple(line["seconds"] for line in lines if line["user"])
    combined = sum(line["seconds"] for line in lines if not line["user"])
    patched = sum(1 for f in findings if (f.get("remediation") or {}).get("patch"))
    return Scan(seconds, usage.ru_maxrss / 1024, len(findings), patched, per_finding, combined)


def parse_all(tree: Tree) -> float:
    """python-hcl2 parsing every file of the tree, in a fresh process."""
    figures = children.run_child("bench.terraform", "baseline", tree.root)
    return float(figures["seconds"])


# --------------------------------------------------------------------------- literal set


def for_each_seconds() -> float:
    """Evaluating a ``for_each`` over a literal set of 100,000 names, in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="iam-prune-bench-set-") as folder:
        figures = children.run_child("bench.scan", "for-each", Path(folder))
    return float(figures["seconds"])


def _for_each_child() -> dict[str, Any]:
    from iam_prune.terraform.evaluate import NoNames
    from iam_prune.terraform.expansion import expand
    from iam_prune.terraform.parse import parse_file

    names = ", ".join(f'"n{i}"' for i in range(FOR_EACH_NAMES))
    text = (
        f'resource "aws_iam_user" "many" {{\n  for_each = toset([{names}])\n'
        "  name     = each.key\n}\n"
    )
    block = parse_file("set.tf", text).blocks[0]
    started = time.perf_counter()
    instances = expand(block, NoNames(), tuple(a.value for a in block.attributes))
    seconds = time.perf_counter() - started
    if len(instances) != FOR_EACH_NAMES:
        raise SystemExit(f"for_each made {len(instances)} instances")
    return {"seconds": seconds}


# --------------------------------------------------------------------------- the table


def main() -> None:
    from iam_prune import demo

    rows = [tuple(int(n) for n in size.split(":")) for size in SIZES.split(",") if size]
    print("scan: whole `iam-prune scan` of one root (cold cache, moto, credential report)")
    header = (
        f"  {'files':>6} {'unused':>6} {'scan':>8} {'parse-all':>10} {'ratio':>6} "
        f"{'peak MB':>8} {'plan median':>12} {'plan max':>9} {'combined':>9} {'patched':>8}"
    )
    print(header)
    results: dict[tuple[int, int], tuple[Scan, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="iam-prune-bench-scan-") as folder,
        demo.moto_server() as url,
        demo.aws_environment(url),
    ):
        trees: dict[int, Tree] = {}
        baselines: dict[int, float] = {}
        for files, unused in rows:
            if files not in trees:
                trees[files] = generate(Path(folder) / f"t{files}", files)
                baselines[files] = parse_all(trees[files])
            tree = trees[files]
            result = scan(tree, unused_of(tree.users, unused), Path(folder))
            results[(files, unused)] = (result, baselines[files])
            _row(f"{files:>6} {unused:>6}", result, baselines[files])
        big = generate_big_file(Path(folder) / "big")
        big_scan = scan(big, list(big.users), Path(folder))
        big_baseline = parse_all(big)
        _row(f"{'1 file':>6} {len(big.users):>6}", big_scan, big_baseline)
    literal = for_each_seconds()
    print(f"  literal for_each set of {FOR_EACH_NAMES:,} names: {literal:.2f}s")
    _goals(results, big_scan, literal)


def _row(label: str, result: Scan, baseline: float) -> None:
    print(
        f"  {label} {result.seconds:>7.2f}s {baseline:>9.2f}s {result.seconds / baseline:>5.2f}x "
        f"{result.peak_mb:>8.0f} {result.median_ms():>10.1f}ms {result.max_ms():>7.0f}ms "
        f"{result.combined:>8.2f}s {result.patched:>4}/{result.findings}"
    )


def _goals(results: dict[tuple[int, int], tuple[Scan, float]], big: Scan, literal: float) -> None:
    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    if (2000, 50) in results:
        main_scan, baseline = results[(2000, 50)]
        ratio = main_scan.seconds / baseline
        print(
            f"  goal 2,000 files x 50 unused <= {SCAN_GOAL}x parse-all: {ratio:.2f}x, "
            f"{verdict(ratio <= SCAN_GOAL)}"
        )
    plans = [p for scan_, _ in results.values() for p in scan_.planning]
    if plans:
        median, worst = statistics.median(plans), max(plans)
        print(
            f"  goal planning <= {PLAN_MEDIAN_GOAL_S * 1000:.0f} ms median / "
            f"{PLAN_MAX_GOAL_S * 1000:.0f} ms max per finding: {median * 1000:.0f} / "
            f"{worst * 1000:.0f} ms, "
            f"{verdict(median <= PLAN_MEDIAN_GOAL_S and worst <= PLAN_MAX_GOAL_S)}"
        )
    peak = max([s.peak_mb for s, _ in results.values()] + [big.peak_mb])
    print(f"  goal peak RSS < {MEMORY_GOAL_MB} MB: {peak:.0f} MB, {verdict(peak < MEMORY_GOAL_MB)}")
    print(
        f"  goal 4,000-line file, {len(big.planning)} unused, <= {BIG_FILE_GOAL_S:.0f}s: "
        f"{big.seconds:.1f}s, {verdict(big.seconds <= BIG_FILE_GOAL_S)}"
    )
    print(
        f"  goal literal set of {FOR_EACH_NAMES:,} <= {FOR_EACH_GOAL_S:.0f}s: {literal:.2f}s, "
        f"{verdict(literal <= FOR_EACH_GOAL_S)}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child" and sys.argv[2] == "for-each":
        print(json.dumps(_for_each_child()))
    else:
        main()
