"""``iam-prune demo``: the real scan against an emulated account, on this machine only.

moto's server is started on loopback, an example account is seeded from
``examples/demo/account.json`` (one user per situation the check knows), and the very same
``scan`` code runs against it through ``AWS_ENDPOINT_URL``, over HTTP, as it would against AWS.
The seeding writes to the emulator; the scan itself stays read-only.

moto is only needed here (the ``demo`` extra); the integration tests reuse these helpers.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"
_EXAMPLE = Path("examples") / "demo"

_SSH_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDdemoKeyForIamPruneOnlyNotARealKey"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA demo@example"
)

_EMPTY_SERVICE_CREDENTIALS = """<ListServiceSpecificCredentialsResponse \
xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListServiceSpecificCredentialsResult>
    <ServiceSpecificCredentials/>
  </ListServiceSpecificCredentialsResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</ListServiceSpecificCredentialsResponse>"""


class DemoUnavailableError(Exception):
    """moto is not installed, or the example account cannot be found."""


def complete_moto() -> None:
    """Make moto answer two IAM calls the way AWS does.

    - ListServiceSpecificCredentials: moto does not implement it (HTTP 500); here it answers
      as AWS does for a user without any.
    - ListUsers: moto returns every user in one page whatever MaxItems says, which would hide
      a client that reads only the first page; here it pages as AWS does (100 users unless
      MaxItems says otherwise, then a Marker).
    """
    from moto.core.responses import ActionResult
    from moto.iam.responses import IamResponse

    def list_service_specific_credentials(self: Any) -> str:
        return _EMPTY_SERVICE_CREDENTIALS

    def list_users(self: Any) -> Any:
        users = list(self.backend.list_users(self._get_param("PathPrefix"), None, None))
        start = int(self._get_param("Marker") or 0)
        size = int(self._get_param("MaxItems") or 100)
        result: dict[str, Any] = {
            "Users": users[start : start + size],
            "IsTruncated": start + size < len(users),
        }
        if result["IsTruncated"]:
            result["Marker"] = str(start + size)
        return ActionResult(result)

    setattr(IamResponse, "list_service_specific_credentials", list_service_specific_credentials)  # noqa: B010
    setattr(IamResponse, "list_users", list_users)  # noqa: B010


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free loopback port, yielding its URL, with no state in it: moto
    keeps its state per process, not per server, so whatever ran before in this process (a
    test suite, another benchmark) would otherwise show up in this one."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as error:
        raise DemoUnavailableError(
            "the demo needs moto: pip install 'iam-prune[demo]' (or run `make demo`)"
        ) from error
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    complete_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        _reset(url)
        yield url
    finally:
        server.stop()


def _reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def seed(
    spec: dict[str, Any],
    url: str,
    now: datetime,
    *,
    account_id: str = ACCOUNT_ID,
    credentials: dict[str, str] | None = None,
) -> None:
    """Create the users of ``spec`` in the emulator, then back-date their timestamps.

    moto stamps everything "now"; ages are set on its backend objects, which live in this
    process because the server does. ``credentials`` (for example from AssumeRole) select
    another account of the emulator.
    """
    import boto3
    from moto.backends import get_backend
    from moto.iam.models import AccessKeyLastUsed

    keys: dict[str, Any] = credentials or {
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    iam: Any = boto3.client("iam", endpoint_url=url, region_name="us-east-1", **keys)
    for group in spec.get("groups", []):
        iam.create_group(GroupName=group["name"])
    policies = {
        name: iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"][
            "Arn"
        ]
        for name, document in spec.get("policies", {}).items()
    }
    backend: Any = get_backend("iam")[account_id]["global"]
    for entry in spec["users"]:
        name = entry["name"]
        tags = [{"Key": k, "Value": v} for k, v in entry.get("tags", {}).items()]
        iam.create_user(UserName=name, Tags=tags)
        if "password" in entry:
            iam.create_login_profile(UserName=name, Password="Demo-password-1!")
        for _ in entry.get("access_keys", []):
            iam.create_access_key(UserName=name)
        if entry.get("ssh_public_key"):
            iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=_SSH_KEY)
        for group in entry.get("groups", []):
            iam.add_user_to_group(GroupName=group, UserName=name)
        for policy_name in entry.get("attached_policies", []):
            iam.attach_user_policy(UserName=name, PolicyArn=policies[policy_name])
        for policy_name, document in entry.get("inline_policies", {}).items():
            iam.put_user_policy(
                UserName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
            )
        user = backend.users[name]
        user.create_date = _naive_utc(now - timedelta(days=entry["created_days_ago"]))
        used = entry.get("password", {}).get("last_used_days_ago")
        if used is not None:
            user.password_last_used = _naive_utc(now - timedelta(days=used))
        for key, key_spec in zip(user.access_keys, entry.get("access_keys", []), strict=True):
            key.create_date = _naive_utc(now - timedelta(days=key_spec["created_days_ago"]))
            if "last_used_days_ago" in key_spec:
                key.last_used = AccessKeyLastUsed(
                    timestamp=_naive_utc(now - timedelta(days=key_spec["last_used_days_ago"])),
                    service=key_spec.get("service", "iam"),
                    region=key_spec.get("region", "us-east-1"),
                )


def find_example() -> Path:
    """``examples/demo`` of the source tree this package runs from, or of the working dir."""
    here = Path(__file__).resolve()
    for base in (Path.cwd(), *here.parents):
        candidate = base / _EXAMPLE
        if (candidate / "account.json").is_file():
            return candidate
    raise DemoUnavailableError(
        "examples/demo/account.json not found: run the demo from a clone of iam-prune"
    )


@contextmanager
def aws_environment(url: str) -> Iterator[None]:
    """Point the standard AWS configuration chain at the emulator, and only for the demo."""
    values = {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    removed = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
    saved = {key: os.environ.get(key) for key in (*values, *removed)}
    os.environ.update(values)
    for key in removed:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(output_dir: Path, command: Callable[[list[str]], int]) -> int:
    """Seed, scan with ``command`` (the command line's ``main``, handed in by it), write the
    reports into ``output_dir``; exit 0 (it demonstrates, it does not check), or 2 when the
    demo itself, or its scan, could not run.

    The scan runs from the example's repository with the example's own config, so neither the
    caller's working directory nor its ``.iam-prune.toml`` changes what the demo shows.
    """
    output_dir = output_dir.resolve()
    try:
        example = find_example()
        spec = json.loads((example / "account.json").read_text(encoding="utf-8"))
        with moto_server() as url, aws_environment(url), _working_dir(example.parents[1]):
            seed(spec, url, datetime.now(UTC))
            print(
                f"iam-prune demo: emulated account {ACCOUNT_ID} at {url} (moto), "
                f"{len(spec['users'])} users seeded from {example / 'account.json'}\n"
            )
            code = command(
                [
                    "scan",
                    "--config",
                    str(example / "iam-prune.toml"),
                    "--json",
                    str(output_dir / "report.json"),
                    "--junit",
                    str(output_dir / "junit.xml"),
                    "--markdown",
                    str(output_dir / "comment.md"),
                ]
            )
    except DemoUnavailableError as error:
        print(f"iam-prune demo: {error}", file=sys.stderr)
        return 2
    if code == 2:
        print("\niam-prune demo: the scan could not run completely (see above).", file=sys.stderr)
        return 2
    print(
        f"\niam-prune demo: the scan exited {code} (1 = findings to act on); reports are in "
        f"{output_dir}/ (report.json, junit.xml, comment.md)."
    )
    return 0


@contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
