"""The ordered AWS CLI commands that delete an unmanaged user (printed, never run).

DeleteUser fails with DeleteConflict until everything attached is gone, in the API reference's
order: login profile, access keys, signing certificates, SSH keys, service-specific
credentials, MFA (deactivate, then delete a virtual device), inline policies, attached
policies, groups; then the user.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iam_prune.fixes.commands import delete_commands
from iam_prune.model import LiveUser, SigningCertificate, UserDetails

VIRTUAL_MFA = "arn:aws:iam::123456789012:mfa/alice"
HARDWARE_MFA = "GAHT12345678"


def user(
    name: str = "alice", *, has_password: bool = True, details: UserDetails | None = None
) -> LiveUser:
    return LiveUser(
        name=name,
        arn=f"arn:aws:iam::123456789012:user/{name}",
        created=datetime(2020, 1, 1, tzinfo=UTC),
        has_password=has_password,
        password_last_used=None,
        details=details,
    )


EVERYTHING = UserDetails(
    ssh_public_key_ids=("APKAEXAMPLE1",),
    service_credential_ids=("ACCAEXAMPLE1",),
    signing_certificates=(SigningCertificate("CERT1", True), SigningCertificate("CERT2", False)),
    tags=(("team", "data"),),
    access_key_ids=("AKIAEXAMPLE1", "AKIAEXAMPLE2"),
    mfa_devices=(VIRTUAL_MFA, HARDWARE_MFA),
    inline_policies=("s3-read",),
    attached_policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
    groups=("developers", "oncall"),
)


def test_exact_order_for_a_user_with_everything() -> None:
    assert delete_commands(user(details=EVERYTHING)) == (
        "aws iam delete-login-profile --user-name alice",
        "aws iam delete-access-key --user-name alice --access-key-id AKIAEXAMPLE1",
        "aws iam delete-access-key --user-name alice --access-key-id AKIAEXAMPLE2",
        "aws iam delete-signing-certificate --user-name alice --certificate-id CERT1",
        "aws iam delete-signing-certificate --user-name alice --certificate-id CERT2",
        "aws iam delete-ssh-public-key --user-name alice --ssh-public-key-id APKAEXAMPLE1",
        "aws iam delete-service-specific-credential --user-name alice "
        "--service-specific-credential-id ACCAEXAMPLE1",
        f"aws iam deactivate-mfa-device --user-name alice --serial-number {VIRTUAL_MFA}",
        f"aws iam delete-virtual-mfa-device --serial-number {VIRTUAL_MFA}",
        f"aws iam deactivate-mfa-device --user-name alice --serial-number {HARDWARE_MFA}",
        "aws iam delete-user-policy --user-name alice --policy-name s3-read",
        "aws iam detach-user-policy --user-name alice "
        "--policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess",
        "aws iam remove-user-from-group --user-name alice --group-name developers",
        "aws iam remove-user-from-group --user-name alice --group-name oncall",
        "aws iam delete-user --user-name alice",
    )


def _subcommands(lines: tuple[str, ...]) -> list[str]:
    return [shlex.split(line)[2] for line in lines if not line.startswith("#")]


def test_kinds_come_in_the_api_reference_order() -> None:
    stage = {
        "delete-login-profile": 0,
        "delete-access-key": 1,
        "delete-signing-certificate": 2,
        "delete-ssh-public-key": 3,
        "delete-service-specific-credential": 4,
        "deactivate-mfa-device": 5,  # deactivate and delete alternate per device
        "delete-virtual-mfa-device": 5,
        "delete-user-policy": 6,
        "detach-user-policy": 7,
        "remove-user-from-group": 8,
        "delete-user": 9,
    }
    seen = _subcommands(delete_commands(user(details=EVERYTHING)))
    stages = [stage[s] for s in seen]
    assert stages == sorted(stages)
    assert set(seen) == set(stage)
    assert seen.count("delete-user") == 1


def test_each_virtual_mfa_is_deactivated_before_it_is_deleted() -> None:
    lines = delete_commands(user(details=UserDetails(mfa_devices=(VIRTUAL_MFA,))))
    deactivate = next(i for i, line in enumerate(lines) if "deactivate-mfa-device" in line)
    delete = next(i for i, line in enumerate(lines) if "delete-virtual-mfa-device" in line)
    assert deactivate < delete


def test_hardware_mfa_is_only_deactivated() -> None:
    lines = delete_commands(user(details=UserDetails(mfa_devices=(HARDWARE_MFA,))))
    assert not any("delete-virtual-mfa-device" in line for line in lines)
    assert any(HARDWARE_MFA in line and "deactivate-mfa-device" in line for line in lines)


def test_no_login_profile_line_without_a_password() -> None:
    lines = delete_commands(user(has_password=False, details=UserDetails()))
    assert lines == ("aws iam delete-user --user-name alice",)


def test_unknown_kinds_become_comment_lines() -> None:
    details = UserDetails(unknown=("service-specific credentials", "groups"), groups=())
    lines = delete_commands(user(details=details))
    comments = [line for line in lines if line.startswith("#")]
    assert len(comments) == 2
    assert "service-specific credentials" in comments[0]
    assert "groups" in comments[1]
    assert lines[-1] == "aws iam delete-user --user-name alice"
    # comments never reach a shell as commands
    assert all(line.startswith(("#", "aws iam ")) for line in lines)


def test_without_details_the_gap_is_said_and_the_user_still_deleted_last() -> None:
    lines = delete_commands(user(details=None))
    assert lines[0] == "aws iam delete-login-profile --user-name alice"
    assert any(line.startswith("#") and "details were not read" in line for line in lines)
    assert lines[-1] == "aws iam delete-user --user-name alice"


def options(line: str) -> dict[str, str]:
    """A command's options as the shell and then the AWS CLI's parser read them: ``--flag
    value``, where a value that starts with ``-`` would be read as another flag, or
    ``--flag=value``."""
    argv = shlex.split(line)
    assert argv[:2] == ["aws", "iam"]
    found: dict[str, str] = {}
    rest = argv[3:]
    while rest:
        flag, *rest = rest
        assert flag.startswith("--"), line
        if "=" in flag:
            flag, value = flag.split("=", 1)
        else:
            value, *rest = rest
            assert not value.startswith("-"), f"the CLI reads {flag} without its value: {line}"
        found[flag] = value
    return found


@pytest.mark.parametrize(
    "name",
    ["a b", "o'brien", 'say "hi"', "$(rm -rf /)", "a;b", "back`tick`", "new\nline", "-dash"],
)
def test_names_are_shell_quoted(name: str) -> None:
    details = UserDetails(
        access_key_ids=("AKIA 1",), groups=("g'1",), inline_policies=("p;1",), mfa_devices=()
    )
    lines = delete_commands(user(name, details=details))
    for line in lines:
        assert options(line)["--user-name"] == name
    assert options(lines[1])["--access-key-id"] == "AKIA 1"
    group_line = next(line for line in lines if "remove-user-from-group" in line)
    assert options(group_line)["--group-name"] == "g'1"
    policy_line = next(line for line in lines if "delete-user-policy" in line)
    assert options(policy_line)["--policy-name"] == "p;1"


def test_a_value_starting_with_a_dash_is_joined_to_its_flag() -> None:
    """IAM allows ``-old`` as a user, group or policy name; ``--user-name -old`` makes the AWS
    CLI stop with "expected one argument"."""
    details = UserDetails(groups=("-ops",), inline_policies=("-p",))
    lines = delete_commands(user("-old", details=details))
    assert lines[-1] == "aws iam delete-user --user-name=-old"
    assert "aws iam remove-user-from-group --user-name=-old --group-name=-ops" in lines
    assert "aws iam delete-user-policy --user-name=-old --policy-name=-p" in lines
    assert delete_commands(user("alice"))[-1] == "aws iam delete-user --user-name alice"


# --------------------------------------------------------------------------- properties

names = st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s)
ids = st.lists(st.text(min_size=1, max_size=12).filter(lambda s: "\x00" not in s), max_size=2)


@given(
    name=names,
    has_password=st.booleans(),
    key_ids=ids,
    groups=ids,
    unknown=st.lists(st.sampled_from(["tags", "groups", "MFA devices"]), max_size=2),
)
def test_always_ends_with_delete_user_and_round_trips_through_shlex(
    name: str, has_password: bool, key_ids: list[str], groups: list[str], unknown: list[str]
) -> None:
    details = UserDetails(
        access_key_ids=tuple(key_ids), groups=tuple(groups), unknown=tuple(unknown)
    )
    lines = delete_commands(user(name, has_password=has_password, details=details))
    assert shlex.split(lines[-1])[:3] == ["aws", "iam", "delete-user"]
    assert options(lines[-1]) == {"--user-name": name}
    assert sum(line.startswith("#") for line in lines) == len(unknown)
    commands = [line for line in lines if not line.startswith("#")]
    assert all(options(line)["--user-name"] == name for line in commands)
    verbs = [shlex.split(line)[2] for line in commands]
    assert verbs.count("delete-login-profile") == int(has_password)
    parsed = [(verb, options(line)) for verb, line in zip(verbs, commands, strict=True)]
    assert [o["--access-key-id"] for verb, o in parsed if verb == "delete-access-key"] == key_ids
    assert [o["--group-name"] for verb, o in parsed if verb == "remove-user-from-group"] == groups
