"""The ordered AWS CLI commands that delete a user no code declares.

DeleteUser fails with DeleteConflict until everything attached to the user is gone, in the
order the API reference gives: login profile, access keys, signing certificates, SSH public
keys, service-specific credentials, MFA devices (deactivate, then delete a virtual device),
inline policies, attached managed policies, group memberships. iam-prune prints these; it never
runs them.
"""

from __future__ import annotations

from shlex import quote

from iam_prune.model import LiveUser


def delete_commands(user: LiveUser) -> tuple[str, ...]:
    """Every command, in an order that succeeds, ending with ``delete-user``.

    A credential kind that could not be listed becomes a comment line, so that the person
    running them sees the gap instead of a DeleteConflict.
    """
    name = _option("--user-name", user.name)
    details = user.details
    lines: list[str] = []
    if details is not None:
        lines.extend(
            f"# could not list {kind}: check them before deleting" for kind in details.unknown
        )
    if user.has_password:
        lines.append(f"aws iam delete-login-profile {name}")
    if details is None:
        lines.append(
            "# details were not read: list keys, certificates, MFA, policies and groups first"
        )
        lines.append(f"aws iam delete-user {name}")
        return tuple(lines)
    for key_id in details.access_key_ids:
        lines.append(f"aws iam delete-access-key {name} {_option('--access-key-id', key_id)}")
    for cert in details.signing_certificates:
        certificate = _option("--certificate-id", cert.certificate_id)
        lines.append(f"aws iam delete-signing-certificate {name} {certificate}")
    for key_id in details.ssh_public_key_ids:
        ssh_key = _option("--ssh-public-key-id", key_id)
        lines.append(f"aws iam delete-ssh-public-key {name} {ssh_key}")
    for cred_id in details.service_credential_ids:
        credential = _option("--service-specific-credential-id", cred_id)
        lines.append(f"aws iam delete-service-specific-credential {name} {credential}")
    for serial in details.mfa_devices:
        device = _option("--serial-number", serial)
        lines.append(f"aws iam deactivate-mfa-device {name} {device}")
        if ":mfa/" in serial:  # a virtual device (hardware serials are not ARNs)
            lines.append(f"aws iam delete-virtual-mfa-device {device}")
    for policy in details.inline_policies:
        lines.append(f"aws iam delete-user-policy {name} {_option('--policy-name', policy)}")
    for arn in details.attached_policy_arns:
        lines.append(f"aws iam detach-user-policy {name} {_option('--policy-arn', arn)}")
    for group in details.groups:
        lines.append(f"aws iam remove-user-from-group {name} {_option('--group-name', group)}")
    lines.append(f"aws iam delete-user {name}")
    return tuple(lines)


def _option(flag: str, value: str) -> str:
    """``flag value`` as the AWS CLI reads it, the value quoted for the shell.

    IAM names may start with ``-`` (``[\\w+=,.@-]+``), and the CLI's parser reads
    ``--user-name -old`` as a flag without its value followed by another flag:
    ``--user-name=-old`` is one argument."""
    return f"{flag}={quote(value)}" if value.startswith("-") else f"{flag} {quote(value)}"
