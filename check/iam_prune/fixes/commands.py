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
    name = quote(user.name)
    details = user.details
    lines: list[str] = []
    if details is not None:
        lines.extend(
            f"# could not list {kind}: check them before deleting" for kind in details.unknown
        )
    if user.has_password:
        lines.append(f"aws iam delete-login-profile --user-name {name}")
    if details is None:
        lines.append(
            "# details were not read: list keys, certificates, MFA, policies and groups first"
        )
        lines.append(f"aws iam delete-user --user-name {name}")
        return tuple(lines)
    for key_id in details.access_key_ids:
        lines.append(
            f"aws iam delete-access-key --user-name {name} --access-key-id {quote(key_id)}"
        )
    for cert in details.signing_certificates:
        lines.append(
            f"aws iam delete-signing-certificate --user-name {name} "
            f"--certificate-id {quote(cert.certificate_id)}"
        )
    for key_id in details.ssh_public_key_ids:
        lines.append(
            f"aws iam delete-ssh-public-key --user-name {name} --ssh-public-key-id {quote(key_id)}"
        )
    for cred_id in details.service_credential_ids:
        lines.append(
            f"aws iam delete-service-specific-credential --user-name {name} "
            f"--service-specific-credential-id {quote(cred_id)}"
        )
    for serial in details.mfa_devices:
        lines.append(
            f"aws iam deactivate-mfa-device --user-name {name} --serial-number {quote(serial)}"
        )
        if ":mfa/" in serial:  # a virtual device (hardware serials are not ARNs)
            lines.append(f"aws iam delete-virtual-mfa-device --serial-number {quote(serial)}")
    for policy in details.inline_policies:
        lines.append(f"aws iam delete-user-policy --user-name {name} --policy-name {quote(policy)}")
    for arn in details.attached_policy_arns:
        lines.append(f"aws iam detach-user-policy --user-name {name} --policy-arn {quote(arn)}")
    for group in details.groups:
        lines.append(
            f"aws iam remove-user-from-group --user-name {name} --group-name {quote(group)}"
        )
    lines.append(f"aws iam delete-user --user-name {name}")
    return tuple(lines)
