"""Faults on the Terraform side: `fix` writes every file or none, and a partial view of the
code is never a clean pass nor a reason to call a user unmanaged.

bob (unused) is declared in users.tf and referred to from access.tf and outputs.tf; ghost
(unused) is declared nowhere. The account is moto's server on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iam_prune import cli
from iam_prune.cli import main
from iam_prune.publish import worktree
from iam_prune.terraform.parse import parse_file

SPEC = {
    "users": [
        {"name": "bob", "created_days_ago": 200},
        {"name": "ghost", "created_days_ago": 200},
        {"name": "alice", "created_days_ago": 200, "password": {"last_used_days_ago": 1}},
    ]
}
# users.tf is large, as in the report of a kill that left it empty.
USERS = (
    'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n\n'
    'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n'
    + "".join(f'\nresource "aws_iam_group" "g{n}" {{\n  name = "g{n}"\n}}\n' for n in range(400))
)
ACCESS = (
    'resource "aws_iam_user_policy_attachment" "bob" {\n'
    "  user       = aws_iam_user.bob.name\n"
    '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n'
)
OUTPUTS = 'output "bob_arn" {\n  value = aws_iam_user.bob.arn\n}\n'
TREE = {"users.tf": USERS, "access.tf": ACCESS, "outputs.tf": OUTPUTS}


@pytest.fixture
def infra(repo: Path, seed_account: Any) -> Path:
    seed_account(SPEC)
    folder = repo / "infra"
    folder.mkdir()
    for name, text in TREE.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def report_of(repo: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    return loaded


def status(report: dict[str, Any], user: str) -> str:
    found = [f for a in report["accounts"] for f in a["findings"] if f["user"] == user]
    return str(found[0]["status"])


# --------------------------------------------------------------------------- broken trees


def test_a_fix_killed_between_renames_is_rolled_back_by_the_next_run(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(infra)
    env = {**os.environ, worktree.KILL_AFTER_RENAMES: "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    code = "import sys; from iam_prune.cli import main; sys.exit(main(sys.argv[1:]))"
    killed = subprocess.run(
        [sys.executable, "-c", code, "fix", "--terraform-dir", str(infra), "--no-cache"],
        cwd=infra.parent,
        env=env,
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    half = snapshot(infra)
    changed = [name for name in TREE if half[name] != before[name]]
    assert len(changed) == 1  # one rename done, the others not: the tree is mixed
    for name in changed:  # and the file renamed is whole: it parses, bob is gone from it
        text = half[name].decode("utf-8")
        parse_file(name, text)
        assert "bob" not in text
    assert (infra.parent / worktree.JOURNAL).exists()

    # A scan sees the journal and does not call the tree clean.
    assert main(["scan", "--terraform-dir", str(infra), "--json", "r.json"]) == 2
    assert any(worktree.JOURNAL in e["message"] for e in report_of(infra.parent)["errors"])

    # A dry run writes nothing, not even the repair, and does not pass either.
    assert main(["fix", "--dry-run", "--terraform-dir", str(infra)]) == 2
    assert snapshot(infra) == half

    # The next fix restores every original first, then runs to the end.
    capsys.readouterr()
    assert main(["fix", "--terraform-dir", str(infra)]) == 0
    restored = capsys.readouterr().err
    assert all(f"restored {infra / name}" in restored for name in TREE)
    assert not (infra.parent / worktree.JOURNAL).exists()
    for name in TREE:
        parse_file(name, (infra / name).read_text(encoding="utf-8"))
    assert "bob" not in (infra / "users.tf").read_text(encoding="utf-8")
    assert not (infra / "access.tf").read_text(encoding="utf-8").strip()
    assert not [p for p in infra.iterdir() if p.name.startswith(".")]


def test_a_read_only_file_stops_the_fix_before_anything_is_written(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The write bit is checked even as root, who could write anyway: someone marked it so.
    (infra / "access.tf").chmod(0o444)
    before = snapshot(infra)
    assert main(["fix", "--terraform-dir", str(infra)]) == 2
    assert snapshot(infra) == before
    err = capsys.readouterr().err
    assert "infra/access.tf: is read-only" in err
    assert "nothing written" in err


def test_a_file_changed_between_scan_and_write_is_not_overwritten(
    infra: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_run = cli.run
    appended = '\nresource "aws_iam_user" "carol" {\n  name = "carol"\n}\n'

    def run_then_edit(*args: Any, **kwargs: Any) -> Any:
        outcome = real_run(*args, **kwargs)
        with (infra / "users.tf").open("a", encoding="utf-8") as users:
            users.write(appended)  # someone saves the file while the check runs
        return outcome

    monkeypatch.setattr(cli, "run", run_then_edit)
    before = snapshot(infra)
    assert main(["fix", "--terraform-dir", str(infra)]) == 2
    after = snapshot(infra)
    assert after["users.tf"].decode().endswith(appended)
    assert {k: v for k, v in after.items() if k != "users.tf"} == {
        k: v for k, v in before.items() if k != "users.tf"
    }
    assert "infra/users.tf: changed since iam-prune read it" in capsys.readouterr().err


def test_fix_refuses_when_a_file_of_the_folder_does_not_parse(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (infra / "locals.tf").write_text(
        "locals {\n  who = aws_iam_user.bob.name\n  broken = [\n}\n", encoding="utf-8"
    )
    before = snapshot(infra)
    assert main(["fix", "--terraform-dir", str(infra)]) == 2
    assert snapshot(infra) == before
    err = capsys.readouterr().err
    assert "fix refused" in err
    assert "infra/locals.tf" in err


def test_an_unclosed_file_the_prefilter_skips_is_parsed_and_stops_the_fix(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No variable, local, module or user type in it: the text prefilter alone would skip it.
    (infra / "outputs.tf").write_text(OUTPUTS.rstrip("}\n") + "\n", encoding="utf-8")
    before = snapshot(infra)
    assert main(["scan", "--terraform-dir", str(infra), "--json", "r.json"]) == 2
    report = report_of(infra.parent)
    assert report["complete"] is False
    assert any(e.get("file") == "infra/outputs.tf" for e in report["errors"])
    assert main(["fix", "--terraform-dir", str(infra)]) == 2
    assert snapshot(infra) == before
    assert "infra/outputs.tf" in capsys.readouterr().err


def test_a_broken_file_that_names_no_user_still_stops_the_scan_and_the_fix(
    infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Terraform cannot plan a folder with a broken file, so neither is a patch there to be
    trusted: the scan is incomplete and `fix` writes nothing."""
    (infra / "buckets.tf").write_text(
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n', encoding="utf-8"
    )
    before = snapshot(infra)
    assert main(["scan", "--terraform-dir", str(infra), "--json", "r.json"]) == 2
    report = report_of(infra.parent)
    assert report["complete"] is False
    [error] = [e for e in report["errors"] if e.get("file") == "infra/buckets.tf"]
    assert error["line"] == 3
    assert main(["fix", "--terraform-dir", str(infra)]) == 2
    assert snapshot(infra) == before
    assert "infra/buckets.tf" in capsys.readouterr().err


