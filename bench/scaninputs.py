"""The whole scan on the other inputs a monorepo has, each next to a baseline from the same
run (measured as :mod:`bench.scanrun` says):

- many roots: 200 roots of 10 files (``--terraform-dir`` 200 times), 50 unused users, against
  python-hcl2's parse-all of the same files and the one 2,000-file root of the table;
- one 4,000-line ``users.tf`` of 400 users, all unused: <= 10 s cold;
- an account of 20,000 users, 5,000 of them declared in 50 files, 250 of those unused: the
  planning (the evaluation once, every finding and the combined patch) <= the AWS side + the
  Terraform load of the same run, both read from the scan's progress lines;
- an unrelated file of S3 buckets (1 MB, 10 MB) beside 20 declared users, 5 unused, against
  parse-all; the 50 MB file (<= 2x parse-all, < 1 GB) only when asked for, as python-hcl2's
  own parse of it takes minutes and gigabytes;
- a literal ``for_each`` set of 100,000 names (one a line), evaluated alone: <= 2 s, next to
  10,000; parsing the file is timed apart (python-hcl2's parse of a long list grows faster
  than the list).

``IAM_PRUNE_BENCH_SCAN_INPUTS`` picks them (``none`` for none; the default is every one but
``beside-50mb``): ``many-roots,big-file,account,beside-1mb,beside-10mb,beside-50mb,for-each``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import children
from bench.scanrun import (
    MEMORY_MB,
    TIMEOUT,
    Scan,
    Timed,
    header,
    note,
    parse_all,
    ratio_verdict,
    row,
    scan,
    verdict,
)
from bench.scantree import (
    Tree,
    for_each_text,
    generate_account,
    generate_beside,
    generate_big_file,
    generate_roots,
    unused_of,
)

DEFAULT_INPUTS = "many-roots,big-file,account,beside-1mb,beside-10mb,for-each"
INPUTS = os.environ.get("IAM_PRUNE_BENCH_SCAN_INPUTS", DEFAULT_INPUTS)
ROOTS, FILES_PER_ROOT, ROOTS_UNUSED = 200, 10, 50
ACCOUNT_USERS, ACCOUNT_FINDINGS = 20_000, 250
BESIDE_UNUSED = 5
FOR_EACH_NAMES, FOR_EACH_BASELINE = 100_000, 10_000
BIG_FILE_GOAL_S = 10.0
LARGE_FILE_GOAL = 2.0
LARGE_FILE_MEMORY_GOAL_MB = 1024
FOR_EACH_GOAL_S = 2.0


def run(folder: Path, single_root: Scan | None) -> None:
    """Every input asked for; ``single_root`` is the table's 2,000 x 50 scan, if it ran."""
    asked = {name.strip() for name in INPUTS.split(",")} - {"", "none"}
    unknown = asked - {*DEFAULT_INPUTS.split(","), "beside-50mb"}
    if unknown:
        raise SystemExit(f"unknown IAM_PRUNE_BENCH_SCAN_INPUTS: {', '.join(sorted(unknown))}")
    if asked - {"for-each"}:
        print("scan: other inputs (cold cache, moto, credential report)")
        print(header(f"{'input':<22}"))
    if "many-roots" in asked:
        many_roots(folder, single_root)
    if "big-file" in asked:
        big_file(folder)
    if "account" in asked:
        account(folder)
    beside = {mb: beside_file(folder, mb) for mb in (1, 10, 50) if f"beside-{mb}mb" in asked}
    if 1 in beside and 10 in beside and not beside[10].time.stopped:
        growth = beside[10].time.seconds / beside[1].time.seconds
        print(f"  1 MB -> 10 MB of buckets: the scan takes {growth:.1f}x (linear: about 10x)")
    if "for-each" in asked:
        for_each(folder)


def _measure(label: str, tree: Tree, unused: list[str], *, others: int = 0) -> tuple[Scan, Timed]:
    note(f"{label}: python-hcl2 parse-all")
    baseline = parse_all(tree)
    note(f"{label}: scanning")
    result = scan(tree, unused, others=others)
    print(row(f"{label:<22}", result, baseline), flush=True)
    if baseline.stopped:
        print(f"    parse-all {baseline.text()}: {baseline.why}")
    return result, baseline


def many_roots(folder: Path, single_root: Scan | None) -> None:
    tree = generate_roots(folder / "roots", ROOTS, FILES_PER_ROOT)
    label = f"{ROOTS} roots x {FILES_PER_ROOT} files"
    result, _ = _measure(label, tree, unused_of(tree.users, ROOTS_UNUSED))
    if single_root is not None:
        print(
            f"    against one root of {tree.files:,} files, {ROOTS_UNUSED} unused: "
            f"{result.time.text()} / {single_root.time.text()} = "
            f"{result.time.ratio(single_root.time)}"
        )


