"""The command line's grammar: every subcommand, option and default of ``iam-prune``.

Only the definition lives here; what a parsed command does is :mod:`iam_prune.cli`'s.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from iam_prune import __version__
from iam_prune.config import FailOn
from iam_prune.formats import junit
from iam_prune.publish import command as publish_command


def _rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--terraform-dir",
        dest="terraform_dirs",
        action="append",
        metavar="DIR",
        help="a Terraform root to search for aws_iam_user declarations (repeatable)",
    )
    parser.add_argument(
        "--var-file",
        dest="var_files",
        action="append",
        metavar="PATH",
        help="a .tfvars file applied to every root, after *.auto.tfvars (repeatable, in order)",
    )
    parser.add_argument(
        "--state",
        metavar="PATH|s3://BUCKET/KEY",
        help="a Terraform state (terraform.tfstate, `terraform show -json`) tying addresses to "
        "names where static evaluation cannot",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        default=None,
        help="parse every file again instead of reusing cached parses",
    )
    parser.add_argument("--config", metavar="PATH", help="config file (default: .iam-prune.toml)")
    parser.add_argument("--json", metavar="PATH", help="write the JSON report here")
    parser.add_argument("--junit", metavar="PATH", help="write JUnit XML here")
    parser.add_argument("--markdown", metavar="PATH", help="write the PR comment body here")
    parser.add_argument("--sarif", metavar="PATH", help="write SARIF 2.1.0 (code scanning) here")
    parser.add_argument(
        "--junit-max-bytes",
        type=_positive,
        default=junit.MAX_BYTES,
        metavar="N",
        help="largest JUnit file to write; failure outputs that do not fit are left out, the "
        "others stay whole (default 65,535, what dorny/test-reporter accepts)",
    )
    parser.add_argument(
        "--patch",
        metavar="PATH",
        help="write the combined patch of every removal here (for `git apply`)",
    )
    parser.add_argument(
        "--inactive-days",
        type=int,
        metavar="N",
        help="also flag users with no sign-in and no key use in the last N days",
    )
    parser.add_argument(
        "--grace-days",
        type=int,
        metavar="N",
        help="do not flag users created fewer than N days ago (default 7)",
    )
    parser.add_argument(
        "--fail-on",
        choices=[f.value for f in FailOn],
        help="which findings exit 1 (default: findings = both kinds)",
    )
    parser.add_argument(
        "--report-wait",
        type=float,
        metavar="SECONDS",
        help="longest wait for the credential report before reading users one by one (120)",
    )
    parser.add_argument("--profile", help="AWS profile (default: the standard chain)")
    parser.add_argument(
        "--role-arn",
        dest="role_arns",
        action="append",
        metavar="ARN",
        help="scan the account of this role, assumed from the base credentials (repeatable)",
    )
    parser.add_argument("--external-id", help="external id for --role-arn")
    parser.add_argument(
        "--role-session-name",
        help="session name for --role-arn or --role-name (default: iam-prune)",
    )
    _organization_options(parser)
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="print only the summary line (the files asked for are still written)",
    )
    parser.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour in the terminal report",
    )


def _organization_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--organization",
        action="store_true",
        default=None,
        help="scan every ACTIVE account of the AWS organisation (from its management account "
        "or a delegated administrator), assuming --role-name in each",
    )
    parser.add_argument("--role-name", metavar="NAME", help="the role to assume in each account")
    parser.add_argument(
        "--ou",
        dest="ous",
        action="append",
        metavar="ID",
        help="only the accounts under this OU or root, at any depth (repeatable)",
    )
    parser.add_argument(
        "--accounts",
        action="append",
        metavar="ID|GLOB",
        help="only these accounts: an id, or a glob over account names (repeatable)",
    )
    parser.add_argument(
        "--exclude-accounts",
        action="append",
        metavar="ID|GLOB",
        help="not these accounts: an id, or a glob over account names (repeatable)",
    )
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="scan the I-th of N disjoint parts of the accounts (a CI matrix of N jobs)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="accounts scanned at once (default 8)",
    )


def _merge_options(merge: argparse.ArgumentParser) -> None:
    merge.add_argument("reports", nargs="+", metavar="REPORT.json", help="JSON reports to merge")
    merge.add_argument("--json", metavar="PATH", help="write the merged JSON report here")
    merge.add_argument("--junit", metavar="PATH", help="write JUnit XML here")
    merge.add_argument("--markdown", metavar="PATH", help="write the PR comment body here")
    merge.add_argument("--sarif", metavar="PATH", help="write SARIF 2.1.0 here")
    merge.add_argument(
        "--fail-on",
        choices=[f.value for f in FailOn],
        default=FailOn.FINDINGS.value,
        help="which findings exit 1 (default: findings = both kinds)",
    )
    merge.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour in the terminal report",
    )


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of bytes above 0, got {value!r}")
    return number


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="iam-prune",
        description="Find unused AWS IAM users and the Terraform change that retires them.",
    )
    top.add_argument("--version", action="version", version=f"iam-prune {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scan = commands.add_parser("scan", help="audit the account and report (changes nothing)")
    _rule_options(scan)
    fix = commands.add_parser("fix", help="apply the suggested removals to the working tree")
    _rule_options(fix)
    fix.add_argument("--dry-run", action="store_true", help="print the combined diff instead")
    fix.add_argument(
        "--summary", type=Path, metavar="PATH", help="write a Markdown summary of the change here"
    )
    merge = commands.add_parser(
        "merge", help="one report from the JSON reports of several runs (matrix shards)"
    )
    _merge_options(merge)
    publish_command.add_parser(commands)
    demo = commands.add_parser("demo", help="run against an emulated example account")
    demo.add_argument(
        "--output-dir",
        default="iam-prune-demo",
        metavar="DIR",
        help="where the demo writes its reports (default: ./iam-prune-demo)",
    )
    return top
