"""Terraform scan cost on a generated monorepo: 2,000 files, ~6 MB, ~5% of them declare users.

Parsing every file with python-hcl2 in one process is the baseline, measured in the same run
on the same files; ``load()`` is then measured cold (cache off, and filling an empty cache)
and warm (the cache filled). Each figure comes from a fresh Python process, so one run's
memory does not count against the next and the peak resident set (``VmHWM`` of the process,
and ``ru_maxrss`` of its worker processes) is that run's own.
Imports happen before the clock starts: they are the same few hundred ms for every run.

Goals (issue: Terraform model): cold <= 0.2x and warm <= 0.05x the baseline, peak < 300 MB.
``IAM_PRUNE_BENCH_TF_FILES`` shrinks the tree for a quick run (the default is 2,000 files).
``python -m bench.terraform --threshold`` measures where a worker pool starts to pay off
(``cache.PARALLEL_MIN_BYTES``).
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import children
from bench.monorepo import SEED, generate

FILES = int(os.environ.get("IAM_PRUNE_BENCH_TF_FILES", "2000"))
COLD_GOAL = 0.2
WARM_GOAL = 0.05
MEMORY_GOAL_MB = 300

# --------------------------------------------------------------------------- one measurement


def child(mode: str, root: Path) -> dict[str, Any]:
    """Run one measurement in this (fresh) process and report time and peak memory."""
    import hcl2

    import iam_prune.terraform as terraform
    from iam_prune.terraform import cache

    supports_cache = "use_cache" in inspect.signature(terraform.load).parameters
    paths = sorted(root.rglob("*.tf"))
    started = time.perf_counter()
    detail: dict[str, Any] = {}
    if mode == "baseline":
        failures = 0
        for path in paths:
            try:
                hcl2.parses(path.read_text(encoding="utf-8"))
            except Exception:
                failures += 1
        detail = {"files": len(paths), "failures": failures}
    elif mode in ("load-nocache", "load-cache"):
        kwargs: dict[str, Any] = {}
        if supports_cache:
            kwargs["use_cache"] = mode == "load-cache"
        model = terraform.load([root], root, **kwargs)
        detail = {
            "declarations": len(model.declarations),
            "parsed": model.files_parsed,
            "errors": len(model.errors),
            "supports_cache": supports_cache,
        }
    elif mode == "pipeline":
        # What load() costs once it hands its files to cache.parse_all: read, prefilter, parse.
        from iam_prune.terraform import scan

        prefilter: Callable[[str], bool] = getattr(
            scan, "may_declare_user", lambda text: "aws_iam_user" in text
        )
        texts = [(path.relative_to(root).as_posix(), path.read_text("utf-8")) for path in paths]
        items = [item for item in texts if prefilter(item[1])]
        stats = cache.ParseStats()
        results = cache.parse_all(items, stats=stats)
        errors = sum(1 for r in results if isinstance(r, Exception))
        detail = {
            "parsed": stats.parsed,
            "hits": stats.cache_hits,
            "processes": stats.processes,
            "errors": errors,
            "candidates": len(items),
        }
    else:
        raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "self_mb": children.own_peak_mb(),
        "children_mb": children.workers_peak_mb(),
        **detail,
    }


def run_child(mode: str, root: Path, cache_dir: Path) -> dict[str, Any]:
    env = {"IAM_PRUNE_CACHE_DIR": str(cache_dir)}
    return children.run_child("bench.terraform", mode, root, env)


# --------------------------------------------------------------------------- report


def main() -> None:
    from iam_prune.terraform.cache import DEFAULT_MAX_WORKERS

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = min(cpus, DEFAULT_MAX_WORKERS)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="iam-prune-bench-") as temporary:
        base = Path(temporary)
        root = base / "repo"
        tree = generate(root, FILES)
        print(
            f"terraform: {tree.files} files, {tree.size / 1e6:.2f} MB, {tree.user_files} "
            f"declare {tree.users} users (seed {SEED}); {cpus} CPUs; each run a fresh process"
        )
        baseline = run_child("baseline", root, base / "unused")
        if baseline["failures"]:
            raise SystemExit(f"the generated tree has {baseline['failures']} unparsable files")
        rows: list[tuple[str, dict[str, Any], float | None]] = [
            ("parse everything (python-hcl2)", baseline, None)
        ]
        nocache = run_child("load-nocache", root, base / "unused")
        if nocache["supports_cache"]:
            rows.append(("load(use_cache=False)", nocache, COLD_GOAL))
            cold = run_child("load-cache", root, base / "load-cache")
            written = len(list((base / "load-cache").rglob("*.pickle")))
            rows.append(("load() cold, fills cache", cold, COLD_GOAL))
            rows.append(
                ("load() warm", run_child("load-cache", root, base / "load-cache"), WARM_GOAL)
            )
            if not written:
                notes.append(
                    "load() wrote nothing to the cache: it does not call cache.parse_all yet, "
                    "so its warm run is another cold one"
                )
        else:
            rows.append(("load() (no use_cache yet)", nocache, COLD_GOAL))
            notes.append("load() does not take use_cache yet, so it has no warm run")
        pipeline_cache = base / "pipeline-cache"
        rows.append(
            ("prefilter+parse_all cold", run_child("pipeline", root, pipeline_cache), COLD_GOAL)
        )
        rows.append(
            ("prefilter+parse_all warm", run_child("pipeline", root, pipeline_cache), WARM_GOAL)
        )

    print(
        f"{'run':<32}{'seconds':>9}{'x base':>9}{'goal':>8}{'':>8}{'peak MB':>9}{'worker MB':>11}"
    )
    for label, figures, goal in rows:
        ratio = figures["seconds"] / baseline["seconds"]
        verdict = "" if goal is None else ("met" if ratio <= goal else "MISSED")
        goal_text = "" if goal is None else f"<={goal:.2f}"
        print(
            f"{label:<32}{figures['seconds']:>9.2f}{ratio:>9.3f}{goal_text:>8}{verdict:>8}"
            f"{figures['self_mb']:>9.0f}{figures['children_mb']:>11.0f}"
        )
    for label, figures, _goal in rows[1:]:
        facts = ", ".join(
            f"{key} {value}"
            for key, value in figures.items()
            if key not in ("seconds", "self_mb", "children_mb", "supports_cache")
        )
        print(f"  {label}: {facts}")
    # A pool has at most `workers` processes; each is counted at the largest worker's peak.
    worst = max(figures["self_mb"] + workers * figures["children_mb"] for _, figures, _ in rows[1:])
    verdict = "met" if worst < MEMORY_GOAL_MB else "MISSED"
    print(
        "peak MB: the run's process (VmHWM, its own address space); worker MB: the largest "
        "worker's ru_maxrss (RUSAGE_CHILDREN; an upper bound: Linux counts the parent's size "
        f"at fork). Worst run, process + {workers} workers at that peak: "
        f"{worst:.0f} MB (goal < {MEMORY_GOAL_MB} MB: {verdict})"
    )
    for note in notes:
        print(f"note: {note}; the prefilter+parse_all rows show what it costs once it does")


# --------------------------------------------------------------------------- pool threshold


def threshold() -> None:
    """Serial against a worker pool on growing batches of generated files (no cache)."""
    from iam_prune.terraform import cache

    with tempfile.TemporaryDirectory(prefix="iam-prune-threshold-") as temporary:
        root = Path(temporary)
        generate(root, 400)
        texts = [
            (p.relative_to(root).as_posix(), p.read_text("utf-8"))
            for p in sorted(root.rglob("*.tf"))
        ]
    cache.parse_all(texts[:2], use_cache=False, workers=1)  # python-hcl2's grammar, once
    print(f"{'KB':>6}{'files':>7}{'serial s':>10}{'pool s':>9}")
    for target_kb in (64, 96, 128, 160, 192, 256, 512, 1024):
        batch: list[tuple[str, str]] = []
        for item in texts:
            if sum(len(t) for _, t in batch) >= target_kb * 1000:
                break
            batch.append(item)
        started = time.perf_counter()
        cache.parse_all(batch, use_cache=False, workers=1)
        serial = time.perf_counter() - started
        saved = cache.PARALLEL_MIN_BYTES
        cache.PARALLEL_MIN_BYTES = 0
        try:
            started = time.perf_counter()
            cache.parse_all(batch, use_cache=False, workers=2)
            pooled = time.perf_counter() - started
        finally:
            cache.PARALLEL_MIN_BYTES = saved
        print(f"{target_kb:>6}{len(batch):>7}{serial:>10.2f}{pooled:>9.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]))))
    elif sys.argv[1:2] == ["--threshold"]:
        threshold()
    else:
        main()