def big_file(folder: Path) -> None:
    tree = generate_big_file(folder / "big")
    lines = (tree.roots[0] / "users.tf").read_text().count("\n")
    result, _ = _measure(f"1 file, {lines:,} lines", tree, list(tree.users))
    ok = result.time.seconds <= BIG_FILE_GOAL_S
    print(
        f"  goal one {lines:,}-line file, {len(tree.users)} unused, <= {BIG_FILE_GOAL_S:.0f}s "
        f"cold: {result.time.text()}, {verdict(ok, not result.time.stopped)}"
    )


def account(folder: Path) -> None:
    tree = generate_account(folder / "account")
    others = ACCOUNT_USERS - len(tree.users)
    label = f"{ACCOUNT_USERS // 1000}k users, {len(tree.users) // 1000}k in code"
    unused = unused_of(tree.users, ACCOUNT_FINDINGS)
    result, _ = _measure(label, tree, unused, others=others)
    planning = result.planning_total()
    what = f"the evaluation once, {len(result.planning)} findings" + (
        " and the combined patch" if result.combined is not None else ", stopped"
    )
    phases = result.phases
    if "aws" not in phases or "terraform" not in phases:
        print(
            f"  goal planning <= AWS side + Terraform load: the progress lines did not show "
            f"the phases; whole scan {result.time.text()}, planning {planning:.1f}s "
            f"({what}), unknown"
        )
        return
    rest = phases["aws"] + phases["terraform"]
    print(
        f"  goal planning <= AWS side + Terraform load: {planning:.1f}s "
        f"({what}) against "
        f"{phases['aws']:.1f}s + {phases['terraform']:.1f}s = {rest:.1f}s "
        f"(whole scan {result.time.text()}), {verdict(planning <= rest, not result.time.stopped)}"
    )


def beside_file(folder: Path, megabytes: int) -> Scan:
    tree = generate_beside(folder / f"beside-{megabytes}mb", megabytes)
    result, baseline = _measure(
        f"{megabytes} MB of buckets", tree, unused_of(tree.users, BESIDE_UNUSED)
    )
    if megabytes >= 50:
        print(
            f"  goal {megabytes} MB <= {LARGE_FILE_GOAL:.0f}x parse-all: "
            f"{result.time.ratio(baseline)}, "
            f"{ratio_verdict(result.time, baseline, LARGE_FILE_GOAL)}"
        )
        print(
            f"  goal {megabytes} MB < {LARGE_FILE_MEMORY_GOAL_MB:,} MB RSS: "
            f"{result.peak_mb:.0f} MB, "
            f"{verdict(result.peak_mb < LARGE_FILE_MEMORY_GOAL_MB, not result.time.stopped)}"
        )
    return result


# --------------------------------------------------------------------------- literal set


def for_each(folder: Path) -> None:
    note("literal for_each sets")
    small = _for_each(folder, FOR_EACH_BASELINE)
    large = _for_each(folder, FOR_EACH_NAMES)
    for names, (parse, evaluate) in ((FOR_EACH_BASELINE, small), (FOR_EACH_NAMES, large)):
        print(
            f"  literal for_each set of {names:,} names: evaluated in {evaluate.text()}, "
            f"after parsing the file in {parse.text()}"
        )
    print(
        f"  goal literal set of {FOR_EACH_NAMES:,} evaluated <= {FOR_EACH_GOAL_S:.0f}s: "
        f"{large[1].text()} ({large[1].ratio(small[1])} the {FOR_EACH_BASELINE:,}-name set; "
        f"linear: 10x), {verdict(large[1].seconds <= FOR_EACH_GOAL_S, not large[1].stopped)}"
    )


def _for_each(folder: Path, names: int) -> tuple[Timed, Timed]:
    """Parsing the file, then expanding the block, in a fresh process. A stopped child
    counts against both: the two cannot be told apart from outside."""
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        try:
            figures = children.run_child(
                "bench.scaninputs",
                f"for-each-{names}",
                Path(scratch),
                timeout=TIMEOUT,
                memory_mb=MEMORY_MB,
            )
        except children.Stopped as stop:
            return Timed(stop.seconds, stop.why), Timed(stop.seconds, stop.why)
    return Timed(float(figures["parse"])), Timed(float(figures["evaluate"]))


def _for_each_child(names: int) -> dict[str, Any]:
    from iam_prune import heap
    from iam_prune.terraform.evaluate import NoNames
    from iam_prune.terraform.expansion import expand
    from iam_prune.terraform.parse import parse_file

    with heap.one_run():  # as a scan reads and evaluates
        started = time.perf_counter()
        block = parse_file("set.tf", for_each_text(names)).blocks[0]
        heap.keep()  # as the load does once it has parsed
        parsed = time.perf_counter()
        instances = expand(block, NoNames(), tuple(a.value for a in block.attributes))
        evaluated = time.perf_counter()
    if len(instances) != names:
        raise SystemExit(f"for_each made {len(instances)} instances of {names}")
    return {"parse": parsed - started, "evaluate": evaluated - parsed}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child" and sys.argv[2].startswith("for-each-"):
        print(json.dumps(_for_each_child(int(sys.argv[2].removeprefix("for-each-")))))
