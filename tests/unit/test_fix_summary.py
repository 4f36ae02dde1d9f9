"""``iam-prune fix --summary``: the remediation pull request's body."""

from __future__ import annotations

from dataclasses import replace

from report_builders import removal, report, unmanaged

from iam_prune.model import Finding, Remediation
from iam_prune.publish import fix_summary


def test_summary_names_users_destroys_manual_steps_and_files() -> None:
    blocked = Finding(
        user="kept", status=removal("x").status, reason="r", remediation=Remediation(manual=("m",))
    )
    text = fix_summary.render(
        report([removal("alice"), unmanaged("ghost"), blocked]), ["infra/users.tf"]
    )
    assert text.startswith("## iam-prune: retire 1 unused IAM user in the code\n")
    assert "- `alice`: console password never used and no access keys" in text
    assert "`aws_iam_user_login_profile.alice`" in text
    assert "by hand: infra/outputs.tf:3 output alice\\_arn" in text
    assert "**Files changed:**\n- `infra/users.tf`" in text
    assert "**Not changed in the code** (see the report for why):\n- `kept`" in text
    assert "**Declared in no Terraform**" in text and "- `ghost`" in text


def test_nothing_to_change() -> None:
    assert fix_summary.render(report([]), []) == "## iam-prune: nothing to change in the code\n"


def test_a_findings_notes_are_listed_under_it() -> None:
    noted = replace(removal("alice"), notes=("left out of the combined patch: apply it alone",))
    text = fix_summary.render(report([noted]), ["infra/users.tf"])
    assert "  - note: left out of the combined patch: apply it alone\n" in text


def test_a_summary_fits_a_pull_request_body() -> None:
    """GitHub refuses a body over 65,536 characters: each list keeps what fits, and says how
    many more there are."""
    many = [removal(f"user-{n:04}-{'x' * 40}", line=n * 10 + 1) for n in range(2000)]
    files = [f"infra/team-{n:04}/users.tf" for n in range(3000)]
    text = fix_summary.render(report([*many, unmanaged("ghost"), unmanaged("spook")]), files)
    assert len(text.encode("utf-8")) <= fix_summary.MAX_SIZE
    # The first list does not take the room of the others: each keeps its heading and count.
    assert "**Files changed:**\n- `infra/team-0000/users.tf`" in text or (
        "**Files changed:**\n- _3,000 more files: see the diff._" in text
    )
    assert "**Declared in no Terraform**" in text and "`ghost`" in text
    assert text.startswith("## iam-prune: retire 2,000 unused IAM users in the code\n")
    assert "more users: the report lists them all._" in text
    assert "`user-0000-" in text  # the first ones are shown whole
    small = fix_summary.render(report(many[:3]), files[:2])
    assert "more" not in small and small.count("`terraform plan` will destroy") == 3
