"""One error path: whatever fails after the arguments are parsed ends in exit 2, the error on
stderr, and the requested report saying ``complete: false`` — config errors and crashes too,
with or without IAM_PRUNE_DEBUG."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

import iam_prune
from iam_prune import cli
from iam_prune.cli import main


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(
        'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    for key in ("GITHUB_ACTIONS", "IAM_PRUNE_DEBUG"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


def written(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert report["complete"] is False
    assert report["accounts"] == []
    return report


@pytest.mark.parametrize(
    ("flags", "key"),
    [
        (["--inactive-days", "1000000000000"], "inactive_days (--inactive-days)"),
        (["--inactive-days", "0"], "inactive_days (--inactive-days)"),
        (["--grace-days", str(10**12)], "grace_days (--grace-days)"),
        (["--grace-days", "-1"], "grace_days (--grace-days)"),
        (["--report-wait", "nan"], "report_wait (--report-wait)"),
        (["--report-wait", "inf"], "report_wait (--report-wait)"),
        (["--report-wait", "3601"], "report_wait (--report-wait)"),
        (["--report-wait", "-1"], "report_wait (--report-wait)"),
    ],
)
def test_numbers_out_of_range_are_config_errors_naming_the_key(
    repo: Path, flags: list[str], key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--terraform-dir", "infra", "--json", "r.json", *flags]) == 2
    err = capsys.readouterr().err
    assert key in err
    (error,) = written(repo / "r.json")["errors"]
    assert error["source"] == "config"
    assert key in error["message"]
    assert "file" not in error  # a flag's value: the message names the flag


@pytest.mark.parametrize(
    ("toml", "says", "line"),
    [
        ("inactive_days = 1000000000000\n", "inactive_days", 3),
        ("grace_days = 1000000000000\n", "grace_days", 3),
        ("report_wait = nan\n", "report_wait", 3),
        ("report_wait = inf\n", "report_wait", 3),
        ("grace_days = 7\nfial_on = 'never'\n", "did you mean 'fail_on'", 4),
    ],
)
def test_a_config_file_error_writes_the_report_the_file_asks_for(
    repo: Path, toml: str, says: str, line: int
) -> None:
    (repo / ".iam-prune.toml").write_text(
        f'terraform_dirs = ["infra"]\njson = "from-config.json"\n{toml}', encoding="utf-8"
    )
    assert main(["scan"]) == 2
    (error,) = written(repo / "from-config.json")["errors"]
    assert says in error["message"]
    assert (error["file"], error["line"]) == (".iam-prune.toml", line)
    assert ".iam-prune.toml" not in error["message"]  # the place is in its fields


def test_a_config_file_that_is_not_toml_names_the_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".iam-prune.toml").write_text('terraform_dirs = ["infra"]\n\nfail_on = = 3\n')
    assert main(["scan", "--json", "r.json"]) == 2
    assert ".iam-prune.toml:3: Invalid value" in capsys.readouterr().err
    (error,) = written(repo / "r.json")["errors"]
    assert (error["file"], error["line"]) == (".iam-prune.toml", 3)


def test_a_config_file_that_is_not_utf8_is_named(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".iam-prune.toml").write_bytes(b'terraform_dirs = ["infra"]\n# caf\xe9\n')
    assert main(["scan", "--json", "r.json"]) == 2
    err = capsys.readouterr().err
    assert ".iam-prune.toml: not UTF-8" in err
    assert "unexpected" not in err
    written(repo / "r.json")


@pytest.mark.parametrize("debug", ["", "1"])
def test_a_crash_exits_2_with_a_report_with_or_without_debug(
    repo: Path,
    debug: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def crash(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "run", crash)
    if debug:
        monkeypatch.setenv("IAM_PRUNE_DEBUG", debug)
    for command in (["scan"], ["fix"], ["fix", "--dry-run"]):
        assert main([*command, "--terraform-dir", "infra", "--json", "r.json"]) == 2
        err = capsys.readouterr().err
        assert "unexpected RuntimeError: a bug" in err
        assert ("Traceback" in err) == bool(debug)
        (error,) = written(repo / "r.json")["errors"]
        assert "a bug" in error["message"]
        (repo / "r.json").unlink()


def test_the_console_script_exits_2_on_a_crash_in_debug_mode(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: Any, **__: Any) -> Any:
        raise KeyError("x")

    monkeypatch.setattr(cli, "run", crash)
    monkeypatch.setenv("IAM_PRUNE_DEBUG", "1")
    monkeypatch.setattr("sys.argv", ["iam-prune", "scan", "--terraform-dir", "infra"])

    def leave(code: int) -> None:  # the script's hard exit, as an exception in this process
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", leave)
    with pytest.raises(SystemExit) as ended:
        iam_prune.console()
    assert ended.value.code == 2


def test_the_console_script_imports_nothing_heavy_before_it_runs() -> None:
    """A spawned parse worker runs the parent's main script again: the installed script must
    not import the command line (boto3, the formats) at its top, only when called."""
    (script,) = entry_points(group="console_scripts", name="iam-prune")
    module, _, function = script.value.partition(":")
    probe = (
        f"import sys, {module}; assert callable({module}.{function}); "
        "print(sorted(m for m in ('iam_prune.cli', 'boto3', 'hcl2') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


#: Streams buffered as a terminal-less run has them (this machine may set PYTHONUNBUFFERED).
_BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
_LEAVE_AFTER_WRITING = (
    "import sys; from iam_prune.terminal import leave; "
    "sys.stdout.write('patch line\\n' * 2000); sys.stderr.write('last words'); leave(3)"
)


def test_leaving_flushes_what_the_run_buffered_and_keeps_its_exit_code() -> None:
    """The console script skips the interpreter's teardown: the standard streams are all
    that is flushed on the way out, so a pipe's reader must still get every byte."""
    done = subprocess.run(
        [sys.executable, "-c", _LEAVE_AFTER_WRITING],
        capture_output=True,
        text=True,
        check=False,
        env=_BUFFERED,
    )
    assert done.returncode == 3
    assert done.stdout == "patch line\n" * 2000
    assert done.stderr == "last words"


def test_leaving_into_a_pipe_nobody_reads_keeps_the_exit_code_and_prints_no_traceback() -> None:
    """``| head -1`` closes the pipe early; Python's own teardown would print ``Exception
    ignored ... BrokenPipeError`` and exit 120 in place of the run's code."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _LEAVE_AFTER_WRITING.replace("* 2000", "* 10")],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            env=_BUFFERED,
        )
    finally:
        os.close(write)
    assert done.returncode == 3
    assert done.stderr == "last words"


def test_in_actions_a_config_error_still_sets_the_outputs(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = repo / "outputs.txt"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(repo / "summary.md"))
    assert main(["scan", "--terraform-dir", "infra", "--grace-days", "-3", "--json", "r.json"]) == 2
    text = outputs.read_text(encoding="utf-8")
    assert "complete=false" in text
    assert "exit-code=2" in text
    assert "findings=\n" in text  # not 0: nothing was looked at
