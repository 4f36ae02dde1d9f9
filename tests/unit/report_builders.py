"""Hand-built reports for the format tests.

Formats are pure functions of a :class:`Report`, so their tests start from reports built with
plain constructors: one finding of every status, with the declarations, patch, commands,
exemption and errors a real run produces, plus helpers to make a report huge or odd.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from iam_prune.model import (
    AccountResult,
    Declaration,
    ErrorSource,
    Exemption,
    Finding,
    Note,
    Remediation,
    Report,
    ReportError,
    Rule,
    RunSettings,
    SourceSpan,
    Status,
)

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
GENERATED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CREATED = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
LAST_USED = datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)
SETTINGS = RunSettings(inactive_days=90, grace_days=7, terraform_dirs=("infra",))


def declaration(
    user: str, *, file: str = "infra/users.tf", line: int = 10, via: str = "static"
) -> Declaration:
    """A literal ``resource "aws_iam_user" "<user>"`` block spanning five lines at ``line``."""
    return Declaration(
        address=f"aws_iam_user.{user}",
        name=user,
        span=SourceSpan(
            file=file, start=line * 40, end=line * 40 + 120, line=line, end_line=line + 4
        ),
        expression=f'"{user}"',
        via=via,
    )


def patch_for(
    user: str, *, file: str = "infra/users.tf", line: int = 10, body_lines: int = 3
) -> str:
    """A unified diff removing the user's resource block (``body_lines`` lines inside it)."""
    removed = [f'-resource "aws_iam_user" "{user}" {{']
    removed += [f'-  tag_{i} = "value {i} for {user}"' for i in range(body_lines)]
    removed.append("-}")
    header = [f"--- a/{file}", f"+++ b/{file}", f"@@ -{line},{len(removed) + 1} +{line},1 @@"]
    return "\n".join([*header, *removed, " # end of users"]) + "\n"


def removal(user: str, *, line: int = 10, patch: str | None = None) -> Finding:
    """A never-used user declared in Terraform, with its diff and follow-ups."""
    return Finding(
        user=user,
        status=Status.REMOVE_FROM_CODE,
        reason="console password never used and no access keys",
        arn=f"arn:aws:iam::{ACCOUNT}:user/{user}",
        rule=Rule.NEVER_USED,
        created=CREATED,
        declarations=(declaration(user, line=line),),
        remediation=Remediation(
            patch=patch if patch is not None else patch_for(user, line=line),
            destroys=(f"aws_iam_user.{user}", f"aws_iam_user_login_profile.{user}"),
            manual=(f"infra/outputs.tf:3 output {user}_arn refers to aws_iam_user.{user}",),
        ),
    )


def unmanaged(user: str) -> Finding:
    """A never-used user no Terraform declares: the ordered CLI commands instead of a diff."""
    return Finding(
        user=user,
        status=Status.DELETE_UNMANAGED,
        reason="console password never used and no access keys; declared in no Terraform",
        arn=f"arn:aws:iam::{ACCOUNT}:user/{user}",
        rule=Rule.NEVER_USED,
        created=CREATED,
        remediation=Remediation(
            commands=(
                f"aws iam delete-login-profile --user-name {user}",
                f"aws iam delete-user --user-name {user}",
            )
        ),
    )


def simple(
    user: str,
    status: Status,
    reason: str,
    *,
    created: datetime | None = None,
    last_activity: datetime | None = None,
    declarations: tuple[Declaration, ...] = (),
    exemption: Exemption | None = None,
) -> Finding:
    """Any other status: a reason and the few facts that status carries."""
    return Finding(
        user=user,
        status=status,
        reason=reason,
        created=created,
        last_activity=last_activity,
        declarations=declarations,
        exemption=exemption,
    )


def every_status() -> tuple[Finding, ...]:
    """One finding of each status, in an order different from the display order."""
    return (
        simple("henry", Status.IN_USE, "signed in 3 days ago", last_activity=LAST_USED),
        removal("alice"),
        simple("frank", Status.GRACE, "created 2 days ago; unused so far", created=GENERATED_AT),
        unmanaged("carol"),
        simple(
            "dave", Status.NEEDS_REVIEW, "holds an SSH public key whose use AWS does not report"
        ),
        simple(
            "erin",
            Status.EXEMPT,
            "exempt by tag iam-prune:exempt: break-glass account",
            exemption=Exemption(source="tag", reason="break-glass account", expires="2030-01-01"),
        ),
        simple(
            "gina",
            Status.NOT_DEPLOYED,
            "declared in Terraform but not in this account",
            declarations=(declaration("gina", line=40),),
        ),
    )


