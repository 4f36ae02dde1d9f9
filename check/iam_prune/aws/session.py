"""AWS sessions that can only read, count every request, and retry the way AWS asks.

Read-only is enforced by construction: a ``before-call`` hook refuses any operation that is not
on :data:`READ_ONLY_OPERATIONS` before botocore builds the request, so a bug elsewhere cannot
delete a user. The same session counts each HTTP attempt (``before-send`` fires once per
attempt, retries included), which is what ``inventory.api_calls`` reports.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.session

from iam_prune.aws import AwsError, WriteRefusedError

#: Every AWS operation iam-prune may send. Anything else is refused before it is sent.
READ_ONLY_OPERATIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("sts", "GetCallerIdentity"),
        ("sts", "AssumeRole"),  # temporary credentials for another account; changes nothing
        ("iam", "GenerateCredentialReport"),
        ("iam", "GetCredentialReport"),
        ("iam", "ListUsers"),
        ("iam", "GetLoginProfile"),
        ("iam", "ListAccessKeys"),
        ("iam", "GetAccessKeyLastUsed"),
        ("iam", "ListSSHPublicKeys"),
        ("iam", "ListServiceSpecificCredentials"),
        ("iam", "ListSigningCertificates"),
        ("iam", "ListUserTags"),
        ("iam", "ListMFADevices"),
        ("iam", "ListUserPolicies"),
        ("iam", "ListAttachedUserPolicies"),
        ("iam", "ListGroupsForUser"),
        ("iam", "ListAccountAliases"),  # the account's name as people know it, for reports
        ("s3", "GetObject"),  # `--state s3://bucket/key`: the S3 backend's state object
        ("s3", "HeadBucket"),  # botocore asks a bucket in another region where it lives
        # `--organization`: the accounts, the tree of OUs that gives each its path, and (when
        # the listing is denied) which account is the management account.
        ("organizations", "ListAccounts"),
        ("organizations", "ListRoots"),
        ("organizations", "ListOrganizationalUnitsForParent"),
        ("organizations", "ListAccountsForParent"),
        ("organizations", "ListParents"),
        ("organizations", "DescribeOrganization"),
    }
)

_DEFAULT_RETRY_MODE = "standard"
_DEFAULT_MAX_ATTEMPTS = 8
#: Seconds a run's first call waits for the endpoint to connect and to answer.
QUICK_TIMEOUTS = (5.0, 10.0)
#: Seconds any other call waits to connect, and for an answer.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 15.0
#: Timed-out attempts in a row after which a session stops trying: an endpoint that stalls
#: gives up within about ``STALL_LIMIT * READ_TIMEOUT`` seconds (plus backoff), not eight
#: attempts per call, and every later call of the session fails at once instead of waiting.
STALL_LIMIT = 3
_TIMEOUTS = (botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectTimeoutError)


@dataclass
class CallCounter:
    """Counts HTTP attempts made through one session; safe to share between threads."""

    count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **_: Any) -> None:
        with self._lock:
            self.count += 1


@dataclass
class StallGuard:
    """Counts timed-out attempts in a row across a session's clients (an answer resets the
    count); at the limit the session gives up for good."""

    limit: int = STALL_LIMIT
    timeouts: int = 0
    given_up: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def error(self) -> AwsError:
        return AwsError(
            f"the AWS endpoint stopped answering: {self.limit} requests in a row timed out, so "
            "iam-prune gave up on this account; check the network, AWS_REGION and, if set, "
            "AWS_ENDPOINT_URL"
        )

    def before_send(self, **_: Any) -> None:
        """``before-send``: once given up, no request waits for the endpoint again."""
        if self.given_up:
            raise self.error()

    def needs_retry(
        self, caught_exception: Exception | None = None, response: Any = None, **_: Any
    ) -> None:
        """``needs-retry``: count a timeout; at the limit, end the call instead of a retry."""
        if isinstance(caught_exception, AwsError):
            raise caught_exception
        with self._lock:
            if not isinstance(caught_exception, _TIMEOUTS):
                if response is not None and not self.given_up:
                    self.timeouts = 0  # the endpoint answered
                return
            self.timeouts += 1
            if self.timeouts >= self.limit:
                self.given_up = True
                raise self.error() from caught_exception


def refuse_writes(model: Any, **_: Any) -> None:
    """``before-call`` hook: raise unless the operation is an allowlisted read."""
    service = model.service_model.service_name
    if (service, model.name) not in READ_ONLY_OPERATIONS:
        raise WriteRefusedError(
            f"refused to send {service}:{model.name}: iam-prune only reads, and this operation "
            "is not on its read-only allowlist"
        )


def client_config() -> botocore.config.Config:
    """Retries in standard mode unless the user chose otherwise through the usual variables.

    botocore reads ``AWS_RETRY_MODE`` and ``AWS_MAX_ATTEMPTS`` itself, but a ``Config`` that sets
    ``retries`` would override them, so they are only set here when the environment is silent.
    """
    retries = _retries()
    return botocore.config.Config(
        retries=retries or None,  # type: ignore[arg-type]
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        user_agent_extra="iam-prune",
    )


def _retries() -> dict[str, Any]:
    retries: dict[str, Any] = {}
    if not os.environ.get("AWS_RETRY_MODE"):
        retries["mode"] = _DEFAULT_RETRY_MODE
    if not os.environ.get("AWS_MAX_ATTEMPTS"):
        retries["total_max_attempts"] = _DEFAULT_MAX_ATTEMPTS
    return retries


@dataclass
class GuardedSession:
    """A boto3 session wrapped so that every client it makes is read-only and counted."""

    session: boto3.Session
    counter: CallCounter = field(default_factory=CallCounter)
    stalls: StallGuard = field(default_factory=StallGuard)

    def __post_init__(self) -> None:
        events = self.session.events
        events.register("before-call", refuse_writes, unique_id="iam-prune-read-only")
        events.register("before-send", self.counter.add, unique_id="iam-prune-count")
        # First, so that a request refused after giving up is neither sent nor counted.
        events.register_first("before-send", self.stalls.before_send, unique_id="iam-prune-stalls")
        events.register_first("needs-retry", self.stalls.needs_retry, unique_id="iam-prune-stall")

    def client(self, service: str, *, quick: bool = False) -> Any:
        """A client for ``service``; ``quick`` ones give up after two short attempts, for the
        first call of a run, so an endpoint that never answers fails in seconds, not minutes."""
        # IAM and STS answer from any region; botocore reads AWS_DEFAULT_REGION, people set
        # AWS_REGION too.
        region = self.session.region_name or os.environ.get("AWS_REGION") or "us-east-1"
        make: Any = self.session.client  # typed per service name literal; ours is a str
        config = client_config()
        if quick:
            config = config.merge(
                botocore.config.Config(
                    connect_timeout=QUICK_TIMEOUTS[0],
                    read_timeout=QUICK_TIMEOUTS[1],
                    # `merge` replaces the whole dict: the retry mode is kept here.
                    retries={**_retries(), "total_max_attempts": 2},  # type: ignore[arg-type]
                )
            )
        return make(service, region_name=region, config=config)


_LOADER_LOCK = threading.Lock()
_shared_loader: Any = None


def new_session(
    profile: str | None = None,
    provider: botocore.credentials.CredentialProvider | None = None,
    region: str | None = None,
) -> boto3.Session:
    """A boto3 session that reads botocore's service models once per process.

    Every account gets sessions of its own (its credentials), and a fresh session would parse
    the models and endpoint rules again: ~0.1 s of CPU and megabytes per account, which an
    organisation of hundreds of accounts would spend over and over. The loader only caches
    files, so sharing it shares nothing about credentials. ``provider`` goes first in the
    credential chain."""
    global _shared_loader
    core = botocore.session.Session(profile=profile)
    if provider is not None:
        core.get_component("credential_provider").insert_before("env", provider)
    with _LOADER_LOCK:
        if _shared_loader is None:
            _shared_loader = core.get_component("data_loader")
        else:
            core.register_component("data_loader", _shared_loader)
        session = boto3.Session(botocore_session=core, region_name=region)
        paths = _shared_loader.search_paths
        if paths.count(paths[-1]) > 1:  # boto3 appends its data folder every time
            paths.pop()
    return session


def default_session(profile: str | None = None) -> GuardedSession:
    """The standard AWS configuration chain (env, profile, SSO, IMDS...), guarded."""
    return GuardedSession(new_session(profile))


_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::(?P<account>\d{12}):role/.+$")


@dataclass(frozen=True)
class AccountTarget:
    """One account to scan: the ambient credentials, or a role assumed from them.

    ``name`` and ``ou_path`` are what AWS Organizations says of the account, when it was found
    there (``--organization``); they travel into the report's account entry."""

    role_arn: str | None = None
    external_id: str | None = None
    session_name: str = "iam-prune"
    name: str | None = None
    ou_path: str | None = None

    @property
    def account_hint(self) -> str | None:
        """The account id the role ARN names, for errors raised before STS answers."""
        match = _ROLE_ARN.match(self.role_arn or "")
        return match.group("account") if match else None

    @property
    def label(self) -> str:
        return self.role_arn or "the current credentials"


