"""The credential report: one generated CSV that describes every user in three calls.

It is the fast path (per-user calls grow with the account, this does not), but it comes with a
protocol: generation is asynchronous, throttled, cached for four hours, and its values use
sentinels (``N/A``, ``no_information``, ``not_supported``) that differ between AWS and moto.
Polling is bounded by a total wait so that a stuck report ends in a fallback, not a hang.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from iam_prune.aws import DENIED, AwsError, error_code
from iam_prune.model import AccessKey, LiveUser

#: Values the report uses for "no date": AWS writes N/A and no_information; moto also writes
#: not_supported where AWS would write N/A.
_NO_DATE = frozenset({"N/A", "no_information", "not_supported", ""})
ROOT_ROW = "<root_account>"


class ReportUnavailableError(AwsError):
    """The report could not be had (denied, or not ready within the wait): use the API path."""


class ReportUnreadableError(ReportUnavailableError):
    """AWS served a report that is not the documented CSV (cut short, not CSV, a bad value):
    the API path is used, and the run says that AWS answered nonsense."""


#: The columns every row must have for a user to be read from it.
_REQUIRED = ("user", "arn", "user_creation_time", "password_enabled", "password_last_used")


@dataclass(frozen=True)
class CredentialReport:
    users: tuple[LiveUser, ...]
    generated_at: datetime | None
    waited_seconds: float
    calls: int


def parse_time(value: str) -> datetime | None:
    """A report timestamp, or ``None`` for any of the "no date" sentinels."""
    value = value.strip()
    if value in _NO_DATE:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _flag(value: str) -> bool:
    return value.strip().lower() == "true"


def _keys(row: dict[str, str]) -> tuple[AccessKey, ...]:
    keys = []
    for n in (1, 2):
        created = parse_time(row.get(f"access_key_{n}_last_rotated", "N/A"))
        if created is None:  # no key in this slot
            continue
        service = row.get(f"access_key_{n}_last_used_service", "N/A").strip()
        keys.append(
            AccessKey(
                active=_flag(row.get(f"access_key_{n}_active", "false")),
                created=created,
                last_used=parse_time(row.get(f"access_key_{n}_last_used_date", "N/A")),
                last_used_service=None if service in _NO_DATE else service,
            )
        )
    return tuple(keys)


def _certificates(row: dict[str, str]) -> int:
    return sum(1 for n in (1, 2) if _flag(row.get(f"cert_{n}_active", "false")))


def parse_report(content: str) -> tuple[LiveUser, ...]:
    """Typed users from the report CSV, without the root account's row.

    Raises :class:`ReportUnreadableError` naming the line when the text is not the report
    AWS documents: a missing column, a row cut short, a value that is not a timestamp."""
    reader = csv.DictReader(io.StringIO(content))
    try:
        columns = reader.fieldnames or []
        missing = [name for name in _REQUIRED if name not in columns]
        if missing:
            raise ReportUnreadableError(
                f"the credential report is not the CSV AWS documents (no {', '.join(missing)} "
                "column)"
            )
        users = []
        for row in reader:
            line = reader.line_num
            if None in row or None in row.values():
                raise ReportUnreadableError(
                    f"the credential report's line {line} has {_width(row)} fields, its "
                    f"header {len(columns)}"
                )
            if row["user"] == ROOT_ROW:
                continue
            try:
                users.append(_user(row))
            except ValueError as error:
                raise ReportUnreadableError(
                    f"the credential report's line {line} ({row['user']!r}): {error}"
                ) from error
    except csv.Error as error:
        raise ReportUnreadableError(f"the credential report is not CSV: {error}") from error
    return tuple(users)


def _width(row: dict[str | None, object]) -> int:
    extra = row.get(None)
    present = sum(1 for key, value in row.items() if key is not None and value is not None)
    return present + (len(extra) if isinstance(extra, list) else 0)


def _user(row: dict[str, str]) -> LiveUser:
    created = parse_time(row["user_creation_time"])
    if created is None:
        raise ValueError("no creation time")
    return LiveUser(
        name=row["user"],
        arn=row["arn"],
        created=created,
        has_password=_flag(row["password_enabled"]),
        password_last_used=parse_time(row["password_last_used"]),
        password_set=(
            parse_time(row.get("password_last_changed", "N/A"))
            if _flag(row["password_enabled"])
            else None
        ),
        access_keys=_keys(row),
        active_certificates=_certificates(row),
        mfa_active=_flag(row.get("mfa_active", "false")),
    )


_NOT_READY = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})


@dataclass
class Poller:
    """Bounded exponential backoff; the clock and sleep are injectable for tests.

    The first wait is short because a report is often ready at once or soon (an account of a
    few hundred users): starting at 0.1 s and doubling asks at most twice more than starting
    at 0.5 s would for a report that takes seconds, and is done up to 0.4 s sooner for
    one that does not. The wait between two calls never exceeds ``max_delay``."""

    max_wait: float = 120.0
    first_delay: float = 0.1
    max_delay: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def fetch(iam: Any, poller: Poller, counter: Callable[[], int]) -> CredentialReport:
    """Generate (if needed), wait for and read the credential report.

    Raises :class:`ReportUnavailableError` when the report is denied or not ready within
    ``poller.max_wait`` seconds; the caller falls back to per-user calls.
    """
    calls_before = counter()
    started = poller.clock()
    delay = poller.first_delay
    while True:
        if _generate_until_complete(iam):
            content = _get(iam)
            if content is not None:
                text, generated = content
                return CredentialReport(
                    users=parse_report(text),
                    generated_at=generated,
                    waited_seconds=poller.clock() - started,
                    calls=counter() - calls_before,
                )
        waited = poller.clock() - started
        if waited + delay > poller.max_wait:
            raise ReportUnavailableError(
                f"the credential report was not ready after {waited:.1f} s "
                f"(limit {poller.max_wait:.0f} s)"
            )
        poller.sleep(delay)
        delay = min(delay * 2, poller.max_delay)


def _generate_until_complete(iam: Any) -> bool:
    """One generate call: True when AWS says the report is COMPLETE."""
    try:
        state = iam.generate_credential_report().get("State")
    except ClientError as error:
        code = error_code(error)
        if code in DENIED:
            raise ReportUnavailableError(
                "iam:GenerateCredentialReport was denied; reading users one by one instead"
            ) from error
        if code in ("LimitExceeded", "LimitExceededException", "ServiceFailure"):
            return False
        raise _failed("GenerateCredentialReport", code) from error
    return bool(state == "COMPLETE")


def _failed(operation: str, code: str | None) -> ReportUnavailableError:
    """Any other error, once the client's retries are spent (throttling, a 5xx): the users
    can still be read one by one, so the account's results are not lost with the report."""
    return ReportUnavailableError(
        f"iam:{operation} failed ({code or 'no error code'}); reading users one by one instead"
    )


def _get(iam: Any) -> tuple[str, datetime | None] | None:
    """The report's text and generation time, or ``None`` when it is not ready yet."""
    try:
        response = iam.get_credential_report()
    except ClientError as error:
        code = error_code(error)
        if code in DENIED:
            raise ReportUnavailableError(
                "iam:GetCredentialReport was denied; reading users one by one instead"
            ) from error
        if code in _NOT_READY or code == "ServiceFailure":
            return None
        raise _failed("GetCredentialReport", code) from error
    content = response.get("Content")
    if content is None:
        raise ReportUnreadableError("GetCredentialReport answered without the report's content")
    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    except UnicodeDecodeError as error:
        raise ReportUnreadableError(f"the credential report is not UTF-8 text: {error}") from error
    generated = response.get("GeneratedTime")
    if isinstance(generated, datetime) and generated.tzinfo is None:
        generated = generated.replace(tzinfo=UTC)
    return text, generated
