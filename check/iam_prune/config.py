"""Settings: ``.iam-prune.toml`` defaults, overridden by command-line flags, frozen.

Every flag has a key of the same name (dashes as underscores) in the file, so a team can keep
its policy in the repository and a person can still override it for one run. A key the file
does not know is an error that names the closest known key: a silently ignored typo in an
exemption or a fail policy is how a check ends up lying.
"""

from __future__ import annotations

import contextlib
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from iam_prune.accounts import Shard, ShardError
from iam_prune.aws.session import AccountTarget
from iam_prune.configfile import EXEMPT_KEYS, ConfigError, Place, Where, read_file, unknown_key
from iam_prune.model import Status

CONFIG_FILE = ".iam-prune.toml"

#: The largest number of days a setting may hold: a hundred years is already no limit at all,
#: and dates further out overflow.
MAX_DAYS = 36_500
#: The longest wait for the credential report, in seconds (AWS makes one in well under that).
MAX_WAIT = 3_600.0


class FailOn(StrEnum):
    """Which findings make the check fail (exit 1). An incomplete run exits 2 regardless."""

    FINDINGS = "findings"
    MANAGED = "managed"
    UNMANAGED = "unmanaged"
    TOUCHED = "touched"  # only findings whose code the pull request changes
    NEVER = "never"

    def counts(self, status: Status) -> bool:
        """Whether a finding of ``status`` fails the check under this policy (``touched``
        narrows further by file, where the pull request's files are known)."""
        if self is FailOn.MANAGED:
            return status is Status.REMOVE_FROM_CODE
        if self is FailOn.UNMANAGED:
            return status is Status.DELETE_UNMANAGED
        return self is not FailOn.NEVER and status.is_failure


@dataclass(frozen=True)
class ConfigExemption:
    user: str  # a glob over user names
    reason: str
    until: date | None = None


@dataclass(frozen=True)
class Settings:
    terraform_dirs: tuple[Path, ...]
    root: Path
    var_files: tuple[Path, ...] = ()
    state: str | None = None  # a path, or s3://bucket/key
    use_cache: bool = True
    inactive_days: int | None = None
    grace_days: int = 7
    fail_on: FailOn = FailOn.FINDINGS
    json_path: Path | None = None
    junit_path: Path | None = None
    markdown_path: Path | None = None
    report_wait: float = 120.0
    profile: str | None = None
    targets: tuple[AccountTarget, ...] = (AccountTarget(),)
    exemptions: tuple[ConfigExemption, ...] = ()
    config_file: Path | None = None
    sarif_path: Path | None = None
    organization: OrganizationSettings | None = None  # scan every account of the organisation
    accounts: tuple[str, ...] = ()  # ids or globs over names: only these
    exclude_accounts: tuple[str, ...] = ()  # ids or globs over names: not these
    shard: Shard | None = None
    concurrency: int = 8
    #: Where the values checked only later (folders, files, roles) came from in the config
    #: file, by key, so that their errors name the line too; flags are not in it.
    places: Mapping[str, Place] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class OrganizationSettings:
    """``--organization``: list the accounts, assume ``role_name`` in each."""

    role_name: str
    ous: tuple[str, ...] = ()
    external_id: str | None = None
    session_name: str = "iam-prune"


#: Accounts scanned at once. Most of an account's time is spent waiting (for AWS to answer, for
#: the credential report to be generated), not computing, so more accounts than cores overlap
#: well; each account has its own IAM rate limits.
DEFAULT_CONCURRENCY = 8


def find_root(start: Path) -> Path:
    """The git top-level containing ``start``, else ``start`` itself: report paths hang off it."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def _exemptions(entries: list[Any], file: Where) -> tuple[ConfigExemption, ...]:
    parsed = []
    for n, entry in enumerate(entries, start=1):
        place, where = file.entry(n), f"[[exempt]] entry {n}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} is not a table", place)
        for key in entry:
            if key not in EXEMPT_KEYS:
                raise unknown_key(key, EXEMPT_KEYS, place, f"{where}: ")
        user, reason, until = entry.get("user"), entry.get("reason"), entry.get("until")
        if not isinstance(user, str) or not user:
            raise ConfigError(f"{where} needs 'user' (a name or a glob)", place)
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(
                f"{where} ({user}) needs a 'reason': an exemption must say why", place
            )
        if isinstance(until, datetime):  # TOML `until = 2027-01-01T00:00:00`
            until = until.date()
        if until is not None and not isinstance(until, date):
            try:
                until = date.fromisoformat(str(until))
            except ValueError as error:
                raise ConfigError(f"{where} ({user}): 'until' must be YYYY-MM-DD", place) from error
        parsed.append(ConfigExemption(user=user, reason=reason.strip(), until=until))
    return tuple(parsed)


def _days(name: str, value: Any, minimum: int, at: Place | None = None) -> int:
    """A whole number of days between ``minimum`` and :data:`MAX_DAYS`, named (with ``at``,
    the file and line it came from) when it is not."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{_named(name)} must be a whole number of days, got {value!r}", at)
    if not minimum <= value <= MAX_DAYS:
        raise ConfigError(
            f"{_named(name)} must be between {minimum} and {MAX_DAYS:,} days, got {value}", at
        )
    return value


