"""The accounts one run scans, from the settings: the organisation's, the roles given, or the
ambient credentials' one account; filtered, then cut to this run's shard.

What goes wrong here becomes report errors, not exceptions: a denied ``ListAccounts`` leaves
a report that says so (exit 2), and an ``--accounts`` pattern that names no account is an
error beside the accounts that were scanned, never a silent no-op.
"""

from __future__ import annotations

from collections.abc import Callable

import botocore.exceptions

from iam_prune.accounts import as_named, selected, unmatched
from iam_prune.aws import AwsError
from iam_prune.aws.organizations import discover
from iam_prune.aws.session import AccountTarget, GuardedSession
from iam_prune.config import OrganizationSettings, Settings
from iam_prune.model import ErrorSource, ReportError

Opener = Callable[[AccountTarget, str | None], GuardedSession]


def resolve(
    settings: Settings, opener: Opener, describe: Callable[[Exception], str] = str
) -> tuple[tuple[AccountTarget, ...], list[ReportError]]:
    """The targets of this run, sorted by account id, and the errors met finding them.

    ``describe`` turns a botocore failure (no credentials, no endpoint) into a sentence."""
    errors: list[ReportError] = []
    if settings.organization is not None:
        try:
            found, unknown = _organization(
                settings.organization, opener(AccountTarget(), settings.profile)
            )
            errors += [
                ReportError(ErrorSource.AWS, str(e), account_id=e.account_id) for e in unknown
            ]
        except AwsError as error:
            return (), [ReportError(ErrorSource.AWS, str(error), account_id=error.account_id)]
        except botocore.exceptions.BotoCoreError as error:
            return (), [ReportError(ErrorSource.AWS, describe(error))]
    elif any(target.role_arn for target in settings.targets):
        found = tuple(sorted(settings.targets, key=lambda t: t.account_hint or ""))
    else:
        return settings.targets, errors

    named = [(target.account_hint or "", target.name) for target in found]
    read = as_named([*settings.accounts, *settings.exclude_accounts], [n for _, n in named])
    include = tuple(read[p] for p in settings.accounts)
    exclude = tuple(read[p] for p in settings.exclude_accounts)
    for flag, patterns in (
        ("--accounts", settings.accounts),
        ("--exclude-accounts", settings.exclude_accounts),
    ):
        for pattern in [p for p in patterns if unmatched([read[p]], named)]:
            errors.append(
                ReportError(
                    ErrorSource.CONFIG,
                    f"{flag} {pattern!r} names no account to scan (an account id, or a glob "
                    "over account names)",
                )
            )
    kept = tuple(
        target
        for target in found
        if selected(target.account_hint or "", target.name, include, exclude)
        and (settings.shard is None or settings.shard.keeps(target.account_hint or ""))
    )
    return kept, errors


def _organization(
    organization: OrganizationSettings, base: GuardedSession
) -> tuple[tuple[AccountTarget, ...], tuple[AwsError, ...]]:
    found = discover(base, organization.ous)
    return tuple(
        AccountTarget(
            role_arn=f"arn:{found.partition}:iam::{account.account_id}:role/"
            f"{organization.role_name.strip('/')}",
            external_id=organization.external_id,
            session_name=organization.session_name,
            name=account.name,
            ou_path=account.ou_path,
        )
        for account in found.accounts
    ), found.problems
