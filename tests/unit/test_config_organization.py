"""The organisation flags: what they build, and the combinations that make no sense."""

from __future__ import annotations

from pathlib import Path

import pytest

from iam_prune.accounts import Shard
from iam_prune.config import CONFIG_FILE, DEFAULT_CONCURRENCY, build
from iam_prune.configfile import ConfigError


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_organization_settings_from_flags(repo: Path) -> None:
    flags = {
        "organization": True,
        "role_name": "audit/iam-prune",
        "ous": ["ou-ab12-11111111", "ou-ab12-11111111"],
        "external_id": "x-1",
        "accounts": ["prod-*"],
        "shard": "2/4",
    }
    settings = build(flags, repo)
    assert settings.organization is not None
    assert settings.organization.role_name == "audit/iam-prune"
    assert settings.organization.external_id == "x-1"
    assert settings.accounts == ("prod-*",)
    assert settings.shard == Shard(2, 4)
    assert settings.concurrency == DEFAULT_CONCURRENCY


def test_organization_settings_from_the_config_file(repo: Path) -> None:
    (repo / CONFIG_FILE).write_text(
        'organization = true\nrole_name = "iam-prune"\nous = ["r-ab12"]\n'
        'exclude_accounts = ["sandbox-*"]\nconcurrency = 3\nsarif = "out.sarif"\n',
        encoding="utf-8",
    )
    settings = build({}, repo)
    assert settings.organization is not None
    assert settings.organization.ous == ("r-ab12",)
    assert settings.exclude_accounts == ("sandbox-*",)
    assert settings.concurrency == 3
    assert settings.sarif_path == Path("out.sarif")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"organization": True}, "--organization needs --role-name"),
        ({"role_name": "r"}, "--role-name is only used with --organization"),
        ({"ous": ["ou-1"]}, "--ou is only used with --organization"),
        (
            {"organization": True, "role_name": "r", "role_arns": ["arn:aws:iam::1:role/x"]},
            "give one of them",
        ),
        ({"organization": True, "role_name": "arn:aws:iam::1:role/x"}, "not its ARN"),
        ({"shard": "1/2"}, "--shard picks among the accounts"),
        ({"accounts": ["x"]}, "--accounts picks among the accounts"),
        ({"organization": True, "role_name": "r", "shard": "3/2"}, "expected I/N"),
        (
            {"organization": True, "role_name": "r", "concurrency": 0},
            r"concurrency \(--concurrency\) must be between 1 and 64",
        ),
    ],
)
def test_combinations_that_make_no_sense_are_refused(
    repo: Path, flags: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build(flags, repo)


ROLE = "arn:aws:iam::111111111111:role/iam-prune"


def test_role_arns_on_the_command_line_replace_the_files_organisation(repo: Path) -> None:
    (repo / CONFIG_FILE).write_text(
        'organization = true\nrole_name = "iam-prune-audit"\nous = ["r-ab12"]\n', encoding="utf-8"
    )
    settings = build({"role_arns": [ROLE]}, repo)
    assert settings.organization is None
    assert [t.role_arn for t in settings.targets] == [ROLE]


def test_the_organisation_on_the_command_line_replaces_the_files_roles(repo: Path) -> None:
    (repo / CONFIG_FILE).write_text(
        f'role_arns = ["{ROLE}"]\nrole_name = "iam-prune-audit"\n', encoding="utf-8"
    )
    settings = build({"organization": True}, repo)
    assert settings.organization is not None
    assert settings.organization.role_name == "iam-prune-audit"  # the file's, still wanted
    assert [t.role_arn for t in settings.targets] == [None]


def test_both_in_the_file_still_clash(repo: Path) -> None:
    (repo / CONFIG_FILE).write_text(
        f'role_arns = ["{ROLE}"]\norganization = true\nrole_name = "r"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="both choose the accounts"):
        build({}, repo)
