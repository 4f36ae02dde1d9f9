"""``iam-prune merge``: one report from the reports of many runs (matrix shards, accounts).

The inputs must describe one check: the same rules (a user idle for 30 days is not a finding
under a 90-day rule, so mixing them would make one account look cleaner than another; a run
that failed before it read its settings has none to compare, and its error is merged), read by
the same iam-prune version, each account once (an account in two inputs means the split went
wrong, and picking either would hide the other). The merged report is complete only when every
input was. What every shard reports alike, because every shard reads the same Terraform (a
file that does not parse, a module that was not read), is kept once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from iam_prune.model import Report, ReportError

_T = TypeVar("_T")


class MergeError(Exception):
    """The inputs cannot form one report; the message names the inputs concerned."""


def combine(inputs: Sequence[tuple[str, Report]]) -> Report:
    """One report from ``(name, report)`` pairs; ``name`` (a path) is what errors cite and
    what ``sources`` lists."""
    if not inputs:
        raise MergeError("nothing to merge: give the JSON reports to merge")
    first_name, first = inputs[0]
    # A report without settings is a run that failed before it read them: its error is
    # merged, and there are no rules of its to compare.
    ruled = [(name, report) for name, report in inputs if report.settings is not None]
    for name, report in ruled[1:]:
        ruler_name, ruler = ruled[0]
        if report.settings != ruler.settings:
            raise MergeError(
                f"{name} was made with other settings than {ruler_name} "
                f"({_settings(report)} against {_settings(ruler)}): its findings do not "
                "follow the same rules"
            )
    seen: dict[str, str] = {}
    for name, report in inputs:
        if report.tool_version != first.tool_version:
            raise MergeError(
                f"{name} was made by iam-prune {report.tool_version} and {first_name} by "
                f"{first.tool_version}: run every part with the same version"
            )
        for account in report.accounts:
            if account.account_id in seen:
                raise MergeError(
                    f"account {account.account_id} is in both {seen[account.account_id]} and "
                    f"{name}: each account must be scanned by exactly one of the inputs"
                )
            seen[account.account_id] = name
    reports = [report for _, report in inputs]
    accounts = sorted(
        (account for report in reports for account in report.accounts),
        key=lambda account: account.account_id,
    )
    return replace(
        first,
        settings=ruled[0][1].settings if ruled else None,
        generated_at=max(report.generated_at for report in reports),
        accounts=tuple(accounts),
        errors=canonical_errors(e for report in reports for e in report.errors),
        notes=_unique(n for report in reports for n in report.notes),
        combined_patch="",
        sources=tuple(name for name, _ in inputs),
    )


def canonical_errors(errors: Iterable[ReportError]) -> tuple[ReportError, ...]:
    """Each error once: those of no account first (the Terraform, the configuration, in the
    order met), then each account's, by account id. A scan orders its errors the same way, so
    the merge of a run's shards equals that run."""
    unique = _unique(errors)
    shared = [e for e in unique if e.account_id is None]
    per_account = sorted((e for e in unique if e.account_id is not None), key=_account_of)
    return (*shared, *per_account)


def _account_of(error: ReportError) -> str:
    return error.account_id or ""


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


def _settings(report: Report) -> str:
    s = report.settings
    assert s is not None
    dirs = ", ".join(s.terraform_dirs) or "none"
    return f"inactive_days={s.inactive_days}, grace_days={s.grace_days}, terraform_dirs={dirs}"
