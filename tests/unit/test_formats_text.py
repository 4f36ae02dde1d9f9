"""The terminal report: order, what is shown per status, errors, the summary line, colour."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from report_builders import (
    ACCOUNT,
    OTHER_ACCOUNT,
    account,
    full_report,
    incomplete_report,
    removal,
    report,
    simple,
    two_account_report,
    unmanaged,
)

from iam_prune.formats import text
from iam_prune.model import ErrorSource, Remediation, ReportError, Status

ESC = "\x1b"


def test_header_names_accounts_users_and_source() -> None:
    first = text.render(full_report()).splitlines()[0]
    assert first == (
        "iam-prune 0.1.0 · account 123456789012 · 7 users seen · source: credential-report"
    )


def test_header_counts_agree_with_their_words() -> None:
    one = text.render(report([removal("alice")])).splitlines()[0]
    assert " · account 123456789012 · 1 user seen · " in one
    big = account([removal("alice")], users_seen=1234)
    many = replace(full_report(), accounts=(big, replace(big, account_id=OTHER_ACCOUNT)))
    assert " · 2 accounts · 2,468 users seen · " in text.render(many).splitlines()[0]


def test_sections_follow_the_display_order() -> None:
    out = text.render(full_report())
    headings = [
        "Remove from code (1)",
        "Delete unmanaged users (1)",
        "Needs review (1)",
        "Exempt (1)",
        "In grace period (1)",
        "Declared but not deployed (1)",
        "In use: 1 user",
    ]
    positions = [out.index(h) for h in headings]
    assert positions == sorted(positions)


def test_in_use_users_are_only_counted() -> None:
    out = text.render(full_report())
    assert "henry" not in out
    assert "signed in 3 days ago" not in out


def test_removal_shows_declaration_patch_and_follow_ups() -> None:
    lines = text.render(full_report()).splitlines()
    assert "  alice: console password never used and no access keys" in lines
    assert "    infra/users.tf:10  aws_iam_user.alice" in lines
    assert "    --- a/infra/users.tf" in lines
    assert '    -resource "aws_iam_user" "alice" {' in lines
    assert (
        "    terraform will destroy: aws_iam_user.alice, aws_iam_user_login_profile.alice" in lines
    )
    assert any(line.startswith("    manual: infra/outputs.tf:3") for line in lines)


def test_unmanaged_shows_numbered_commands() -> None:
    lines = text.render(full_report()).splitlines()
    first = lines.index("    1. aws iam delete-login-profile --user-name carol")
    assert lines[first + 1] == "    2. aws iam delete-user --user-name carol"


def test_other_statuses_show_their_reason() -> None:
    out = text.render(full_report())
    assert "  dave: holds an SSH public key whose use AWS does not report" in out
    assert "  erin: exempt by tag iam-prune:exempt: break-glass account" in out
    assert "  frank: created 2 days ago; unused so far" in out
    assert "  gina: declared in Terraform but not in this account" in out


def test_errors_show_where_and_the_summary_says_incomplete() -> None:
    lines = text.render(incomplete_report()).splitlines()
    assert "  terraform infra/broken.tf:3:5: Unexpected token '}'" in lines
    assert "  aws 123456789012: AccessDenied: iam:ListSSHPublicKeys" in lines
    assert lines[-1] == (
        "1 to remove from code, 1 unmanaged to delete, 1 needs review · report INCOMPLETE"
    )


def test_complete_summary_has_no_incomplete_mark() -> None:
    assert text.render(full_report()).splitlines()[-1] == (
        "1 to remove from code, 1 unmanaged to delete, 1 needs review"
    )


def test_a_clean_run_says_so() -> None:
    clean = report([simple("henry", Status.IN_USE, "used")])
    assert text.render(clean).splitlines()[-1] == "no unused IAM users"


def test_summary_counts_and_plurals() -> None:
    many = report(
        [
            removal("a"),
            removal("b"),
            simple("c", Status.NEEDS_REVIEW, "ssh key"),
            simple("d", Status.NEEDS_REVIEW, "ssh key"),
        ]
    )
    assert text.summary(many) == "2 to remove from code, 2 need review"


def test_several_accounts_get_counts_first_then_a_section_each() -> None:
    two = two_account_report()
    two = replace(
        two,
        accounts=(replace(two.accounts[0], alias="prod"), two.accounts[1]),
        errors=(ReportError(ErrorSource.AWS, "AccessDenied", account_id=OTHER_ACCOUNT),),
    )
    lines = text.render(two).splitlines()
    assert lines[0].startswith("iam-prune 0.1.0 · 2 accounts · 2 users seen")
    assert lines[2:6] == [
        f"Accounts with errors: {OTHER_ACCOUNT}",
        "Accounts (2)",
        f"  {ACCOUNT} (prod): 1 user seen; 1 remove-from-code (3 AWS calls)",
        f"  {OTHER_ACCOUNT}: 1 user seen; 1 delete-unmanaged (3 AWS calls)",
    ]
    first = lines.index(f"Account {ACCOUNT} (prod)")
    second = lines.index(f"Account {OTHER_ACCOUNT}")
    assert first < lines.index("Remove from code (1)") < second
    assert second < lines.index("Delete unmanaged users (1)")


def test_prose_wraps_at_words_with_a_hanging_indent() -> None:
    reason = " ".join(f"word{i}" for i in range(60))
    out = text.render(report([simple("dave", Status.NEEDS_REVIEW, reason)]), width=60)
    lines = out.splitlines()
    start = lines.index("Needs review (1)") + 1
    wrapped = []
    for line in lines[start:]:
        if not line:
            break
        wrapped.append(line)
    assert len(wrapped) > 3
    assert all(len(line) <= 60 for line in wrapped)
    assert wrapped[0].startswith("  dave: word0 ")
    assert all(line.startswith("      word") for line in wrapped[1:])
    assert " ".join(line.strip() for line in wrapped) == f"dave: {reason}"


def test_diffs_and_commands_are_never_wrapped() -> None:
    long_command = "aws iam delete-user --user-name " + "x" * 150
    finding = replace(unmanaged("carol"), remediation=Remediation(commands=(long_command,)))
    out = text.render(report([finding]), width=60)
    assert f"    1. {long_command}" in out.splitlines()


def test_finding_notes_are_shown_under_it() -> None:
    finding = replace(removal("alice"), notes=("the count list became for_each",))
    assert "    note: the count list became for_each" in text.render(report([finding])).splitlines()


def test_no_ansi_by_default_even_from_hostile_text() -> None:
    hostile = report(
        [
            simple("mallory", Status.NEEDS_REVIEW, f"{ESC}[31mred{ESC}]0;title\a"),
            removal("eve", patch=f"--- a/x.tf\n+++ b/x.tf\n-{ESC}[2J\n"),
        ]
    )
    out = text.render(hostile)
    assert ESC not in out
    assert "\a" not in out
    assert "  mallory: [31mred]0;title" in out


def test_colour_only_when_asked() -> None:
    coloured = text.render(incomplete_report(), color=True)
    assert f"{ESC}[31;1mRemove from code (1){ESC}[0m" in coloured
    assert f"{ESC}[32m    -" not in coloured
    assert f"    {ESC}[31m-resource" in coloured
    assert ESC not in text.render(incomplete_report())


@settings(max_examples=80, deadline=None)
@given(user=st.text(max_size=40), reason=st.text(max_size=200))
def test_arbitrary_text_stays_on_its_line_without_control_characters(
    user: str, reason: str
) -> None:
    out = text.render(report([simple(user, Status.NEEDS_REVIEW, reason)]))
    controls = [ch for ch in out if unicodedata.category(ch) == "Cc" and ch not in "\n\t"]
    assert controls == []
    lines = out.splitlines()
    section = lines.index("Needs review (1)")
    assert lines[section - 1] == ""
    assert all(line.startswith("  ") for line in lines[1 : section - 1])  # inventory notes
    assert lines[section + 1].startswith("  ")
    assert lines[section + 2 :] == ["", "1 needs review"]


def test_notes_are_listed_without_making_the_report_incomplete() -> None:
    from dataclasses import replace

    from iam_prune.model import Note

    base = report([simple("a", Status.IN_USE, "used")])
    note = Note("module.vpc comes from a registry; its contents were not read", "main.tf", 3)
    out = text.render(replace(base, notes=(note,)))
    assert "Notes (1)\n  main.tf:3: module.vpc comes from a registry" in out
    assert "INCOMPLETE" not in out


def test_header_counts_the_accounts_that_could_not_be_read() -> None:
    """One account read of three is not a scan of one account."""
    denied = tuple(
        ReportError(ErrorSource.AWS, "sts:AssumeRole was denied", account_id=a)
        for a in ("222222222222", "333333333333")
    )
    first = text.render(report([removal("alice")], report_errors=denied)).splitlines()[0]
    assert " · 3 accounts, 2 not read · 1 user seen · " in first
    # An error of an account that was read counts once, as read.
    partial = (ReportError(ErrorSource.AWS, "iam:ListUserTags denied", account_id=ACCOUNT),)
    first = text.render(report([removal("alice")], report_errors=partial)).splitlines()[0]
    assert " · account 123456789012 · 1 user seen · " in first
