"""What a finished run owes its reader: the report on the terminal, in every file asked for
and in Actions' outputs, and the exit code.

``scan``, ``fix`` and ``merge`` end the same way, and so does a run that failed once its
arguments were read: 0 clean, 1 findings (as the fail policy counts them), 2 the check could not
run or ran incomplete. A partial view is never a clean pass, whatever the policy.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TextIO

from iam_prune import __version__, terminal
from iam_prune.config import FailOn, requested_outputs
from iam_prune.formats import json as json_format
from iam_prune.formats import junit, markdown, sarif, text
from iam_prune.model import ErrorSource, Report, ReportError
from iam_prune.publish import actions, github_touched
from iam_prune.publish.files import write_text

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def exit_code(report: Report, fail_on: FailOn, touched: frozenset[str] | None = None) -> int:
    """2 when incomplete, else 1 when a finding the policy counts is present, else 0.

    ``touched`` (the files a pull request changes) narrows ``FailOn.TOUCHED`` to findings
    declared or patched in them; when it is unknown, every finding counts."""
    if not report.complete:
        return EXIT_ERROR
    if fail_on is FailOn.TOUCHED and touched is not None:
        touching = (f for f in report.failures if github_touched.is_touched(f, touched))
        return EXIT_FINDINGS if any(touching) else EXIT_CLEAN
    return EXIT_FINDINGS if any(fail_on.counts(f.status) for f in report.findings) else EXIT_CLEAN


def touched_files(fail_on: FailOn, root: Path) -> frozenset[str] | None:
    """The pull request's files for ``--fail-on touched``; unknown outside a pull request."""
    if fail_on is not FailOn.TOUCHED:
        return None
    files = github_touched.pull_request_files(root)
    if files is None:
        print(
            "iam-prune: warning: --fail-on touched: the pull request's files are unknown here;"
            " every finding counts",
            file=sys.stderr,
        )
    return files


def write_reports(
    report: Report,
    paths: dict[str, Path | None],
    fail_on: FailOn,
    *,
    junit_max_bytes: int = junit.MAX_BYTES,
    touched: frozenset[str] | None = None,
) -> tuple[dict[str, str], Report]:
    """Write every requested file (``paths`` by format); return the paths written, by format,
    and the report as written.

    A file that cannot be written is an error of the run, added to the report, and the files
    that could be written are written again with it: every one of them keeps the results and
    says the run is incomplete, none is replaced by an empty report."""
    written, failed = _write_files(report, paths, junit_max_bytes)
    if failed:
        report = replace(report, errors=(*report.errors, *failed))
        for error in failed:
            print(f"iam-prune: error: {error.message}", file=sys.stderr)
        written, _ = _write_files(report, {k: Path(v) for k, v in written.items()}, junit_max_bytes)
    if actions.in_actions():
        summary = markdown.render(report, max_size=actions.summary_room())
        if not actions.append_summary(summary):
            print(
                "iam-prune: warning: the job summary has no room left for the report "
                f"(GitHub keeps {actions.SUMMARY_LIMIT:,} bytes per step); the report files "
                "have it",
                file=sys.stderr,
            )
        outputs = {f"{name}-path": path for name, path in written.items()}
        could_not_run = not report.accounts and not report.complete
        outputs["findings"] = "" if could_not_run else str(len(report.failures))
        outputs["complete"] = "true" if report.complete else "false"
        outputs["exit-code"] = str(exit_code(report, fail_on, touched))
        actions.write_outputs(outputs)
    return written, report


def _write_files(
    report: Report, paths: dict[str, Path | None], junit_max_bytes: int
) -> tuple[dict[str, str], list[ReportError]]:
    written: dict[str, str] = {}
    failed: list[ReportError] = []
    for name, render in (
        ("json", json_format.render),
        ("junit", partial(junit.render, max_bytes=junit_max_bytes)),
        ("markdown", markdown.render),
        ("sarif", sarif.render),
        ("patch", lambda r: r.combined_patch),  # exact, as `fix` would write it
    ):
        path = paths.get(name)
        if path is None:
            continue
        try:
            written[name] = str(write_text(path, render(report)))
        except OSError as error:
            reason = error.strerror or str(error)
            message = f"could not write the {name} report to {path}: {reason}"
            failed.append(ReportError(ErrorSource.CONFIG, message))
    return written, failed


def show(report: Report, stream: TextIO, color: bool, quiet: bool = False) -> None:
    if quiet:
        stream.write(text.summary(report) + "\n")
        return
    if not report.accounts and report.errors:
        for error in report.errors:
            _print_error(error)
        return
    stream.write(text.render(report, color=color, width=terminal.width(stream)))


def failed(args: argparse.Namespace, error: ReportError) -> int:
    """The one way out after the arguments are parsed and something went wrong: the error on
    stderr and, when reports were asked for, a report that says ``complete: false`` with it."""
    _print_error(error)
    if args.command not in ("scan", "fix", "merge"):
        return EXIT_ERROR
    report = Report(
        tool_version=__version__,
        generated_at=datetime.now(UTC),
        settings=None,  # the run failed before its settings were known
        accounts=(),
        errors=(error,),
        run=actions.run_info(),
    )
    try:
        flags = {key: getattr(args, key, None) for key in ("json", "junit", "markdown", "sarif")}
        paths = (
            {key: Path(value) if value else None for key, value in flags.items()}
            if args.command == "merge"  # which reads no configuration file
            else requested_outputs({**flags, "config": args.config}, Path.cwd())
        )
        limit = getattr(args, "junit_max_bytes", junit.MAX_BYTES)
        written, _ = write_reports(report, paths, FailOn.FINDINGS, junit_max_bytes=limit)
        for name, path in written.items():
            print(f"wrote {name}: {path}", file=sys.stderr)
    except Exception as problem:  # the error above is the one to see; this one is secondary
        print(f"iam-prune: error: could not write the report: {problem}", file=sys.stderr)
    return EXIT_ERROR


def _print_error(error: ReportError) -> None:
    where = error.where()
    print(f"iam-prune: error: {where + ': ' if where else ''}{error.message}", file=sys.stderr)
