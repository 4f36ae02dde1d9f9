"""The command line: ``iam-prune scan | fix | publish | demo``.

This is the one place that turns errors into messages and exit codes: 0 clean, 1 findings
(as the fail policy counts them), 2 the check could not run or ran incomplete. A partial view is
never a clean pass, whatever the policy.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import NoReturn, TextIO

from iam_prune import __version__, arguments, fixguard, terminal
from iam_prune.config import (
    ConfigError,
    FailOn,
    Settings,
    build,
    find_root,
    requested_outputs,
    validate,
)
from iam_prune.fixes import plan
from iam_prune.formats import json as json_format
from iam_prune.formats import junit, markdown, sarif, text
from iam_prune.model import ErrorSource, Report, ReportError, RunSettings, Status
from iam_prune.pipeline import Outcome, run
from iam_prune.publish import actions, fix_summary, github_touched, worktree
from iam_prune.publish import command as publish_command
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
    counted = {
        FailOn.FINDINGS: {Status.REMOVE_FROM_CODE, Status.DELETE_UNMANAGED},
        FailOn.TOUCHED: {Status.REMOVE_FROM_CODE, Status.DELETE_UNMANAGED},
        FailOn.MANAGED: {Status.REMOVE_FROM_CODE},
        FailOn.UNMANAGED: {Status.DELETE_UNMANAGED},
        FailOn.NEVER: set(),
    }[fail_on]
    return EXIT_FINDINGS if any(f.status in counted for f in report.findings) else EXIT_CLEAN


def _settings(args: argparse.Namespace) -> Settings:
    flags = {
        key: getattr(args, key)
        for key in (
            "terraform_dirs",
            "var_files",
            "state",
            "no_cache",
            "config",
            "json",
            "junit",
            "markdown",
            "inactive_days",
            "grace_days",
            "fail_on",
            "report_wait",
            "profile",
            "role_arns",
            "external_id",
            "role_session_name",
            "sarif",
            "organization",
            "role_name",
            "ous",
            "accounts",
            "exclude_accounts",
            "shard",
            "concurrency",
        )
    }
    return validate(build(flags, Path.cwd()))


def _touched(fail_on: FailOn, root: Path) -> frozenset[str] | None:
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


def _publish(
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
        actions.append_summary(markdown.render(report, max_size=actions.SUMMARY_BUDGET))
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


def _output_paths(settings: Settings) -> dict[str, Path | None]:
    return {
        "json": settings.json_path,
        "junit": settings.junit_path,
        "markdown": settings.markdown_path,
        "sarif": settings.sarif_path,
    }


def _show(report: Report, stream: TextIO, color: bool, quiet: bool = False) -> None:
    if quiet:
        stream.write(text.summary(report) + "\n")
        return
    if not report.accounts and report.errors:
        for error in report.errors:
            where = error.where()
            print(
                f"iam-prune: error: {where + ': ' if where else ''}{error.message}", file=sys.stderr
            )
        return
    stream.write(text.render(report, color=color, width=terminal.width(stream)))


def scan_and_report(
    args: argparse.Namespace, stream: TextIO | None = None
) -> tuple[int, Outcome, Settings]:
    """Scan, show the report on ``stream`` (stdout), write the requested files."""
    stream = stream or sys.stdout
    settings = _settings(args)
    progress = terminal.silent if args.quiet else terminal.progress
    outcome = run(settings, now=datetime.now(UTC), progress=progress, run_info=actions.run_info())
    interrupted = worktree.interrupted(settings.root)
    if interrupted is not None:
        error = ReportError(ErrorSource.TERRAFORM, interrupted, file=worktree.JOURNAL)
        report = replace(outcome.report, errors=(*outcome.report.errors, error))
        outcome = replace(outcome, report=report)
    with terminal.unless_the_reader_left(stream):
        _show(outcome.report, stream, terminal.use_color(args.color, stream), args.quiet)
    paths = _output_paths(settings)
    paths["patch"] = None if args.patch is None else Path(args.patch)
    touched = _touched(settings.fail_on, settings.root)
    written, report = _publish(
        outcome.report,
        paths,
        settings.fail_on,
        junit_max_bytes=args.junit_max_bytes,
        touched=touched,
    )
    outcome = replace(outcome, report=report)
    for name, path in written.items() if not args.quiet else ():
        print(f"wrote {name}: {path}", file=sys.stderr)
    return exit_code(outcome.report, settings.fail_on, touched), outcome, settings


def _fix(args: argparse.Namespace) -> int:
    """Apply every removal to the working tree, all files or none, and only on a complete view
    of the folders it edits; with ``--dry-run`` print their combined patch on stdout (the
    report goes to stderr), so ``iam-prune fix --dry-run | git apply`` works."""
    if not args.dry_run:  # a dry run writes nothing, and reports the interrupted fix instead
        for path in worktree.recover(find_root(Path.cwd())):
            print(f"iam-prune: restored {path}: an earlier fix was interrupted", file=sys.stderr)
    code, outcome, settings = scan_and_report(args, sys.stderr if args.dry_run else None)
    if args.dry_run:
        with terminal.unless_the_reader_left(sys.stdout):
            sys.stdout.write(outcome.report.combined_patch)
        return code
    edited = plan.edited_files(outcome.report, outcome.model)
    refusals = fixguard.blockers(outcome.report, outcome.model, edited)
    if refusals:
        return _refused("the view of the code it would change is incomplete", refusals)
    changes = [
        worktree.FileChange(relative, outcome.model.text_of(relative) or "", content)
        for relative, content in sorted(edited.items())
    ]
    try:
        worktree.write_all(settings.root, changes)
    except worktree.WriteRefusedError as error:
        return _refused("a file cannot be replaced safely", str(error).splitlines())
    for change in changes:
        print(f"fixed {change.relative}")
    if not edited:
        print("nothing to change in the code")
    if args.summary is not None:
        write_text(args.summary, fix_summary.render(outcome.report, sorted(edited)))
    return EXIT_ERROR if code == EXIT_ERROR else EXIT_CLEAN


def _refused(why: str, reasons: Sequence[str]) -> int:
    print(f"iam-prune: error: fix refused, nothing written: {why}", file=sys.stderr)
    for reason in reasons:
        print(f"  {reason}", file=sys.stderr)
    return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    if args.command == "scan":
        return scan_and_report(args)[0]
    if args.command == "fix":
        return _fix(args)
    if args.command == "merge":
        from iam_prune import merge_command

        return merge_command.run(args)
    if args.command == "publish":
        return publish_command.main(args)
    from iam_prune import demo

    return demo.main(Path(args.output_dir))


def _failed(args: argparse.Namespace, error: ReportError) -> int:
    """The one way out after the arguments are parsed and something went wrong: the error on
    stderr and, when reports were asked for, a report that says ``complete: false`` with it."""
    where = error.where()
    print(f"iam-prune: error: {where + ': ' if where else ''}{error.message}", file=sys.stderr)
    if args.command not in ("scan", "fix", "merge"):
        return EXIT_ERROR
    report = Report(
        tool_version=__version__,
        generated_at=datetime.now(UTC),
        settings=RunSettings(),
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
        written, _ = _publish(report, paths, FailOn.FINDINGS, junit_max_bytes=limit)
        for name, path in written.items():
            print(f"wrote {name}: {path}", file=sys.stderr)
    except Exception as problem:  # the error above is the one to see; this one is secondary
        print(f"iam-prune: error: could not write the report: {problem}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments.parser().parse_args(argv)
    try:
        return _run(args)
    except ConfigError as error:
        return _failed(args, ReportError(ErrorSource.CONFIG, str(error)))
    except KeyboardInterrupt:
        return _failed(args, ReportError(ErrorSource.TERRAFORM, "interrupted"))
    except Exception as error:  # a bug must not exit 1, which would read as "findings"
        debug = bool(os.environ.get("IAM_PRUNE_DEBUG"))
        if debug:
            traceback.print_exc()
        hint = "" if debug else " (set IAM_PRUNE_DEBUG=1 for the traceback)"
        message = f"unexpected {type(error).__name__}: {error}{hint}"
        # The report's error sources are fixed by its schema; an internal failure is counted
        # against the code side, where a fix would be refused.
        return _failed(args, ReportError(ErrorSource.TERRAFORM, message))


def console() -> NoReturn:
    """The ``iam-prune`` console script: :func:`main`, then :func:`terminal.leave`."""
    terminal.leave(main())
