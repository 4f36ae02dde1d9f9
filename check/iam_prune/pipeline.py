"""One run, left edge to right: Terraform and the live account in, a :class:`Report` out.

The only I/O here is the two input edges (``terraform.load`` reads files, ``aws.inventory``
calls AWS); everything after them is pure. Failures at an edge become report errors, not
exceptions, so that whatever is still sound is reported and the run is marked incomplete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import botocore.exceptions

from iam_prune import __version__, exemptions, heap, redaction, targets
from iam_prune.aws import NONSENSE, AwsError
from iam_prune.aws.account import account_alias
from iam_prune.aws.inventory import collect
from iam_prune.aws.report import Poller
from iam_prune.aws.session import AccountTarget, GuardedSession, open_target
from iam_prune.codeside import Ahead, Context, Demand, read_code, ready
from iam_prune.config import Settings
from iam_prune.fixes import plan
from iam_prune.merge import canonical_errors
from iam_prune.model import (
    AccountResult,
    Declaration,
    ErrorSource,
    Inventory,
    LiveUser,
    Note,
    Report,
    ReportError,
    RunInfo,
    RunSettings,
    Status,
    TerraformModel,
)
from iam_prune.reconcile import reconcile
from iam_prune.remediation import record_planning, remediate
from iam_prune.rules import RuleSettings, may_be_flagged
from iam_prune.terraform import TerraformError
from iam_prune.terraform.state import StateError, StateIndex, load_state


@dataclass(frozen=True)
class Outcome:
    report: Report
    model: TerraformModel


def _aws_message(error: Exception) -> str:
    """One line a person can act on, for the failures that are not an API answer."""
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return (
            "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or use aws-actions/configure-aws-credentials in the workflow"
        )
    if isinstance(error, botocore.exceptions.ProfileNotFound):
        return f"{error}: check AWS_PROFILE / --profile against ~/.aws/config"
    if isinstance(error, botocore.exceptions.HTTPClientError | botocore.exceptions.ConnectionError):
        return (
            f"could not reach AWS ({error}); check the network, AWS_REGION and, if set, "
            "AWS_ENDPOINT_URL"
        )
    return str(error)


def _inventory(gs: GuardedSession, context: Context, settings: Settings, ahead: Ahead) -> Inventory:
    def candidate(user: LiveUser) -> bool:
        return may_be_flagged(user, context.rules, context.now)

    def for_deletion(user: LiveUser) -> bool:
        declared = context.index.may_declare(user.name)
        if declared:
            context.demand.want()  # its removal may need planning: prepare for it now
        return not declared

    try:
        return collect(
            gs,
            candidate=candidate,
            for_deletion=for_deletion,
            poller=Poller(max_wait=settings.report_wait),
            progress=context.progress,
            on_candidates=ahead.start,
        )
    except AwsError:
        raise
    except botocore.exceptions.BotoCoreError as error:
        raise AwsError(_aws_message(error)) from error
    except botocore.exceptions.ClientError as error:
        raise AwsError(str(error)) from error


def _account(
    inventory: Inventory, context: Context, settings: Settings, ahead: Ahead
) -> tuple[AccountResult, list[ReportError]]:
    def exemption_for(user: LiveUser, decls: tuple[Declaration, ...]) -> exemptions.ExemptionMatch:
        return exemptions.match(
            user,
            decls,
            config=settings.exemptions,
            inline=context.inline,
            today=context.now.date(),
        )

    users = {u.name: u for u in inventory.users}
    findings = reconcile(inventory, context.index, context.rules, context.now, exemption_for)
    ahead.stop()
    removals = sum(f.status is Status.REMOVE_FROM_CODE for f in findings)
    if removals:
        plural = "s" if removals != 1 else ""
        context.progress(
            f"{inventory.account_id}: planning {removals:,} removal{plural} "
            "(evaluating the configuration they are in, once)"
        )
        planned = [f.declarations for f in findings if f.status is Status.REMOVE_FROM_CODE]
        started = time.perf_counter()
        context.demand.want()
        context.planning.result()
        plan.prepare(planned, context.model)  # what is left of it after planning ahead
        record_planning("", time.perf_counter() - started, phase="evaluate")
    widened_before = plan.widened(context.model) if removals else None
    findings = tuple(remediate(f, users.get(f.user), context.model) for f in findings)
    widened = plan.widened(context.model) if removals else None
    if widened is not None and widened != widened_before:
        context.progress(f"{inventory.account_id}: planning evaluates every file now: {widened}")
    errors = [
        ReportError(ErrorSource.AWS, problem, account_id=inventory.account_id)
        for problem in inventory.problems
    ]
    result = AccountResult(
        account_id=inventory.account_id,
        source=inventory.source,
        report_generated_at=inventory.report_generated_at,
        users_seen=len(inventory.users),
        api_calls=inventory.api_calls,
        findings=findings,
        notes=inventory.notes,
    )
    return result, errors


Opener = Callable[[AccountTarget, str | None], GuardedSession]


@dataclass(frozen=True)
class _Scanned:
    """One account's outcome: its result (``None`` when it could not be read), its errors,
    and the notes every report format shows (the terminal also shows ``result.notes``)."""

    result: AccountResult | None
    errors: tuple[ReportError, ...] = ()
    notes: tuple[Note, ...] = ()


def _scan_account(
    target: AccountTarget,
    settings: Settings,
    context: Context,
    opener: Opener,
) -> _Scanned:
    """One account, start to finish; its failure is its own and names it."""
    started = time.monotonic()
    ahead = Ahead(context)
    try:
        return _scan_read_account(target, settings, context, opener, ahead, started)
    finally:  # a failed account has nothing left to plan ahead either
        ahead.stop()


def _scan_read_account(
    target: AccountTarget,
    settings: Settings,
    context: Context,
    opener: Opener,
    ahead: Ahead,
    started: float,
) -> _Scanned:
    try:
        try:
            gs = opener(target, settings.profile)
        except botocore.exceptions.ClientError as error:
            raise AwsError(f"could not assume {target.label}: {error}") from error
        except NONSENSE as error:  # an AssumeRole answer without credentials, or not XML
            raise AwsError(
                f"could not assume {target.label}: AWS answered something iam-prune cannot "
                f"read ({type(error).__name__}: {error})"
            ) from error
        inventory = _inventory(gs, context, settings, ahead)
    except (AwsError, botocore.exceptions.BotoCoreError) as error:
        message = str(error) if isinstance(error, AwsError) else _aws_message(error)
        account = getattr(error, "account_id", None) or target.account_hint
        if target.role_arn and target.role_arn not in message:
            message = f"{target.role_arn}: {message}"
        return _Scanned(None, (ReportError(ErrorSource.AWS, message, account_id=account),))
    # The alias is one more round trip: it is read while the findings are planned.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="iam-prune-alias") as aside:
        alias_read = aside.submit(account_alias, gs)
        result, errors = _account(inventory, context, settings, ahead)
        alias, alias_note = alias_read.result()
    result = replace(
        result,
        name=target.name,
        ou_path=target.ou_path,
        alias=alias,
        api_calls=gs.counter.count,
        seconds=time.monotonic() - started,
    )
    # Not a fact the results depend on, but a reader looking for the alias is told why.
    notes = (Note(alias_note, account_id=result.account_id),) if alias_note else ()
    return _Scanned(result, tuple(errors), notes)


def run(
    settings: Settings,
    *,
    now: datetime,
    progress: Callable[[str], None] = lambda _: None,
    opener: Opener = open_target,
    run_info: RunInfo | None = None,
) -> Outcome:
    """Scan the Terraform once, then every account (concurrently) into one report."""
    with heap.one_run():
        return _run(settings, now=now, progress=progress, opener=opener, run_info=run_info)


def _run(
    settings: Settings,
    *,
    now: datetime,
    progress: Callable[[str], None] = lambda _: None,
    opener: Opener = open_target,
    run_info: RunInfo | None = None,
) -> Outcome:
    """Scan the Terraform once, then every account (concurrently) into one report."""
    errors: list[ReportError] = []
    state = _state(settings, opener, errors)
    dirs = ", ".join(_relative(d, settings) for d in settings.terraform_dirs)
    progress(f"reading the Terraform in {dirs}")
    demand = Demand()
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="terraform") as reader,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-ahead") as ahead,
    ):
        code = reader.submit(read_code, settings, state, progress)
        context = Context(
            code=code,
            planning=reader.submit(ready, code, demand),
            demand=demand,
            ahead=ahead,
            rules=RuleSettings(settings.inactive_days, settings.grace_days),
            now=now,
            progress=progress,
        )
        try:
            results = _scan_accounts(settings, context, opener, errors)
        finally:  # every account is read (or the run failed): planning ahead waits no more
            demand.settle()
    model = context.model
    context.planning.result()
    errors.extend(code.result().errors)
    accounts = [scanned.result for scanned in results if scanned.result is not None]
    for scanned in results:
        errors.extend(scanned.errors)

    report = Report(
        tool_version=__version__,
        generated_at=now,
        settings=RunSettings(
            inactive_days=settings.inactive_days,
            grace_days=settings.grace_days,
            terraform_dirs=tuple(_relative(d, settings) for d in settings.terraform_dirs),
        ),
        accounts=tuple(accounts),
        errors=canonical_errors(errors),  # as `merge` orders them
        notes=(*model.notes, *(note for scanned in results for note in scanned.notes)),
        run=run_info,
    )
    removals = sum(f.status is Status.REMOVE_FROM_CODE for f in report.findings)
    if removals:
        progress(f"combining {removals:,} removal{'s' if removals != 1 else ''} into one patch")
    started = time.perf_counter()
    report = plan.finalize(report, model)  # notes on changes that do not combine
    exact = plan.combined_patch(report, model)
    record_planning("", time.perf_counter() - started, phase="combine")
    # What reports show is redacted; what `fix` writes (the combined patch) stays exact.
    report = redaction.redact(report, model, use_cache=settings.use_cache)
    return Outcome(report=replace(report, combined_patch=exact), model=model)


def _scan_accounts(
    settings: Settings, context: Context, opener: Opener, errors: list[ReportError]
) -> list[_Scanned]:
    """Every chosen account, concurrently; problems choosing them go to ``errors``."""
    chosen, problems = targets.resolve(settings, opener, _aws_message)
    errors.extend(problems)
    if settings.organization is not None:
        shard = f" (shard {settings.shard})" if settings.shard else ""
        context.progress(f"{len(chosen)} accounts of the organisation to scan{shard}")
    else:
        context.progress(f"reading {len(chosen)} account{'s' if len(chosen) != 1 else ''}")
    workers = max(1, min(settings.concurrency, len(chosen)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda t: _scan_account(t, settings, context, opener), chosen))


def _state(settings: Settings, opener: Opener, errors: list[ReportError]) -> StateIndex | None:
    """The ``--state`` index, or ``None`` (with an error) when it cannot be read: the run
    goes on without it, incomplete, rather than not at all."""
    if settings.state is None:
        return None

    def s3_client() -> Any:
        return opener(AccountTarget(), settings.profile).client("s3")

    try:
        return load_state(settings.state, s3_client=s3_client)
    except StateError as error:
        local = not settings.state.startswith("s3://")  # a file: its place has fields
        errors.append(
            ReportError(
                ErrorSource.STATE,
                f"Terraform state: {error.message}" if local else str(error),
                file=_relative(Path(settings.state), settings) if local else None,
                line=error.line,
                column=error.column,
            )
        )
    except TerraformError as error:
        errors.append(ReportError(ErrorSource.STATE, str(error)))
    except (AwsError, botocore.exceptions.BotoCoreError) as error:
        message = str(error) if isinstance(error, AwsError) else _aws_message(error)
        errors.append(ReportError(ErrorSource.STATE, f"{settings.state}: {message}"))
    return None


def _relative(path: Path, settings: Settings) -> str:
    try:
        return path.resolve().relative_to(settings.root).as_posix() or "."
    except ValueError:
        return path.as_posix()