def errors() -> tuple[ReportError, ...]:
    """A parse error with a full position and an AWS error tied to an account."""
    return (
        ReportError(
            ErrorSource.TERRAFORM,
            "Unexpected token '}'",
            file="infra/broken.tf",
            line=3,
            column=5,
        ),
        ReportError(ErrorSource.AWS, "AccessDenied: iam:ListSSHPublicKeys", account_id=ACCOUNT),
    )


def account(
    findings: Iterable[Finding], *, account_id: str = ACCOUNT, users_seen: int | None = None
) -> AccountResult:
    found = tuple(findings)
    return AccountResult(
        account_id=account_id,
        source="credential-report",
        report_generated_at=GENERATED_AT,
        users_seen=len(found) if users_seen is None else users_seen,
        api_calls=3,
        findings=found,
    )


def report(
    findings: Iterable[Finding] = (),
    *,
    report_errors: tuple[ReportError, ...] = (),
    accounts: tuple[AccountResult, ...] | None = None,
) -> Report:
    """A report over one account holding ``findings`` (or over ``accounts`` when given)."""
    return Report(
        tool_version="0.1.0",
        generated_at=GENERATED_AT,
        settings=SETTINGS,
        accounts=accounts if accounts is not None else (account(findings),),
        errors=report_errors,
    )


def full_report() -> Report:
    """Every status, complete."""
    return report(every_status())


def incomplete_report() -> Report:
    """Every status, with two sources that failed in part."""
    return report(every_status(), report_errors=errors())


def two_account_report() -> Report:
    """The same user name unused in two accounts."""
    return report(
        accounts=(
            account([removal("alice")]),
            account([unmanaged("alice")], account_id=OTHER_ACCOUNT),
        )
    )


def huge_report(removals: int = 200, *, body_lines: int = 60) -> Report:
    """Far more diff text than any size limit allows (about 6 KB of patch per user by default)."""
    users = [(f"user{i:04d}", 10 + i) for i in range(removals)]
    return report(
        removal(user, line=line, patch=patch_for(user, line=line, body_lines=body_lines))
        for user, line in users
    )


def scaled_report(findings: int) -> Report:
    """A report of ``findings`` findings shaped like a real large one.

    0 is a clean run; 3 is one of each kind to act on; from 4 on, all but four are users to
    remove from code (each with a ~600-byte diff), three are unmanaged and one needs review,
    with a parse error and a note making the run incomplete and caveated."""
    if findings == 0:
        return report([], accounts=(account([], users_seen=12),))
    if findings == 3:
        return report([removal("alice"), unmanaged("carol"), needs_review("dave")])
    removals = [_realistic_removal(i) for i in range(findings - 4)]
    others = [unmanaged(f"legacy{i}") for i in range(3)] + [needs_review("deploy-bot")]
    return replace(
        report([*removals, *others], report_errors=errors()[:1]),
        notes=(
            Note(
                "module `git::https://example.com/iam.git`: IAM users it creates are not seen",
                file="infra/main.tf",
                line=4,
            ),
        ),
    )


def _realistic_removal(number: int) -> Finding:
    """A user with a long name, in a deep file, with a for_each address and three resources."""
    user = f"firstname.lastname-{number:04d}"
    file = "environments/production/eu-west-1/iam/people.tf"
    line = 10 + 8 * number
    address = f'module.people.aws_iam_user.this["{user}"]'
    decl = replace(declaration(user, file=file, line=line), address=address)
    return replace(
        removal(user, line=line, patch=patch_for(user, file=file, line=line, body_lines=12)),
        declarations=(decl,),
        remediation=Remediation(
            patch=patch_for(user, file=file, line=line, body_lines=12),
            destroys=(
                address,
                f'module.people.aws_iam_user_login_profile.this["{user}"]',
                f'module.people.aws_iam_user_group_membership.this["{user}"]',
            ),
        ),
    )


def needs_review(user: str) -> Finding:
    return simple(
        user, Status.NEEDS_REVIEW, "holds an SSH public key whose use AWS does not report"
    )
