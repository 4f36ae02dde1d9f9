"""One account's live users: the credential report, cross-checked, with details for candidates.

The report is up to four hours old, so it is reconciled with ListUsers (one call per 1,000
users): users deleted since are dropped, users created (or re-created) since are read one by
one. When the report is denied or does not come in time, every user is read one by one with
bounded concurrency. Either way, only the users the rules may flag get the extra calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from iam_prune.aws import DENIED, NONSENSE, AwsError, error_code
from iam_prune.aws.details import fetch_details, list_all, raise_for_denied
from iam_prune.aws.report import (
    CredentialReport,
    Poller,
    ReportUnavailableError,
    ReportUnreadableError,
    fetch,
)
from iam_prune.aws.session import GuardedSession
from iam_prune.model import AccessKey, Inventory, LiveUser

#: Concurrent per-user requests; IAM's API rate is account-wide, so more buys throttling.
MAX_WORKERS = 8

UserPredicate = Callable[[LiveUser], bool]
#: Told which users of an account (its id first) get detail calls, before the calls start:
#: the caller may use the time those calls take (the scan plans their removals meanwhile). It
#: must return at once.
CandidatesHook = Callable[[str, Sequence[LiveUser]], None]


def _no_hook(_account: str, _users: Sequence[LiveUser]) -> None:
    return None


def account_id(gs: GuardedSession) -> str:
    """The account the credentials belong to; the first call, so it fails fast (short timeouts,
    two attempts) when the endpoint does not answer. One that answers with an error it may
    retry (throttling, a 5xx) is asked again with the run's own retries and backoff."""
    try:
        return str(gs.client("sts", quick=True).get_caller_identity()["Account"])
    except ClientError as error:
        if error_code(error) in DENIED:
            raise_for_denied(error, "GetCallerIdentity", service="sts")
    try:
        return str(gs.client("sts").get_caller_identity()["Account"])
    except ClientError as error:
        raise_for_denied(error, "GetCallerIdentity", service="sts")


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Gone(Exception):
    """The user was deleted while it was being read."""


def user_from_api(iam: Any, listed: dict[str, Any]) -> LiveUser | None:
    """The credential report's facts for one user, read through the per-user API calls;
    ``None`` when the user was deleted meanwhile."""
    try:
        return _read_user(iam, listed)
    except _Gone:
        return None


def _read_user(iam: Any, listed: dict[str, Any]) -> LiveUser:
    name = listed["UserName"]
    password_set = None
    try:
        profile = iam.get_login_profile(UserName=name)["LoginProfile"]
        has_password = True
        password_set = _aware(profile.get("CreateDate"))
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise_for_denied(error, "GetLoginProfile")
        has_password = False
    keys = []
    try:
        listed_keys = list_all(iam, "list_access_keys", "AccessKeyMetadata", UserName=name)
    except ClientError as error:
        if error_code(error) == "NoSuchEntity":
            raise _Gone from error
        raise_for_denied(error, "ListAccessKeys")
    for key in listed_keys:
        try:
            used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
        except ClientError as error:
            raise_for_denied(error, "GetAccessKeyLastUsed")
        last = used.get("AccessKeyLastUsed", {})
        service = last.get("ServiceName")
        keys.append(
            AccessKey(
                active=key.get("Status") == "Active",
                created=_aware(key.get("CreateDate")),
                last_used=_aware(last.get("LastUsedDate")),
                last_used_service=None if service in (None, "N/A") else service,
                key_id=key["AccessKeyId"],
            )
        )
    created = _aware(listed["CreateDate"])
    if created is None:
        raise ValueError(f"ListUsers gave {name!r} no CreateDate")
    return LiveUser(
        name=name,
        arn=listed["Arn"],
        created=created,
        has_password=has_password,
        password_last_used=_aware(listed.get("PasswordLastUsed")),
        access_keys=tuple(keys),
        password_set=password_set,
    )


def _read_each(iam: Any, listed: Iterable[dict[str, Any]]) -> list[LiveUser]:
    items = list(listed)
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(items))) as pool:
        read = pool.map(lambda entry: user_from_api(iam, entry), items)
        return [user for user in read if user is not None]


def _same_user(report_user: LiveUser, listed: dict[str, Any]) -> bool:
    """False when the name was deleted and re-created after the report was generated."""
    created = _aware(listed.get("CreateDate"))
    if created is None:
        return True
    return abs((created - report_user.created).total_seconds()) < 2


def _with_listed_sign_in(user: LiveUser, listed: dict[str, Any]) -> LiveUser:
    """ListUsers is fresher than a cached report: a sign-in since the report counts."""
    signed_in = _aware(listed.get("PasswordLastUsed"))
    if signed_in is None or (user.password_last_used and user.password_last_used >= signed_in):
        return user
    return replace(user, password_last_used=signed_in)


def _add_details(
    iam: Any,
    users: list[LiveUser],
    candidate: UserPredicate,
    for_deletion: UserPredicate,
    reported: frozenset[str],
    on_candidates: Callable[[Sequence[LiveUser]], None],
) -> tuple[list[LiveUser], list[str]]:
    chosen = [u for u in users if candidate(u)]
    if not chosen:
        return users, []
    on_candidates(chosen)

    def one(user: LiveUser) -> tuple[LiveUser, list[str]]:
        details, problems = fetch_details(
            iam,
            user,
            for_deletion=lambda: for_deletion(user),
            from_report=user.name in reported,
        )
        return replace(user, details=details), problems

    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(chosen))) as pool:
        detailed = {u.name: (u, p) for u, p in pool.map(one, chosen)}
    problems = [p for _, ps in detailed.values() for p in ps]
    return [detailed[u.name][0] if u.name in detailed else u for u in users], problems


