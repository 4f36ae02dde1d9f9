"""Settings: the config file, the flags that override it, and the errors that name the bad key."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from iam_prune.config import (
    CONFIG_FILE,
    ConfigExemption,
    FailOn,
    Settings,
    build,
    find_root,
)
from iam_prune.configfile import ConfigError, read_file

NO_FLAGS: dict[str, Any] = {
    "terraform_dirs": None,
    "config": None,
    "json": None,
    "junit": None,
    "markdown": None,
    "inactive_days": None,
    "grace_days": None,
    "fail_on": None,
    "report_wait": None,
    "profile": None,
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def write_config(root: Path, body: str) -> Path:
    path = root / CONFIG_FILE
    path.write_text(body, encoding="utf-8")
    return path


def settings(root: Path, cwd: Path | None = None, **flags: Any) -> Settings:
    return build({**NO_FLAGS, **flags}, cwd or root)


# --------------------------------------------------------------------------- defaults and overrides


def test_defaults_without_a_file(repo: Path) -> None:
    s = settings(repo)
    assert s.root == repo.resolve()
    assert s.terraform_dirs == ()
    assert s.inactive_days is None
    assert s.grace_days == 7
    assert s.fail_on is FailOn.FINDINGS
    assert s.report_wait == 120.0
    assert s.exemptions == ()
    assert s.config_file is None


def test_file_values_are_read(repo: Path) -> None:
    path = write_config(
        repo,
        'terraform_dirs = ["infra"]\ninactive_days = 90\ngrace_days = 14\nfail_on = "managed"\n'
        'json = "out/report.json"\nreport_wait = 30\nprofile = "audit"\n',
    )
    s = settings(repo)
    assert s.terraform_dirs == ((repo / "infra").resolve(),)
    assert s.inactive_days == 90
    assert s.grace_days == 14
    assert s.fail_on is FailOn.MANAGED
    assert s.json_path == Path("out/report.json")
    assert s.report_wait == 30.0
    assert s.profile == "audit"
    assert s.config_file == path


def test_flags_override_file_values(repo: Path) -> None:
    write_config(
        repo,
        'terraform_dirs = ["infra"]\ninactive_days = 90\ngrace_days = 14\nfail_on = "managed"\n'
        'profile = "audit"\njunit = "a.xml"\n',
    )
    s = settings(
        repo,
        terraform_dirs=["other"],
        inactive_days=30,
        grace_days=3,
        fail_on="never",
        profile="admin",
        junit="b.xml",
    )
    assert s.terraform_dirs == ((repo / "other").resolve(),)
    assert s.inactive_days == 30
    assert s.grace_days == 3
    assert s.fail_on is FailOn.NEVER
    assert s.profile == "admin"
    assert s.junit_path == Path("b.xml")


def test_grace_days_zero_is_kept(repo: Path) -> None:
    assert settings(repo, grace_days=0).grace_days == 0
    write_config(repo, "grace_days = 0\n")
    assert settings(repo).grace_days == 0


def test_report_wait_zero_is_kept(repo: Path) -> None:
    assert settings(repo, report_wait=0.0).report_wait == 0.0


def test_negative_values_are_rejected(repo: Path) -> None:
    with pytest.raises(ConfigError, match="grace_days"):
        settings(repo, grace_days=-1)
    with pytest.raises(ConfigError, match="inactive_days"):
        settings(repo, inactive_days=0)


# --------------------------------------------------------------------------- terraform_dirs


def test_terraform_dirs_from_the_file_are_relative_to_the_files_directory(repo: Path) -> None:
    write_config(repo, 'terraform_dirs = ["infra", "modules/users"]\n')
    deep = repo / "sub" / "dir"
    deep.mkdir(parents=True)
    s = settings(repo, cwd=deep)
    assert s.root == repo.resolve()
    assert s.terraform_dirs == (
        (repo / "infra").resolve(),
        (repo / "modules" / "users").resolve(),
    )


def test_terraform_dirs_from_an_explicit_config_elsewhere(repo: Path) -> None:
    conf_dir = repo / "configs"
    conf_dir.mkdir()
    path = conf_dir / "prod.toml"
    path.write_text('terraform_dirs = ["../infra"]\n', encoding="utf-8")
    s = settings(repo, config=str(path))
    assert s.terraform_dirs == ((repo / "infra").resolve(),)
    assert s.config_file == path


def test_terraform_dirs_from_flags_are_relative_to_cwd(repo: Path) -> None:
    write_config(repo, 'terraform_dirs = ["infra"]\n')
    cwd = repo / "sub"
    cwd.mkdir()
    s = settings(repo, cwd=cwd, terraform_dirs=["tf"])
    assert s.terraform_dirs == ((cwd / "tf").resolve(),)


def test_find_root_finds_the_directory_holding_git(repo: Path) -> None:
    deep = repo / "a" / "b" / "c"
    deep.mkdir(parents=True)
    assert find_root(deep) == repo.resolve()
    assert find_root(repo) == repo.resolve()


def test_find_root_accepts_a_git_file(tmp_path: Path) -> None:
    # worktrees and submodules have a .git file, not a directory
    (tmp_path / ".git").write_text("gitdir: /elsewhere\n", encoding="utf-8")
    inner = tmp_path / "x"
    inner.mkdir()
    assert find_root(inner) == tmp_path.resolve()


def test_config_file_is_looked_up_at_the_root_not_cwd(repo: Path) -> None:
    write_config(repo, "grace_days = 21\n")
    sub = repo / "sub"
    sub.mkdir()
    assert settings(repo, cwd=sub).grace_days == 21


# --------------------------------------------------------------------------- errors


def test_unknown_key_names_the_closest_known_key(repo: Path) -> None:
    path = write_config(repo, "grace_day = 3\n")
    with pytest.raises(ConfigError) as caught:
        read_file(path)
    message = str(caught.value)
    assert "'grace_day'" in message
    assert "did you mean 'grace_days'" in message
    assert str(path) in message


def test_unknown_key_far_from_all_keys_has_no_hint(repo: Path) -> None:
    path = write_config(repo, "zzzzzz = 3\n")
    with pytest.raises(ConfigError, match="unknown key 'zzzzzz'") as caught:
        read_file(path)
    assert "did you mean" not in str(caught.value)


def test_unknown_key_inside_exempt(repo: Path) -> None:
    write_config(
        repo, '[[exempt]]\nuser = "svc-*"\nreason = "bots"\n\n[[exempt]]\nuser = "x"\nreson = "y"\n'
    )
    with pytest.raises(ConfigError) as caught:
        settings(repo)
    message = str(caught.value)
    assert "[[exempt]] entry 2" in message
    assert "'reson'" in message
    assert "did you mean 'reason'" in message


@pytest.mark.parametrize("reason", ['reason = ""\n', 'reason = "   "\n', ""])
def test_exempt_without_reason_is_an_error(repo: Path, reason: str) -> None:
    write_config(repo, f'[[exempt]]\nuser = "svc-ci"\n{reason}')
    with pytest.raises(ConfigError, match="reason") as caught:
        settings(repo)
    assert "svc-ci" in str(caught.value)


def test_exempt_without_user_is_an_error(repo: Path) -> None:
    write_config(repo, '[[exempt]]\nreason = "why"\n')
    with pytest.raises(ConfigError, match="user"):
        settings(repo)


@pytest.mark.parametrize("until", ['"2027-13-01"', '"soon"', '"01/02/2027"'])
def test_bad_until_is_an_error(repo: Path, until: str) -> None:
    write_config(repo, f'[[exempt]]\nuser = "svc-ci"\nreason = "ci"\nuntil = {until}\n')
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        settings(repo)


def test_exemptions_parse_dates_as_toml_dates_or_strings(repo: Path) -> None:
    write_config(
        repo,
        '[[exempt]]\nuser = "svc-*"\nreason = " bots "\nuntil = 2027-01-01\n\n'
        '[[exempt]]\nuser = "legacy"\nreason = "old"\nuntil = "2026-06-30"\n\n'
        '[[exempt]]\nuser = "forever"\nreason = "root-like"\n',
    )
    assert settings(repo).exemptions == (
        ConfigExemption("svc-*", "bots", date(2027, 1, 1)),
        ConfigExemption("legacy", "old", date(2026, 6, 30)),
        ConfigExemption("forever", "root-like", None),
    )


def test_fail_on_invalid_lists_the_choices(repo: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(repo, fail_on="always")
    message = str(caught.value)
    assert "'always'" in message
    for choice in FailOn:
        assert choice.value in message


def test_fail_on_invalid_in_the_file(repo: Path) -> None:
    write_config(repo, 'fail_on = "sometimes"\n')
    with pytest.raises(ConfigError, match="sometimes"):
        settings(repo)


@pytest.mark.parametrize(
    "body",
    ['grace_days = "7"\n', "inactive_days = true\n", 'terraform_dirs = "infra"\n', "exempt = 1\n"],
)
def test_wrong_types_are_errors(repo: Path, body: str) -> None:
    path = write_config(repo, body)
    key = body.split(" ", 1)[0]
    with pytest.raises(ConfigError, match=f"'{key}' has the wrong type") as caught:
        read_file(path)
    assert str(caught.value).startswith(f"{path}:1: ")


def test_errors_in_the_file_name_its_line(repo: Path) -> None:
    """tomllib gives values, not lines: the line comes from the text."""
    head = '# policy\nterraform_dirs = [\n  "infra",\n]\n'
    cases = {
        "grace_dayz = 3\n": (5, "unknown key 'grace_dayz'"),
        '"grace_days" = "7"\n': (5, "'grace_days' has the wrong type"),
        "grace_days = -1\n": (5, "grace_days (--grace-days) must be between 0"),
        "concurrency = 0\n": (5, "concurrency (--concurrency) must be between 1"),
        'ous = ["ou-1"]\n': (5, "--ou is only used with --organization"),
        '\n[[exemptions]]\nuser = "x"\n': (6, "unknown key 'exemptions'"),
        "grace.days = 3\n": (5, "unknown key 'grace'"),
        'exempt = [{user = "x"}]\n': (5, "[[exempt]] entry 1 (x) needs a 'reason'"),
        (
            'organization = true\nrole_name = "r"\n'
            'role_arns = ["arn:aws:iam::111111111111:role/a"]\n'
        ): (7, "both choose the accounts"),
        'external_id = "x"\n': (5, "--external-id is only used with"),
        "report_wait = 99999\n": (5, "report_wait (--report-wait) must be between 0"),
        'fail_on = "sometimes"\n': (5, "fail_on must be one of"),
        'role_arns = ["arn:aws:iam::111111111111:role/a"]\nshard = "3/2"\n': (6, "3/2"),
        'cache = true\n\n[[exempt]]\nuser = "a"\nreason = "r"\n\n  [[ exempt ]]\nuser = "b"\n': (
            11,
            "[[exempt]] entry 2 (b) needs a 'reason'",
        ),
    }
    for body, (line, message) in cases.items():
        path = write_config(repo, head + body)
        with pytest.raises(ConfigError) as caught:
            settings(repo)
        assert f"{path}:{line}: " in str(caught.value) and message in str(caught.value), body


def test_values_checked_later_still_name_their_line(repo: Path) -> None:
    """Folders, files and roles are checked once the settings are built (a flag's the same
    way); one from the file still names its line."""
    from iam_prune.config import validate

    (repo / "infra").mkdir()
    (repo / "infra" / "main.tf").write_text("", encoding="utf-8")
    cases = {
        'terraform_dirs = ["infra", "missing"]\n': (1, "missing: no such directory"),
        'terraform_dirs = ["infra"]\n\nvar_files = ["nope.tfvars"]\n': (3, "no such file"),
        'terraform_dirs = ["infra"]\nstate = "nope.tfstate"\n': (2, "no such file"),
        'terraform_dirs = ["infra"]\nrole_arns = ["not-an-arn"]\n': (2, "is not a role ARN"),
        'terraform_dirs = ["infra"]\nrole_arns = [\n  "arn:aws:iam::111111111111:role/a",\n'
        '  "arn:aws:iam::111111111111:role/b",\n]\n': (2, "both in account"),
        'terraform_dirs = ["infra"]\n[exempt]\nuser = "x"\n': (2, "'exempt' has the wrong type"),
    }
    for body, (line, message) in cases.items():
        path = write_config(repo, body)
        with pytest.raises(ConfigError) as caught:
            validate(settings(repo))
        assert caught.value.place is not None and caught.value.place.line == line, body
        assert str(caught.value).startswith(f"{path}:{line}: ") and message in str(caught.value)
    write_config(repo, 'terraform_dirs = ["infra"]\n')
    with pytest.raises(ConfigError) as caught:
        validate(settings(repo, terraform_dirs=["elsewhere"]))
    assert caught.value.place is None  # a flag


def test_a_bad_flag_is_not_blamed_on_the_file(repo: Path) -> None:
    path = write_config(repo, "grace_days = 3\n")
    with pytest.raises(ConfigError) as caught:
        settings(repo, grace_days=-2)
    assert str(path) not in str(caught.value)
    assert "grace_days (--grace-days) must be between 0" in str(caught.value)


def test_invalid_toml_is_a_config_error_naming_the_file(repo: Path) -> None:
    path = write_config(repo, "grace_days = = 3\n")
    with pytest.raises(ConfigError, match=CONFIG_FILE):
        settings(repo)
    assert path.exists()


def test_missing_explicit_config_is_an_error(repo: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        settings(repo, config=str(repo / "nope.toml"))


def test_toml_datetime_until_is_a_date_or_an_error(repo: Path) -> None:
    write_config(repo, '[[exempt]]\nuser = "alice"\nreason = "r"\nuntil = 2099-01-01T00:00:00\n')
    try:
        entries = settings(repo).exemptions
    except ConfigError:
        return  # rejecting it is fine too
    assert type(entries[0].until) is date
    assert entries[0].until == date(2099, 1, 1)


def test_the_same_role_twice_is_scanned_once_and_two_roles_of_one_account_are_refused(
    tmp_path: Path,
) -> None:
    from iam_prune.config import build
    from iam_prune.configfile import ConfigError

    a = "arn:aws:iam::111111111111:role/audit"
    b = "arn:aws:iam::222222222222:role/audit"
    settings = build({"role_arns": [a, b, a]}, tmp_path)
    assert [t.role_arn for t in settings.targets] == [a, b]
    other = "arn:aws:iam::111111111111:role/other"
    with pytest.raises(ConfigError, match="are both in account 111111111111"):
        build({"role_arns": [a, other]}, tmp_path)