# --------------------------------------------------------------------------- false clean


def _no_read_permission(folder: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file whatever its mode; the symbolic link cases cover root")
    (folder / "team.tf").write_text('resource "aws_iam_user" "ghost" {}\n', encoding="utf-8")
    (folder / "team.tf").chmod(0)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda f: (f / "team.tf").symlink_to(f / "missing.tf"), id="dangling-link"),
        pytest.param(lambda f: (f / "team.tf").symlink_to(f / "team.tf"), id="looping-link"),
        pytest.param(_no_read_permission, id="no-permission"),
    ],
)
def test_an_unreadable_file_keeps_undeclared_users_in_review(
    infra: Path, make: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    make(infra)
    code = main(["scan", "--terraform-dir", str(infra), "--json", "r.json", "--fail-on", "managed"])
    assert code == 2
    report = report_of(infra.parent)
    assert report["complete"] is False
    assert any(e.get("file") == "infra/team.tf" for e in report["errors"])
    assert status(report, "ghost") == "needs-review"
    assert "delete-user" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "says", "ghost"),
    [
        ("x.tf", b"\x00\x01binary\x00" * 20, "binary", "delete-unmanaged"),
        (
            "x.tf",
            b'resource "aws_iam_user" "ghost" {\n  name = "gh\xffost"\n}\n',
            "not UTF-8",
            "needs-review",
        ),
        ("x.tf.json", b"[1, 2, 3]\n", "JSON object", "delete-unmanaged"),
        ("x.tf.json", b'{"resource": {"aws_iam_user": {"ghost": {', "not JSON", "needs-review"),
    ],
)
def test_binary_and_misshapen_files_are_errors_with_their_path(
    infra: Path, name: str, content: bytes, says: str, ghost: str
) -> None:
    """Never a clean pass; and a user such a file may declare (its text names the user type)
    is held for review, while one that it cannot declare (no text, a list) is not."""
    (infra / name).write_bytes(content)
    assert main(["scan", "--terraform-dir", str(infra), "--json", "r.json"]) == 2
    report = report_of(infra.parent)
    errors = [e for e in report["errors"] if e.get("file") == f"infra/{name}"]
    assert errors
    assert says in errors[0]["message"]
    assert status(report, "ghost") == ghost


