"""The command line: ``iam-prune scan | fix | merge | publish | demo``.

It reads the arguments, runs the command and turns every error into a message; how a run ends
(the report shown and written, the exit code) is :mod:`iam_prune.delivery`'s, shared by every
command that reports.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TextIO

from iam_prune import arguments, delivery, fixguard, merge_command, terminal
from iam_prune.config import (
    Settings,
    build,
    find_root,
    validate,
)
from iam_prune.configfile import ConfigError
from iam_prune.fixes import plan
from iam_prune.model import ErrorSource, ReportError
from iam_prune.pipeline import Outcome, run
from iam_prune.publish import actions, fix_summary, worktree
from iam_prune.publish import command as publish_command
from iam_prune.publish.files import write_text


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


def _output_paths(settings: Settings) -> dict[str, Path | None]:
    return {
        "json": settings.json_path,
        "junit": settings.junit_path,
        "markdown": settings.markdown_path,
        "sarif": settings.sarif_path,
    }


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
        delivery.show(outcome.report, stream, terminal.use_color(args.color, stream), args.quiet)
    paths = _output_paths(settings)
    paths["patch"] = None if args.patch is None else Path(args.patch)
    touched = delivery.touched_files(settings.fail_on, settings.root)
    written, report = delivery.write_reports(
        outcome.report,
        paths,
        settings.fail_on,
        junit_max_bytes=args.junit_max_bytes,
        touched=touched,
    )
    outcome = replace(outcome, report=report)
    for name, path in written.items() if not args.quiet else ():
        print(f"wrote {name}: {path}", file=sys.stderr)
    return delivery.exit_code(outcome.report, settings.fail_on, touched), outcome, settings


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
    return delivery.EXIT_ERROR if code == delivery.EXIT_ERROR else delivery.EXIT_CLEAN


def _refused(why: str, reasons: Sequence[str]) -> int:
    print(f"iam-prune: error: fix refused, nothing written: {why}", file=sys.stderr)
    for reason in reasons:
        print(f"  {reason}", file=sys.stderr)
    return delivery.EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    if args.command == "scan":
        return scan_and_report(args)[0]
    if args.command == "fix":
        return _fix(args)
    if args.command == "merge":
        return merge_command.run(args)
    if args.command == "publish":
        return publish_command.main(args)
    from iam_prune import demo

    return demo.main(Path(args.output_dir), main)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments.parser().parse_args(argv)
    if args.command == "publish":  # its annotations are commands: it stops the rest itself
        return _guarded(args)
    with actions.commands_off():
        return _guarded(args)


def _guarded(args: argparse.Namespace) -> int:
    """:func:`_run`, with every failure ending in a report that says so (exit 2)."""
    try:
        return _run(args)
    except ConfigError as error:
        return delivery.failed(args, _config_error(error))
    except KeyboardInterrupt:
        return delivery.failed(args, ReportError(ErrorSource.TERRAFORM, "interrupted"))
    except Exception as error:  # a bug must not exit 1, which would read as "findings"
        debug = bool(os.environ.get("IAM_PRUNE_DEBUG"))
        if debug:
            traceback.print_exc()
        hint = "" if debug else " (set IAM_PRUNE_DEBUG=1 for the traceback)"
        message = f"unexpected {type(error).__name__}: {error}{hint}"
        # The report's error sources are fixed by its schema; an internal failure is counted
        # against the code side, where a fix would be refused.
        return delivery.failed(args, ReportError(ErrorSource.TERRAFORM, message))


def _config_error(error: ConfigError) -> ReportError:
    """The error as the report holds it: the file (relative to the repository, as every path
    in a report is, when it lies inside) and line in their own fields."""
    if error.place is None:
        return ReportError(ErrorSource.CONFIG, error.message)
    path = error.place.file.resolve()
    with contextlib.suppress(ValueError):
        path = path.relative_to(find_root(Path.cwd()).resolve())
    return ReportError(
        ErrorSource.CONFIG, error.message, file=path.as_posix(), line=error.place.line
    )


def console() -> NoReturn:
    """The ``iam-prune`` console script: :func:`main`, then :func:`terminal.leave`."""
    terminal.leave(main())
