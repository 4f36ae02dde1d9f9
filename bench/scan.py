"""The whole ``iam-prune scan`` of big Terraform, as a user runs it: a table of one root of
250 to 4,000 files x 0 to 200 unused declared users, then the other inputs of
:mod:`bench.scaninputs`.

Each tree (:mod:`bench.scantree`) is one root, ``infra/``, of files of 6-12 ordinary
resources, the first 4% of them also holding 5 users with a policy attachment each; the
emulated account has every declared user, the chosen number of them never used: those are
the findings, planned as code changes. The 2,000 x 50 row is scanned once more with the parse
cache its cold scan filled (the warm row), and both again on a root of just its 80 files that
declare users (the same findings, the same account): what is left there is the floor a scan
of that account has here (process start, the AWS side against the emulator, the planning of
the same findings), which no handling of the other 1,920 files can go below; and under that,
the same account read alone, without Terraform (:func:`bench.scanrun.aws_side`). How a scan is
run and measured (cold cache, a fresh process, time from outside, the child's own peak memory,
planning per finding, phases) is in :mod:`bench.scanrun`. Every row has its baseline from the
same run: python-hcl2 parsing every file of the same tree, in a fresh process.

``IAM_PRUNE_BENCH_SCAN_SIZES`` (``files:unused,...``; ``none`` for no table) picks the rows.
The default shows growth in both directions without the whole 4 x 3 grid, which takes hours
on two cores; the 2,000-file rows with 20 and 200 unused users give the 10x-findings goal,
and the one with none is a clean nightly audit (nothing to plan).
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from bench import scaninputs
from bench.scanrun import (
    Scan,
    Timed,
    aws_side,
    header,
    note,
    parse_all,
    ratio_verdict,
    row,
    scan,
    verdict,
)
from bench.scantree import Tree, generate, unused_of

SIZES = os.environ.get(
    "IAM_PRUNE_BENCH_SCAN_SIZES", "250:5,1000:50,2000:0,2000:5,2000:20,2000:50,2000:200,4000:50"
)
#: Goals: the scan against python-hcl2's parse-all, linear growth in files and in findings,
#: planning per finding (median, max), peak memory.
SCAN_GOAL = 0.2
WARM_GOAL = 0.05
GROWTH_GOAL = 2.2
PLAN_MEDIAN_GOAL_S = 0.020
PLAN_MAX_GOAL_S = 0.200
FINDINGS_GOAL = 10.0
MEMORY_GOAL_MB = 400

Results = dict[tuple[int, int], tuple[Scan, Timed]]
#: The 2,000 x 50 row scanned again with the parse cache its cold scan filled.
WARM: dict[tuple[int, int], Scan] = {}
#: The same findings on a root of only the files that declare users: cold, warm.
FLOOR: dict[tuple[int, int], tuple[int, Scan, Scan]] = {}
#: The same account read alone, without Terraform (:func:`bench.scanrun.aws_side`).
AWS_SIDE: dict[tuple[int, int], Timed] = {}


def rows_asked(text: str) -> list[tuple[int, int]]:
    if text.strip().lower() in ("", "none"):
        return []
    return [(int(f), int(u)) for f, u in (size.split(":") for size in text.split(",") if size)]


# --------------------------------------------------------------------------- the table


def table(folder: Path, rows: list[tuple[int, int]]) -> Results:
    print("scan: whole `iam-prune scan` of one root (cold cache, moto, credential report)")
    print(header(f"{'files':>6} {'unused':>6}"))
    results: Results = {}
    trees: dict[int, tuple[Tree, Timed]] = {}
    for files, unused in rows:
        if files not in trees:
            note(f"generating {files:,} files, python-hcl2 parse-all")
            tree = generate(folder / f"t{files}", files)
            trees[files] = (tree, parse_all(tree))
        tree, baseline = trees[files]
        note(f"scanning {files:,} files with {unused} unused users")
        result = scan(tree, unused_of(tree.users, unused))
        results[(files, unused)] = (result, baseline)
        print(row(f"{files:>6} {unused:>6}", result, baseline), flush=True)
        if (files, unused) == (2000, 50):
            note("scanning the same tree again, the parse cache warm")
            warm = scan(tree, unused_of(tree.users, unused), warm=True)
            WARM[(files, unused)] = warm
            print(row(f"{files:>6} {'warm':>6}", warm, baseline), flush=True)
            FLOOR[(files, unused)] = _floor(folder, files, unused, baseline)
            note("reading the same account alone, without Terraform")
            AWS_SIDE[(files, unused)] = aws_side(tree, unused_of(tree.users, unused))
    print(
        "  scan: wall time from outside, process start included; ratio: scan / parse-all; "
        "tf load, aws: the Terraform load and the AWS side, from the progress lines;\n  "
        "scan MB: the scan's process (VmHWM); worker MB: its largest parsing worker "
        "(ru_maxrss, an upper bound);\n  evaluate: the original configuration, once for all "
        "findings; plan: per finding; combined: the combined patch"
    )
    return results


def _floor(folder: Path, files: int, unused: int, baseline: Timed) -> tuple[int, Scan, Scan]:
    """The users' files alone, cold and warm, shown against the whole tree's baseline."""
    note(f"scanning only the user files of the {files:,}-file tree, cold and warm")
    tree = generate(folder / f"t{files}-users", files, users_only=True)
    cold = scan(tree, unused_of(tree.users, unused))
    warm = scan(tree, unused_of(tree.users, unused), warm=True)
    for label, result in (("users", cold), ("u-warm", warm)):
        print(row(f"{tree.files:>6} {label:>6}", result, baseline), flush=True)
    return tree.files, cold, warm


# --------------------------------------------------------------------------- the goals


def goals(results: Results) -> None:
    if (2000, 50) in results:
        result, baseline = results[(2000, 50)]
        print(
            f"  goal 2,000 files x 50 unused <= {SCAN_GOAL}x parse-all: "
            f"{result.time.text()} / {baseline.text()} = {result.time.ratio(baseline)}, "
            f"{ratio_verdict(result.time, baseline, SCAN_GOAL)}"
        )
    if (2000, 50) in WARM:
        warm, baseline = WARM[(2000, 50)], results[(2000, 50)][1]
        print(
            f"  goal the same, warm cache <= {WARM_GOAL}x parse-all: "
            f"{warm.time.text()} / {baseline.text()} = {warm.time.ratio(baseline)}, "
            f"{ratio_verdict(warm.time, baseline, WARM_GOAL)}"
        )
    if (2000, 50) in FLOOR:
        _floor_lines(2000, results[(2000, 50)], WARM.get((2000, 50)), FLOOR[(2000, 50)])
    if (2000, 50) in AWS_SIDE:
        alone, baseline = AWS_SIDE[(2000, 50)], results[(2000, 50)][1]
        print(
            f"  the account alone, without Terraform (a fresh process: start, clients, the "
            f"credential report, the detail calls): {alone.text()} = {alone.ratio(baseline)} "
            "parse-all; no scan of it goes below that here"
        )
    for (files, unused), (result, _) in sorted(results.items()):
        if files != 4000 or (2000, unused) not in results:
            continue
        smaller = results[(2000, unused)][0].time
        print(
            f"  goal 4,000 files <= {GROWTH_GOAL}x 2,000 files ({unused} unused): "
            f"{result.time.text()} / {smaller.text()} = {result.time.ratio(smaller)}, "
            f"{ratio_verdict(result.time, smaller, GROWTH_GOAL)}"
        )
    _planning_goals(results)
    big = [(key, result) for key, (result, _) in results.items() if key[0] == 4000]
    if big:
        peak = max(result.peak_mb for _, result in big)
        complete = not any(result.time.stopped for _, result in big)
        shown = f"{'' if complete else 'at least '}{peak:.0f} MB" if peak else "not measured"
        print(
            f"  goal peak RSS < {MEMORY_GOAL_MB} MB on 4,000 files (the larger of scan and "
            f"worker): {shown}, {verdict(peak < MEMORY_GOAL_MB, complete)}"
        )


def _floor_lines(
    files: int, whole: tuple[Scan, Timed], warm: Scan | None, floor: tuple[int, Scan, Scan]
) -> None:
    """What the files without users add to the scan, and the floor under both goals."""
    (cold, baseline), (user_files, floor_cold, floor_warm) = whole, floor
    pairs = [("cold", cold, floor_cold)] + ([("warm", warm, floor_warm)] if warm else [])
    for label, measured, alone in pairs:
        if measured.time.stopped or alone.time.stopped:
            continue
        added = measured.time.seconds - alone.time.seconds
        print(
            f"  {label}: the {user_files} user files alone {alone.time.text()} = "
            f"{alone.time.ratio(baseline)} parse-all (the floor: start, AWS side, planning); "
            f"the other {files - user_files:,} files add {added:.2f}s = "
            f"{added / baseline.seconds:.2f}x"
        )


def _planning_goals(results: Results) -> None:
    on_2000 = [result for (files, _), (result, _) in results.items() if files == 2000]
    plans = sorted(p for result in on_2000 for p in result.planning)
    if plans:
        median, worst = statistics.median(plans), plans[-1]
        complete = not any(result.time.stopped for result in on_2000)
        ok = median <= PLAN_MEDIAN_GOAL_S and worst <= PLAN_MAX_GOAL_S
        print(
            f"  goal planning on 2,000 files <= {PLAN_MEDIAN_GOAL_S * 1000:.0f} ms median / "
            f"{PLAN_MAX_GOAL_S * 1000:.0f} ms max per finding: {median * 1000:.0f} / "
            f"{worst * 1000:.0f} ms over {len(plans)} findings, {verdict(ok, complete)}"
        )
    if (2000, 20) in results and (2000, 200) in results:
        few, many = results[(2000, 20)][0], results[(2000, 200)][0]
        if few.time.stopped or not few.planning:
            print("  goal 200 findings <= 10x 20 findings: unknown (the 20-finding run stopped)")
            return
        ratio = many.planning_total() / few.planning_total()
        print(
            f"  goal 200 findings <= {FINDINGS_GOAL:.0f}x the planning of 20 (evaluation, "
            "findings, combined patch): "
            f"{many.planning_total():.2f}s ({len(many.planning)} planned) / "
            f"{few.planning_total():.2f}s = {ratio:.1f}x, "
            f"{verdict(ratio <= FINDINGS_GOAL, not many.time.stopped)}"
        )


def main() -> None:
    from iam_prune import demo

    rows = rows_asked(SIZES)
    with (
        tempfile.TemporaryDirectory(prefix="iam-prune-bench-scan-") as folder,
        demo.moto_server() as url,
        demo.aws_environment(url),
    ):
        results = table(Path(folder), rows) if rows else {}
        if results:
            goals(results)
        single = results.get((2000, 50), (None, None))[0]
        scaninputs.run(Path(folder), single)


if __name__ == "__main__":
    main()