def collect(
    gs: GuardedSession,
    *,
    candidate: UserPredicate,
    for_deletion: UserPredicate,
    poller: Poller | None = None,
    progress: Callable[[str], None] = lambda _: None,
    use_report: bool = True,
    on_candidates: CandidatesHook = _no_hook,
) -> Inventory:
    """Read one account. ``candidate`` picks the users worth detail calls, ``for_deletion`` the
    ones whose delete commands will be printed (those that no code declares; asked for each
    candidate once the calls every candidate needs are made, so that they need not wait for
    the code), and ``on_candidates`` hears of the first before their calls start.
    ``use_report=False`` goes straight to the per-user path (the benchmark's baseline)."""
    try:
        account = account_id(gs)
    except NONSENSE as error:
        raise _nonsense(error) from error
    try:
        return _collect(
            gs,
            account,
            candidate,
            for_deletion,
            on_candidates,
            poller or Poller(),
            progress,
            use_report,
        )
    except AwsError as error:
        error.account_id = error.account_id or account
        raise
    except NONSENSE as error:
        raise _nonsense(error, account) from error


def _nonsense(error: Exception, account: str | None = None) -> AwsError:
    detail = f"{type(error).__name__}: {error}"
    return AwsError(
        f"AWS answered with something iam-prune cannot read ({detail}); nothing from this "
        "account is reported",
        account_id=account,
    )


def _listing_and_report(
    iam: Any, gs: GuardedSession, poller: Poller, use_report: bool
) -> tuple[dict[str, dict[str, Any]], CredentialReport | ReportUnavailableError]:
    """ListUsers and the credential report, read at the same time: the report is mostly
    waiting (AWS generates it in seconds, polled with backoff) and the listing is one call
    per 1,000 users, so the listing costs nothing while the report is generated. The report
    comes back as the reason it could not be had when it could not (the caller reads users
    one by one then); an error listing the users is the account's error and comes first, as
    it would had the listing been read first."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="iam-prune-list-users") as pool:
        listing = pool.submit(_list_users, iam)
        try:
            if not use_report:
                raise ReportUnavailableError("the credential report was not asked for")
            report: CredentialReport | ReportUnavailableError = fetch(
                iam, poller, lambda: gs.counter.count
            )
        except ReportUnavailableError as unavailable:
            report = unavailable
        except BaseException:
            listing.result()  # its error, if it has one, is the one to report
            raise
        return listing.result(), report


def _list_users(iam: Any) -> dict[str, dict[str, Any]]:
    try:
        listed = list_all(iam, "list_users", "Users")
    except ClientError as error:
        raise_for_denied(error, "ListUsers")
    return {entry["UserName"]: entry for entry in listed}


def _collect(
    gs: GuardedSession,
    account: str,
    candidate: UserPredicate,
    for_deletion: UserPredicate,
    on_candidates: CandidatesHook,
    poller: Poller,
    progress: Callable[[str], None],
    use_report: bool,
) -> Inventory:
    iam = gs.client("iam")
    notes: list[str] = []
    broken: list[str] = []
    progress(f"{account}: waiting for the credential report")
    by_name, report = _listing_and_report(iam, gs, poller, use_report)
    if isinstance(report, ReportUnavailableError):
        unavailable = report
        notes.append(f"{unavailable}; read {len(by_name)} users one by one")
        progress(f"{account}: {notes[-1]}")
        if isinstance(unavailable, ReportUnreadableError):  # AWS answered nonsense: say so
            broken.append(f"{unavailable}; read {len(by_name)} users one by one instead")
        users = _read_each(iam, by_name.values())
        source, generated_at, waited = "api", None, 0.0
        reported: frozenset[str] = frozenset()
    else:
        fresh = [
            _with_listed_sign_in(u, by_name[u.name])
            for u in report.users
            if u.name in by_name and _same_user(u, by_name[u.name])
        ]
        known = {u.name for u in fresh}
        stale = [entry for name, entry in by_name.items() if name not in known]
        dropped = len(report.users) - len(fresh)
        if stale or dropped:
            notes.append(
                f"credential report cross-checked with ListUsers: {dropped} gone since, "
                f"{len(stale)} read one by one"
            )
        users = fresh + _read_each(iam, stale)
        reported = frozenset(known)
        source, generated_at, waited = (
            "credential-report",
            report.generated_at,
            report.waited_seconds,
        )
        notes.append(f"credential report ready after {waited:.1f} s")

    users.sort(key=lambda u: u.name)
    users, problems = _add_details(
        iam, users, candidate, for_deletion, reported, lambda chosen: on_candidates(account, chosen)
    )
    return Inventory(
        account_id=account,
        users=tuple(users),
        source=source,
        report_generated_at=_aware(generated_at),
        api_calls=gs.counter.count,
        waited_seconds=waited,
        problems=(*broken, *problems),
        notes=tuple(notes),
    )


__all__ = ["AwsError", "collect", "user_from_api"]
