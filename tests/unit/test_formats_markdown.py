"""The PR comment / job summary: marker, verdict, counts, diffs, escaping and the size cap."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from report_builders import (
    full_report,
    huge_report,
    incomplete_report,
    patch_for,
    removal,
    report,
    simple,
    two_account_report,
    unmanaged,
)

from iam_prune.formats import markdown
from iam_prune.model import Status


def table_cells(row: str) -> list[str]:
    """Split a table row the way GFM does: a backslash escapes the next character."""
    assert row.startswith("| ")
    assert row.endswith(" |")
    cells, current, chars = [], "", iter(row[1:-1])
    for ch in chars:
        if ch == "\\":
            current += ch + next(chars, "")
        elif ch == "|":
            cells.append(current)
            current = ""
        else:
            current += ch
    return [*cells, current]


def review_rows(body: str) -> list[str]:
    lines = body.splitlines()
    start = lines.index("| user | status | reason |") + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def within_cap(body: str, cap: int = markdown.MAX_SIZE) -> bool:
    return len(body) <= cap and len(body.encode("utf-8")) <= cap


def test_first_line_is_the_marker() -> None:
    assert markdown.render(full_report()).splitlines()[0] == "<!-- iam-prune:report -->"


def test_verdicts() -> None:
    clean = markdown.render(report([simple("henry", Status.IN_USE, "used")]))
    assert "✅ **clean**: no unused IAM users (1 account, 1 users seen)." in clean
    found = markdown.render(full_report())
    assert "❌ **2 findings** to act on (1 account, 7 users seen)." in found
    partial = markdown.render(incomplete_report())
    assert "⚠️ **incomplete**: 2 sources failed, so this is not a clean pass" in partial
    assert "❌" not in partial


def test_counts_table_lists_every_status() -> None:
    body = markdown.render(report([removal("a"), removal("b"), unmanaged("c")]))
    assert (
        "| status | users |\n| --- | ---: |\n| remove-from-code | 2 |\n| delete-unmanaged | 1 |\n"
        "| needs-review | 0 |\n| exempt | 0 |\n| grace | 0 |\n| not-deployed | 0 |\n| in-use | 0 |"
    ) in body


def test_removal_details_block() -> None:
    body = markdown.render(full_report())
    assert "<details>\n<summary><b>alice</b> · infra/users.tf:10</summary>\n\n" in body
    assert "- `infra/users.tf:10` `aws_iam_user.alice`" in body
    assert "```diff\n" + patch_for("alice") + "```\n" in body
    assert "- `aws_iam_user_login_profile.alice`" in body
    assert "- infra/outputs.tf:3 output alice\\_arn refers to aws\\_iam\\_user.alice" in body
    assert body.count("<details>") == body.count("</details>") == 2


def test_fence_outlasts_backticks_inside_the_patch() -> None:
    sneaky = "--- a/x.tf\n+++ b/x.tf\n-  description = <<EOT\n-````\n-EOT\n"
    body = markdown.render(report([removal("x", patch=sneaky)]))
    fences = [line for line in body.splitlines() if re.fullmatch(r"`{3,}\w*", line)]
    assert fences == ["`````diff", "`````"]


def test_unmanaged_commands_in_a_shell_block() -> None:
    body = markdown.render(full_report())
    assert (
        "```sh\naws iam delete-login-profile --user-name carol\n"
        "aws iam delete-user --user-name carol\n```"
    ) in body


def test_review_table_holds_needs_review_exempt_and_grace() -> None:
    rows = review_rows(markdown.render(full_report()))
    assert [table_cells(r)[:2] for r in rows] == [
        [" dave ", " needs-review "],
        [" erin ", " exempt "],
        [" frank ", " grace "],
    ]


def test_in_use_and_not_deployed_are_only_counted() -> None:
    body = markdown.render(full_report())
    assert "henry" not in body
    assert "gina" not in body


def test_errors_listed_with_where() -> None:
    body = markdown.render(incomplete_report())
    assert "- **terraform** `infra/broken.tf:3:5`: Unexpected token '}'" in body
    assert "- **aws** `123456789012`: AccessDenied: iam:ListSSHPublicKeys" in body


def test_hostile_text_in_tables_is_escaped() -> None:
    evil = simple("bob|x", Status.NEEDS_REVIEW, "a | b <img src=x onerror=alert(1)> c\\|d\nnext")
    rows = review_rows(markdown.render(report([evil])))
    assert len(rows) == 1
    assert len(table_cells(rows[0])) == 3
    assert "<" not in rows[0]
    assert ">" not in rows[0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in rows[0]


def test_several_accounts_are_told_apart() -> None:
    body = markdown.render(two_account_report())
    assert "<summary><b>alice</b> · 123456789012 · infra/users.tf:10</summary>" in body
    assert "<summary><b>alice</b> · 210987654321 · not in Terraform</summary>" in body


def test_huge_report_drops_diffs_from_the_end() -> None:
    big = huge_report(60)  # about 6 KB of diff each, 360 KB in all
    body = markdown.render(big)
    assert within_cap(body)
    assert body.startswith("<!-- iam-prune:report -->\n")
    assert "| remove-from-code | 60 |" in body
    assert "❌ **60 findings**" in body
    assert body.count("<details>") == 60
    assert patch_for("user0000", line=10, body_lines=60) in body
    assert patch_for("user0059", line=69, body_lines=60) not in body
    kept = body.count("```diff")
    assert 0 < kept < 60
    assert body.count(markdown.DIFF_OMITTED) == 60 - kept
    assert body.index(markdown.DIFF_OMITTED) > body.rindex("```diff")
    assert "more entries are not shown" not in body


def test_multibyte_text_is_capped_in_bytes() -> None:
    patch = "--- a/x.tf\n+++ b/x.tf\n" + "-# 日本語のコメント\n" * 400
    body = markdown.render(report(removal(f"u{i}", patch=patch) for i in range(20)))
    assert within_cap(body)
    assert len(body) < markdown.MAX_SIZE - 10_000  # characters alone would have allowed more
    assert markdown.DIFF_OMITTED in body


def test_too_many_entries_are_cut_from_the_end_with_a_count() -> None:
    many = report(simple(f"user{i:05d}", Status.NEEDS_REVIEW, "x" * 40) for i in range(5000))
    body = markdown.render(many)
    assert within_cap(body)
    assert body.startswith("<!-- iam-prune:report -->\n")
    assert "| needs-review | 5000 |" in body
    shown = len(review_rows(body))
    assert 0 < shown < 5000
    assert f"_{5000 - shown} more entries are not shown" in body
    assert body.rstrip().endswith("<sub>iam-prune 0.1.0</sub>")


def test_a_smaller_cap_for_other_destinations() -> None:
    body = markdown.render(full_report(), max_size=1500)
    assert within_cap(body, 1500)
    assert markdown.DIFF_OMITTED in body


@settings(max_examples=80, deadline=None)
@given(
    users=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4),
    reason=st.text(max_size=120),
)
def test_arbitrary_text_never_breaks_the_table(users: list[str], reason: str) -> None:
    body = markdown.render(report(simple(u, Status.EXEMPT, reason) for u in users))
    rows = review_rows(body)
    assert len(rows) == len(users)
    for row in rows:
        assert len(table_cells(row)) == 3
        assert "<" not in row
        assert ">" not in row
    assert "| exempt | " + str(len(users)) + " |" in body


def test_a_mention_in_a_reason_pings_nobody() -> None:
    body = markdown.render(report([simple("x", Status.EXEMPT, "ask @platform-team first")]))
    assert "@platform-team" not in body
    assert "&#64;platform-team" in body