@pytest.mark.parametrize(
    ("name", "shown"),
    [(b"caf\xe9.tf", "infra/caf\\xe9.tf"), (b"caf\xe9/ghost.tf", "infra/caf\\xe9/ghost.tf")],
)
def test_a_file_name_that_is_not_utf8_is_an_error_and_every_report_is_written(
    infra: Path, name: bytes, shown: str
) -> None:
    """Linux and git allow any bytes in a name; no UTF-8 report can hold them. The file is an
    error under its escaped name, its users held for review, and the rest of the run stands."""
    path = infra / os.fsdecode(name)  # the bytes as surrogates, as os.walk lists them
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(GHOST.encode())
    outputs = ["--json", "r.json", "--junit", "r.xml", "--markdown", "r.md", "--sarif", "r.sarif"]
    assert main(["scan", "--terraform-dir", str(infra), *outputs]) == 2
    report = report_of(infra.parent)
    (error,) = [e for e in report["errors"] if e.get("file") == shown]
    assert "not UTF-8" in error["message"]
    assert status(report, "ghost") == "needs-review"
    assert status(report, "bob") == "remove-from-code"  # what is still sound is kept
    assert all((infra.parent / f).stat().st_size for f in ("r.xml", "r.md", "r.sarif"))


def _no_permission(folder: Path) -> str:
    if os.geteuid() == 0:
        pytest.skip("root lists any folder whatever its mode; the name-too-long case covers root")
    team = folder / "team"
    team.mkdir()
    (team / "ghost.tf").write_text(GHOST, encoding="utf-8")
    team.chmod(0)
    return "infra/team"


def _name_too_long(folder: Path) -> str:
    """A folder nested so deep that its path exceeds PATH_MAX: listing it fails for anyone,
    root included (ENAMETOOLONG). Built step by step relative to open folders."""
    name = "d" * 200
    descriptor = os.open(folder, os.O_RDONLY)
    for _ in range(25):
        os.mkdir(name, dir_fd=descriptor)
        inner = os.open(name, os.O_RDONLY, dir_fd=descriptor)
        os.close(descriptor)
        descriptor = inner
    ghost = os.open("ghost.tf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor)
    os.write(ghost, GHOST.encode())
    os.close(ghost)
    os.close(descriptor)
    return "infra/" + name


GHOST = 'resource "aws_iam_user" "ghost" {\n  name = "ghost"\n}\n'


@pytest.mark.parametrize("make", [_no_permission, _name_too_long])
def test_a_folder_that_cannot_be_listed_is_an_error_and_its_users_stay_in_review(
    infra: Path, make: Any
) -> None:
    prefix = make(infra)
    try:
        code = main(
            ["scan", "--terraform-dir", str(infra), "--json", "r.json", "--fail-on", "managed"]
        )
    finally:
        if (infra / "team").exists():
            (infra / "team").chmod(0o755)  # so the temporary folder can be removed
    assert code == 2
    report = report_of(infra.parent)
    assert report["complete"] is False
    folders = [e for e in report["errors"] if e.get("file", "").startswith(prefix)]
    assert folders
    assert "cannot read the folder" in folders[0]["message"]
    assert status(report, "ghost") == "needs-review"


def test_the_kill_hook_is_read_only_by_the_writer() -> None:
    """The test hook is an environment variable no other module reads."""
    package = Path(worktree.__file__).resolve().parents[1]
    readers = [
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "KILL_AFTER_RENAMES" in p.read_text(encoding="utf-8")
    ]
    assert readers == ["publish/worktree.py"]