def _wait(name: str, value: Any, at: Place | None = None) -> float:
    """Seconds, finite, between 0 and :data:`MAX_WAIT`, named when not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{_named(name)} must be a number of seconds, got {value!r}", at)
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= MAX_WAIT:
        raise ConfigError(
            f"{_named(name)} must be between 0 and {MAX_WAIT:,.0f} seconds, got {value}", at
        )
    return number


#: More accounts at once than this buys nothing but threads (each account runs its own too).
MAX_CONCURRENCY = 64


def _concurrency(value: Any, at: Place | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{_named('concurrency')} must be a whole number, got {value!r}", at)
    if not 1 <= value <= MAX_CONCURRENCY:
        raise ConfigError(
            f"{_named('concurrency')} must be between 1 and {MAX_CONCURRENCY}, got {value}", at
        )
    return value


def _named(key: str) -> str:
    return f"{key} (--{key.replace('_', '-')})"


def requested_outputs(flags: dict[str, Any], cwd: Path) -> dict[str, Path | None]:
    """The report files asked for (``json``, ``junit``, ``markdown``, ``sarif``), read as far
    as can be when the configuration is broken: a run that fails still owes its reader a
    report."""
    values: dict[str, Any] = {}
    explicit = flags.get("config")
    path = Path(explicit) if explicit else find_root(cwd) / CONFIG_FILE
    with contextlib.suppress(OSError, ValueError):  # the error at hand is reported already
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    found: dict[str, Path | None] = {}
    for name in ("json", "junit", "markdown", "sarif"):
        value = flags.get(name) or values.get(name)
        found[name] = Path(value) if isinstance(value, str) and value else None
    return found


def build(flags: dict[str, Any], cwd: Path) -> Settings:
    """Merge the config file (``flags['config']`` or ``.iam-prune.toml`` at the root) with the
    flags; a flag that was given (not ``None``) wins."""
    root = find_root(cwd)
    explicit = flags.get("config")
    path = Path(explicit) if explicit else root / CONFIG_FILE
    file_values: dict[str, Any] = {}
    where = Where(path)
    if explicit or path.is_file():
        file_values, where = read_file(path)

    # The accounts to scan are one choice: roles or the organisation. One made on the command
    # line replaces the file's, as any flag does, rather than clashing with it.
    overridden = (
        _ORGANIZATION_KEYS
        if flags.get("role_arns")
        else {"role_arns"}
        if flags.get("organization")
        else set()
    )

    def pick(flag: str, key: str | None = None) -> Any:
        value = flags.get(flag)
        if value is not None:
            return value
        return None if (key or flag) in overridden else file_values.get(key or flag)

    def at(flag: str) -> Place | None:
        """Where a bad value came from: the file's line, or nothing for a flag (its name
        is in the message)."""
        return None if flags.get(flag) is not None else where.at(flag)

    dirs = pick("terraform_dirs") or []
    base = path.parent if file_values and not flags.get("terraform_dirs") else cwd
    var_base = path.parent if file_values and not flags.get("var_files") else cwd
    state = pick("state")
    if state and not str(state).startswith("s3://") and not flags.get("state"):
        state = str((path.parent / state).resolve())  # relative to the config file
    fail_on = pick("fail_on") or FailOn.FINDINGS.value
    try:
        fail_policy = FailOn(fail_on)
    except ValueError as error:
        choices = ", ".join(f.value for f in FailOn)
        raise ConfigError(
            f"fail_on must be one of {choices}, got {fail_on!r}", at("fail_on")
        ) from error
    inactive = pick("inactive_days")
    grace = pick("grace_days")
    wait = pick("report_wait")

    roles = list(dict.fromkeys(str(arn) for arn in pick("role_arns") or []))  # once each
    _one_role_per_account(roles, at("role_arns"))
    organization = _organization(pick, at)
    if organization is not None and roles:
        raise ConfigError(
            "--organization and --role-arn both choose the accounts to scan: give one of them",
            at("role_arns"),
        )
    if pick("external_id") and not roles and organization is None:
        raise ConfigError(
            "--external-id is only used with --role-arn or --organization, and neither was given",
            at("external_id"),
        )
    shard_text = pick("shard")
    try:
        shard = None if shard_text is None else Shard.parse(str(shard_text))
    except ShardError as error:
        raise ConfigError(str(error), at("shard")) from error
    concurrency = pick("concurrency")
    for flag in ("accounts", "exclude_accounts", "shard"):
        if pick(flag) and not roles and organization is None:
            raise ConfigError(
                f"--{flag.replace('_', '-')} picks among the accounts of --organization or"
                " --role-arn, and neither was given",
                at(flag),
            )
    targets = tuple(
        AccountTarget(
            role_arn=str(arn),
            external_id=pick("external_id"),
            session_name=pick("role_session_name") or "iam-prune",
        )
        for arn in roles
    ) or (AccountTarget(),)

    def out(flag: str) -> Path | None:
        value = pick(flag)
        return Path(value) if value else None

    return Settings(
        terraform_dirs=tuple((base / d).resolve() for d in dirs),
        root=root,
        var_files=tuple((var_base / f).resolve() for f in pick("var_files") or []),
        state=state,
        use_cache=not flags.get("no_cache") and file_values.get("cache", True),
        inactive_days=None
        if inactive is None
        else _days("inactive_days", inactive, 1, at("inactive_days")),
        grace_days=_days("grace_days", 7 if grace is None else grace, 0, at("grace_days")),
        fail_on=fail_policy,
        json_path=out("json"),
        junit_path=out("junit"),
        markdown_path=out("markdown"),
        report_wait=120.0 if wait is None else _wait("report_wait", wait, at("report_wait")),
        profile=pick("profile"),
        targets=targets,
        exemptions=_exemptions(file_values.get("exempt", []), where),
        config_file=path if file_values else None,
        sarif_path=out("sarif"),
        organization=organization,
        accounts=tuple(pick("accounts") or ()),
        exclude_accounts=tuple(pick("exclude_accounts") or ()),
        shard=shard,
        concurrency=_concurrency(
            DEFAULT_CONCURRENCY if concurrency is None else concurrency, at("concurrency")
        ),
        places={
            key: place
            for key in ("terraform_dirs", "var_files", "state", "role_arns")
            if pick(key) is not None and (place := at(key)) is not None
        },
    )


#: The file's keys for the organisation, which ``--role-arn`` replaces.
_ORGANIZATION_KEYS = {"organization", "role_name", "ous"}


def _organization(
    pick: Callable[[str], Any], at: Callable[[str], Place | None]
) -> OrganizationSettings | None:
    """``--organization`` and the flags that only make sense with it; ``at`` says where a
    value came from."""
    role_name, ous = pick("role_name"), tuple(pick("ous") or ())
    if not pick("organization"):
        if role_name or ous:
            key = "role_name" if role_name else "ous"
            flag = "--role-name" if role_name else "--ou"
            raise ConfigError(
                f"{flag} is only used with --organization, which was not given", at(key)
            )
        return None
    if not role_name:
        raise ConfigError(
            "--organization needs --role-name: the role iam-prune assumes in each account"
            " (README, section 'Many accounts')",
            at("organization"),
        )
    if ":" in role_name:
        raise ConfigError(
            f"--role-name {role_name!r}: the role's name (and path), not its ARN", at("role_name")
        )
    return OrganizationSettings(
        role_name=str(role_name),
        ous=ous,
        external_id=pick("external_id"),
        session_name=pick("role_session_name") or "iam-prune",
    )


def _holds_terraform(directory: Path) -> bool:
    return any(True for pattern in ("*.tf", "*.tf.json") for _ in directory.rglob(pattern))


def validate(settings: Settings) -> Settings:
    """Refuse settings that would make the run lie: no code to look in (every unused user
    would look unmanaged), a folder with no Terraform in it, a --var-file or state file that is
    not there, a role that is not a role."""
    if not settings.terraform_dirs:
        raise ConfigError(
            "no --terraform-dir given (nor terraform_dirs in the config): without the code, "
            "every unused user would look unmanaged"
        )
    place = settings.places.get
    for directory in settings.terraform_dirs:
        at = place("terraform_dirs")
        if not directory.exists():
            raise ConfigError(f"--terraform-dir {directory}: no such directory", at)
        if not directory.is_dir():
            raise ConfigError(f"--terraform-dir {directory}: is a file, not a directory", at)
        if not _holds_terraform(directory):
            raise ConfigError(
                f"--terraform-dir {directory}: holds no .tf or .tf.json file; without the code, "
                "every unused user would look unmanaged",
                at,
            )
    for var_file in settings.var_files:
        if not var_file.is_file():
            raise ConfigError(f"--var-file {var_file}: no such file", place("var_files"))
    local_state = settings.state and not settings.state.startswith("s3://")
    if local_state and not Path(str(settings.state)).is_file():
        raise ConfigError(f"--state {settings.state}: no such file", place("state"))
    for target in settings.targets:
        if target.role_arn is not None and target.account_hint is None:
            raise ConfigError(
                f"--role-arn {target.role_arn!r} is not a role ARN "
                "(arn:aws:iam::123456789012:role/NAME)",
                place("role_arns"),
            )
    _wait("report_wait", settings.report_wait)
    _days("grace_days", settings.grace_days, 0)
    if settings.inactive_days is not None:
        _days("inactive_days", settings.inactive_days, 1)
    return settings


def _one_role_per_account(roles: list[str], at: Place | None) -> None:
    """Two roles into one account would scan it twice: double counts, and a report that
    ``merge`` refuses. The account id is the ARN's fifth field."""
    seen: dict[str, str] = {}
    for arn in roles:
        parts = arn.split(":")
        account = parts[4] if len(parts) > 5 else ""
        if account and account in seen:
            raise ConfigError(
                f"--role-arn {seen[account]} and --role-arn {arn} are both in account "
                f"{account}: give one role per account",
                at,
            )
        seen[account] = arn
