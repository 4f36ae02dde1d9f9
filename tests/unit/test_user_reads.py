"""A user no code declares but a ``data "aws_iam_user"`` reads: deleting it breaks the next
plan, so its delete commands come with a manual step naming the data source."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from iam_prune.model import Finding, LiveUser, Status
from iam_prune.remediation import remediate
from iam_prune.terraform import load


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def unmanaged(name: str) -> tuple[Finding, LiveUser]:
    user = LiveUser(
        name=name,
        arn=f"arn:aws:iam::123456789012:user/{name}",
        created=datetime(2020, 1, 1, tzinfo=UTC),
        has_password=False,
        password_last_used=None,
    )
    finding = Finding(user=name, status=Status.DELETE_UNMANAGED, reason="never used")
    return finding, user


def test_the_data_sources_reading_a_user_are_found_with_their_addresses(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": 'data "aws_iam_user" "legacy" {\n  user_name = "old-admin"\n}\n'
            'module "audit" {\n  source = "./audit"\n  who    = ["old-admin", "eve"]\n}\n',
            "audit/main.tf": 'variable "who" {}\n'
            'data "aws_iam_user" "seen" {\n  for_each  = toset(var.who)\n'
            "  user_name = each.key\n}\n"
            'data "aws_iam_user" "nobody" {\n  user_name = aws_iam_user.x.name\n}\n',
        },
    )
    model = load([tmp_path], tmp_path, use_cache=False)
    reads = sorted((r.name, r.address, r.span.file, r.span.line) for r in model.user_reads)
    assert reads == [
        ("eve", 'module.audit.data.aws_iam_user.seen["eve"]', "audit/main.tf", 2),
        ("old-admin", "data.aws_iam_user.legacy", "main.tf", 1),
        ("old-admin", 'module.audit.data.aws_iam_user.seen["old-admin"]', "audit/main.tf", 2),
    ]
    assert model.declarations == ()


def test_deleting_a_user_the_code_reads_says_to_remove_the_data_source_first(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"main.tf": 'data "aws_iam_user" "legacy" {\n  user_name = "old-admin"\n}\n'})
    model = load([tmp_path], tmp_path, use_cache=False)
    finding, user = unmanaged("old-admin")
    remediation = remediate(finding, user, model).remediation
    assert remediation is not None
    assert remediation.commands[-1] == "aws iam delete-user --user-name old-admin"
    (manual,) = remediation.manual
    assert "`data.aws_iam_user.legacy` (main.tf:1)" in manual
    assert "next `terraform plan` there fails" in manual
    assert "Remove that data source" in manual


def test_a_user_nothing_reads_gets_only_its_commands(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'data "aws_iam_user" "legacy" {\n  user_name = "old-admin"\n}\n'})
    model = load([tmp_path], tmp_path, use_cache=False)
    finding, user = unmanaged("someone-else")
    remediation = remediate(finding, user, model).remediation
    assert remediation is not None and remediation.commands
    assert remediation.manual == ()