class _AssumedRoleProvider(botocore.credentials.CredentialProvider):
    """Hands botocore credentials that renew themselves (first in the chain, so they win)."""

    METHOD = "iam-prune-assume-role"

    def __init__(self, credentials: botocore.credentials.Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> botocore.credentials.Credentials:
        return self._credentials


def assumed_role_session(base: GuardedSession, params: dict[str, str]) -> boto3.Session:
    """A session on the role's credentials, which botocore renews through AssumeRole again
    shortly before they expire: an account whose scan outlives the role's session (an hour by
    default; a slow credential report, throttling) keeps working instead of failing half-read.

    The first AssumeRole is made here, so a denied or missing role fails now, naming itself.
    """
    sts = base.client("sts")

    def fetch() -> dict[str, str]:
        credentials = sts.assume_role(**params)["Credentials"]
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    def renew() -> dict[str, str]:
        """A renewal fails inside whichever call was being signed; said as what it is, not
        as a denial of that call (sts:GetCallerIdentity needs no permission at all)."""
        try:
            return fetch()
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code") or str(error)
            raise AwsError(
                f"renewing the credentials of {params['RoleArn']} (sts:AssumeRole) failed: "
                f"{code}; the account's scan stopped there"
            ) from error

    refreshable = botocore.credentials.RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=renew, method=_AssumedRoleProvider.METHOD
    )
    return new_session(provider=_AssumedRoleProvider(refreshable), region=base.session.region_name)


def open_target(target: AccountTarget, profile: str | None = None) -> GuardedSession:
    """A guarded session for ``target``: the base chain, or credentials from AssumeRole."""
    base = default_session(profile)
    if target.role_arn is None:
        return base
    params = {"RoleArn": target.role_arn, "RoleSessionName": target.session_name}
    if target.external_id:
        params["ExternalId"] = target.external_id
    # One counter for the account: the AssumeRole calls (the first and each renewal) are its
    # requests too.
    return GuardedSession(assumed_role_session(base, params), counter=base.counter)
