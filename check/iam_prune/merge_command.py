"""``iam-prune merge A.json B.json ...``: read the reports, combine them, write and show one.

The command's edges (reading the inputs, writing the outputs) around :func:`merge.combine`;
it answers like ``scan``: 2 when the merged report is incomplete or the inputs cannot be
merged, 1 for findings the fail policy counts, else 0.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from iam_prune import delivery, terminal
from iam_prune.config import FailOn, find_root
from iam_prune.merge import MergeError, combine
from iam_prune.model import ErrorSource, ReportError
from iam_prune.publish import actions
from iam_prune.reportfile import ReportFileError, load_report


def run(args: argparse.Namespace) -> int:
    try:
        report = combine([(name, load_report(name)) for name in args.reports])
    except (ReportFileError, MergeError) as error:
        # Like any run that fails once its arguments are read: the reports asked for say so.
        return delivery.failed(args, ReportError(ErrorSource.CONFIG, str(error)))
    # In CI, the merged report belongs to the run that merged (the one to link to).
    report = replace(report, run=actions.run_info() or report.run)
    fail_on = FailOn(args.fail_on)
    with terminal.unless_the_reader_left(sys.stdout):
        delivery.show(report, sys.stdout, terminal.use_color(args.color, sys.stdout))
    paths = {
        name: Path(value) if value else None
        for name, value in (
            ("json", args.json),
            ("junit", args.junit),
            ("markdown", args.markdown),
            ("sarif", args.sarif),
        )
    }
    touched = delivery.touched_files(fail_on, find_root(Path.cwd()))  # the shards' findings, one PR
    written, report = delivery.write_reports(report, paths, fail_on, touched=touched)
    for name, path in written.items():
        print(f"wrote {name}: {path}", file=sys.stderr)
    return delivery.exit_code(report, fail_on, touched)
