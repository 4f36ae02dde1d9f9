"""Per-user facts the credential report does not have, fetched only for candidates.

The report says nothing of SSH public keys, service-specific credentials, tags or certificate
ids, and the ordered delete commands need groups, policies and MFA devices. Fetching these for
every user would make calls grow with the account; fetching them only for the users a rule may
flag makes them grow with the findings. Where the report already says a kind is absent (no
keys, no certificates, no MFA), the call is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError

from iam_prune.aws import DENIED, AwsError, error_code
from iam_prune.model import LiveUser, SigningCertificate, UserDetails


def denied_message(operation: str, user: str | None = None, service: str = "iam") -> str:
    """The sentence a person needs: which action, and where the minimal policy is."""
    subject = f" for user {user!r}" if user else ""
    return (
        f"access denied to {service}:{operation}{subject}: add it to the scanning role's policy "
        "(README, section 'Permissions', lists the minimal policy)"
    )


#: The largest page IAM's List* calls serve (MaxItems); the default is 100.
PAGE_SIZE = 1000


def list_all(iam: Any, operation: str, key: str, **params: Any) -> list[Any]:
    """Every item of a listing, in pages as large as IAM serves, so a 5,000-user account
    takes 5 ListUsers calls, not 50."""
    if iam.can_paginate(operation):
        items: list[Any] = []
        pages = iam.get_paginator(operation).paginate(
            PaginationConfig={"PageSize": PAGE_SIZE}, **params
        )
        for page in pages:
            items.extend(page.get(key, []))
        return items
    return list(getattr(iam, operation)(**params).get(key, []))


def fetch_details(
    iam: Any, user: LiveUser, *, for_deletion: Callable[[], bool], from_report: bool
) -> tuple[UserDetails, list[str]]:
    """The user's hidden credentials and tags, plus what deleting it takes when asked.

    ``for_deletion`` is asked only after the calls every candidate needs: its answer comes
    from the Terraform code, and those calls need not wait for the code to be read.

    Returns the details and the problems met; a kind that could not be read is named in
    ``UserDetails.unknown`` so that the rules never assume it absent.
    """
    found: dict[str, Any] = {}
    unknown: list[str] = []
    problems: list[str] = []

    def read(label: str, operation: str, key: str, operation_name: str) -> list[Any]:
        try:
            return list_all(iam, operation, key, UserName=user.name)
        except ClientError as error:
            code = error_code(error)
            if code == "NoSuchEntity":
                return []
            unknown.append(label)
            if code in DENIED:
                problems.append(denied_message(operation_name, user.name))
            else:
                problems.append(f"iam:{operation_name} failed for user {user.name!r}: {code}")
            return []
        except BotoCoreError as error:  # an unparseable answer, a dropped connection
            unknown.append(label)
            problems.append(f"iam:{operation_name} failed for user {user.name!r}: {error}")
            return []

    found["ssh"] = read(
        "SSH public keys", "list_ssh_public_keys", "SSHPublicKeys", "ListSSHPublicKeys"
    )
    found["ssc"] = read(
        "service-specific credentials",
        "list_service_specific_credentials",
        "ServiceSpecificCredentials",
        "ListServiceSpecificCredentials",
    )
    found["tags"] = read("tags", "list_user_tags", "Tags", "ListUserTags")
    deleting = for_deletion()
    # The report already counts active certificates, which is all the rules need; the ids are
    # only needed to delete them, or when the facts came from the API path.
    skip_certificates = from_report and not deleting
    found["certs"] = (
        []
        if skip_certificates
        else read(
            "signing certificates",
            "list_signing_certificates",
            "Certificates",
            "ListSigningCertificates",
        )
    )
    if deleting:
        found["keys"] = (
            read("access keys", "list_access_keys", "AccessKeyMetadata", "ListAccessKeys")
            if user.access_keys
            else []
        )
        # Only the report says whether MFA is on; without it, ask.
        found["mfa"] = (
            read("MFA devices", "list_mfa_devices", "MFADevices", "ListMFADevices")
            if user.mfa_active or not from_report
            else []
        )
        found["inline"] = read(
            "inline policies", "list_user_policies", "PolicyNames", "ListUserPolicies"
        )
        found["attached"] = read(
            "attached policies",
            "list_attached_user_policies",
            "AttachedPolicies",
            "ListAttachedUserPolicies",
        )
        found["groups"] = read("groups", "list_groups_for_user", "Groups", "ListGroupsForUser")

    details = UserDetails(
        ssh_public_key_ids=tuple(k["SSHPublicKeyId"] for k in found["ssh"]),
        service_credential_ids=tuple(c["ServiceSpecificCredentialId"] for c in found["ssc"]),
        signing_certificates=tuple(
            SigningCertificate(c["CertificateId"], c.get("Status") == "Active")
            for c in found["certs"]
        ),
        tags=tuple((t["Key"], t["Value"]) for t in found["tags"]),
        access_key_ids=tuple(k["AccessKeyId"] for k in found.get("keys", [])),
        mfa_devices=tuple(d["SerialNumber"] for d in found.get("mfa", [])),
        inline_policies=tuple(found.get("inline", [])),
        attached_policy_arns=tuple(p["PolicyArn"] for p in found.get("attached", [])),
        groups=tuple(g["GroupName"] for g in found.get("groups", [])),
        unknown=tuple(unknown),
    )
    return details, problems


def raise_for_denied(error: ClientError, operation: str, service: str = "iam") -> NoReturn:
    """Turn an AccessDenied into an :class:`AwsError` naming the action; wrap others."""
    code = error_code(error)
    if code in DENIED:
        raise AwsError(denied_message(operation, service=service)) from error
    raise AwsError(
        f"{service}:{operation} failed: {code or error}{after_retries(error)}"
    ) from error


def after_retries(error: ClientError) -> str:
    """How hard the client tried, as botocore counted it: a throttled call that failed after
    retries reads differently from one that was never retried."""
    retries = error.response.get("ResponseMetadata", {}).get("RetryAttempts")
    return f" (after {retries} retries)" if retries else ""
