"""The PR comment / job summary: what is kept within each budget, in which order, and how."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from report_builders import (
    ACCOUNT,
    OTHER_ACCOUNT,
    account,
    declaration,
    full_report,
    huge_report,
    incomplete_report,
    needs_review,
    patch_for,
    removal,
    report,
    scaled_report,
    simple,
    two_account_report,
    unmanaged,
)

from iam_prune.formats import markdown
from iam_prune.model import Note, RunInfo, Status
from iam_prune.publish.actions import SUMMARY_BUDGET

GOLDEN = Path(__file__).parent / "golden" / "markdown"
BUDGETS = {"comment": markdown.MAX_SIZE, "summary": SUMMARY_BUDGET}


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


def table_rows(body: str, header: str | None = None) -> list[str]:
    """The rows under ``header``, by default the table of users to act on (with or without
    its account column)."""
    lines = body.splitlines()
    if header is None:
        header = next(line for line in lines if line.startswith("| user |") and "change" in line)
    start = lines.index(header) + 2
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


def test_errors_listed_with_where() -> None:
    body = markdown.render(incomplete_report())
    assert "- **terraform** `infra/broken.tf:3:5`: Unexpected token '}'" in body
    assert "- **aws** `123456789012`: AccessDenied: iam:ListSSHPublicKeys" in body


# --------------------------------------------------------------------------- goldens


def outline(body: str) -> dict[str, object]:
    """What a budget kept: the lines that carry the layout, and how many of each part."""
    lines = body.splitlines()
    kept = [
        line
        for line in lines
        if line.startswith(("#", "_", "⚠️", "❌", "✅", "**Accounts", "To remove", "- _"))
    ]
    return {
        "bytes": len(body.encode("utf-8")),
        "layout": kept,
        "rows to act on": len(table_rows(body)) if "### To act on" in body else 0,
        "details": body.count("<details>"),
        "diffs": body.count("```diff"),
        "errors": sum(line.startswith("- **terraform**") for line in lines),
        "notes": body.count("IAM users it creates are not seen"),
    }


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("IAM_PRUNE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed"


@pytest.mark.parametrize("findings", [0, 3])
def test_small_reports_match_their_golden_text_under_both_budgets(findings: int) -> None:
    bodies = {
        name: markdown.render(scaled_report(findings), max_size=b) for name, b in BUDGETS.items()
    }
    assert bodies["comment"] == bodies["summary"]  # nothing to cut
    check_golden(f"findings-{findings}.md", bodies["comment"])


@pytest.mark.parametrize("findings", [50, 400, 2000])
@pytest.mark.parametrize("budget", list(BUDGETS))
def test_large_reports_keep_their_golden_outline(findings: int, budget: str) -> None:
    body = markdown.render(scaled_report(findings), max_size=BUDGETS[budget])
    assert within_cap(body, BUDGETS[budget])
    shape = json.dumps(outline(body), indent=1, ensure_ascii=False) + "\n"
    check_golden(f"findings-{findings}-{budget}.json", shape)


def test_at_400_every_user_is_in_the_comment_table_and_every_diff_in_the_summary() -> None:
    big = scaled_report(400)
    comment = markdown.render(big)
    assert len(table_rows(comment)) == 400
    assert "did not fit: see the JSON report" in comment  # details, not rows, were cut
    assert "- **terraform** `infra/broken.tf:3:5`" in comment
    assert "IAM users it creates are not seen" in comment
    summary = markdown.render(big, max_size=SUMMARY_BUDGET)
    assert summary.count("```diff") == 396
    assert "did not fit" not in summary


def test_past_the_budget_rows_are_counted_not_dropped_silently() -> None:
    body = markdown.render(scaled_report(2000))
    shown = len(table_rows(body))
    assert 400 < shown < 2000
    left = f"_{2000 - shown:,} more users to act on or review did not fit: see the JSON report._"
    assert left in body  # one of them needs review: the table says so, as its title does
    assert body.rstrip().endswith("<sub>iam-prune 0.1.0</sub>")


def test_the_table_says_review_only_when_it_holds_users_to_review() -> None:
    """The verdict counts users to act on; a table that also lists users held for review
    must not call all of them that."""
    mixed = markdown.render(report([removal("bob"), needs_review("dave")]))
    assert "❌ **1 user to act on**" in mixed and "### To act on or review" in mixed
    acting = markdown.render(report([removal("bob"), unmanaged("carol")]))
    assert "### To act on\n" in acting and "or review" not in acting


def test_a_table_that_fills_the_page_leaves_a_line_for_each_part_after_it() -> None:
    """Thousands of rows fill the budget; the details and the exempt users after the table
    are each still counted in a line, never dropped without a word."""
    waiting = [simple(f"kept{i:04d}", Status.EXEMPT, "a reason " * 8) for i in range(900)]
    reviews = [needs_review(f"review{i:04d}-" + "x" * 40) for i in range(3000)]
    body = markdown.render(report([removal("bob"), *reviews, *waiting]))
    assert within_cap(body)
    assert re.search(r"_[\d,]+ more users to act on or review did not fit", body)
    assert re.search(r"_Details of [\d,]+ more users did not fit: see the JSON report", body)
    assert "_900 exempt or in-grace users not shown: see the JSON report._" in body
    assert body.rstrip().endswith("<sub>iam-prune 0.1.0</sub>")


def test_a_diff_that_does_not_fit_is_pointed_at_once() -> None:
    run = RunInfo(url="https://github.com/o/r/actions/runs/7")
    many = replace(huge_report(40, body_lines=60), run=run)
    body = markdown.render(many)
    assert within_cap(body)
    pointers = [line for line in body.splitlines() if "did not fit here: the whole patch" in line]
    assert len(pointers) == 1
    assert (
        "`iam-prune.patch` in the [workflow run's artifacts](https://github.com/o/r/actions/runs/7)"
        in pointers[0]
    )
    kept = body.count("```diff")
    assert 0 < kept < 40
    assert pointers[0].startswith(f"_{body.count('<details>') - kept} diffs")
    assert patch_for("user0000", line=10, body_lines=60) in body


def test_users_left_without_details_are_pointed_at_their_diffs_once() -> None:
    body = markdown.render(scaled_report(400))
    [left] = [line for line in body.splitlines() if line.startswith("_Details of ")]
    assert left.endswith("see the JSON report; their diffs are in `iam-prune.patch`._")
    assert "did not fit here: the whole patch" not in body
    # with the one-line pointer above the details already there, it is not said again
    with_pointer = markdown.render(scaled_report(50))
    assert "did not fit here: the whole patch" in with_pointer
    [left] = [line for line in with_pointer.splitlines() if line.startswith("_Details of ")]
    assert left.endswith("did not fit: see the JSON report._")
    # either way, one line says where the run's patch is
    run = RunInfo(url="https://github.com/o/r/actions/runs/7")
    for findings in (50, 400):
        linked = markdown.render(replace(scaled_report(findings), run=run))
        place = "`iam-prune.patch` in the [workflow run's artifacts](https://github.com/o/r/actions/runs/7)"
        assert sum(place in line for line in linked.splitlines()) == 1


def test_multibyte_text_is_capped_in_bytes() -> None:
    patch = "--- a/x.tf\n+++ b/x.tf\n" + "-# 日本語のコメント\n" * 400
    body = markdown.render(report(removal(f"u{i}", patch=patch) for i in range(20)))
    assert within_cap(body)
    assert len(body) < markdown.MAX_SIZE - 10_000  # characters alone would have allowed more


@pytest.mark.parametrize("cap", [600, 1500, 4000])
def test_small_budgets_keep_the_head_and_stay_within(cap: int) -> None:
    body = markdown.render(incomplete_report(), max_size=cap)
    assert within_cap(body, cap)
    assert body.startswith("<!-- iam-prune:report -->\n## iam-prune: unused IAM users")
    assert "⚠️ **incomplete**" in body


# --------------------------------------------------------------------------- what the head says


def test_a_clean_run_is_one_line() -> None:
    clean = replace(
        report([simple("henry", Status.IN_USE, "used"), simple("f", Status.GRACE, "new")]),
        run=RunInfo(url="https://github.com/o/r/actions/runs/9"),
    )
    body = markdown.render(clean)
    assert body == (
        "<!-- iam-prune:report -->\n✅ **iam-prune: no unused IAM users** · account"
        " `123456789012`, 2 users seen (1 grace) · 2024-05-01 12:00 UTC ·"
        " [workflow run](https://github.com/o/r/actions/runs/9) · iam-prune 0\\.1.0\n"
    )


def test_verdict_names_account_alias_time_and_counts_without_zero_rows() -> None:
    named = replace(
        full_report(),
        accounts=(replace(full_report().accounts[0], alias="acme-prod"),),
    )
    body = markdown.render(named)
    assert (
        "❌ **2 users to act on** · account `123456789012` (acme\\-prod), 7 users seen"
        " · 2024-05-01 12:00 UTC"
    ) in body
    assert "| 0 |" not in body
    assert "| remove-from-code | 1 |" in body
    assert "`git apply iam-prune.patch`" in body
    assert "`iam-prune fix`" in body


def test_incomplete_says_why_before_anything_else() -> None:
    body = markdown.render(incomplete_report())
    assert "⚠️ **incomplete**: 2 sources failed, so this is not a clean pass" in body
    assert "❌" not in body
    assert body.index("### Errors") < body.index("### To act on")
    assert "**Accounts with errors:** `123456789012`" in body


def test_notes_are_shown_with_where() -> None:
    noted = replace(full_report(), notes=(Note("module `x` not read", file="m.tf", line=3),))
    body = markdown.render(noted)
    assert "### Notes\n- `m.tf:3`: module \\`x\\` not read" in body


def test_finding_notes_are_in_its_details() -> None:
    finding = replace(removal("alice"), notes=("count list migrated to for_each",))
    body = markdown.render(report([finding]))
    assert "**Notes:**\n- count list migrated to for\\_each" in body


# --------------------------------------------------------------------------- the table and details


def test_the_table_lists_what_to_act_on_most_urgent_first() -> None:
    body = markdown.render(full_report())
    assert "| user | status | declared at | change |" in body  # one account: named above
    rows = table_rows(body)
    assert [table_cells(r)[:2] for r in rows] == [
        [" `alice` ", " remove-from-code "],
        [" `carol` ", " delete-unmanaged "],
        [" `dave` ", " needs-review "],
    ]
    assert table_cells(rows[0])[2:] == [" `infra/users.tf:10` ", " plan destroys 2 resources "]
    assert table_cells(rows[1])[3] == " 2 CLI commands in AWS "


def test_a_long_review_reason_keeps_its_end_which_says_why_not() -> None:
    reason = (
        "no access keys; no console password; created 500 days ago (2025-07-22); "
        "but holds 1 SSH public key, whose use AWS does not report"
    )
    body = markdown.render(report([simple("git-mirror", Status.NEEDS_REVIEW, reason)]))
    [row] = table_rows(body)
    assert table_cells(row)[-1] == " …but holds 1 SSH public key, whose use AWS does not report "
    short = "unused; no keys; but holds 1 SSH public key"  # clauses that fit are kept whole
    body = markdown.render(report([simple("k", Status.NEEDS_REVIEW, short)]))
    assert table_cells(table_rows(body)[0])[-1] == f" {short} "
    long_clause = "not acted on because " + "x" * 200
    body = markdown.render(report([simple("u", Status.NEEDS_REVIEW, f"unused; {long_clause}")]))
    cell = table_cells(table_rows(body)[0])[-1].strip()
    assert cell.startswith("…not acted on because xxx") and cell.endswith("x…")
    assert len(cell) == 80


def test_exempt_and_grace_come_last_in_their_own_table() -> None:
    body = markdown.render(full_report())
    rows = table_rows(body, "| user | status | reason |")
    assert [table_cells(r)[1] for r in rows] == [" exempt ", " grace "]
    assert body.index("### Exempt or in grace") > body.rindex("</details>")
    assert "henry" not in body  # in use: counted only
    assert "gina" not in body  # not deployed: counted only


def test_removal_details_block() -> None:
    body = markdown.render(full_report())
    assert (
        "<details>\n<summary><b>alice</b> · infra/users.tf:10 · remove-from-code</summary>\n\n"
        in body
    )
    assert "- `infra/users.tf:10` `aws_iam_user.alice`" in body
    assert "```diff\n" + patch_for("alice") + "```\n" in body
    assert "- `aws_iam_user_login_profile.alice`" in body
    assert "- infra/outputs.tf:3 output alice\\_arn refers to aws\\_iam\\_user.alice" in body
    assert body.count("<details>") == body.count("</details>") == 3


def test_touched_files_come_first_and_are_marked() -> None:
    late = removal("zed", line=90)
    late = replace(late, declarations=(declaration("zed", file="infra/pr.tf", line=90),))
    body = markdown.render(
        report([removal("alice"), unmanaged("carol"), late]),
        touched_files=frozenset({"infra/pr.tf"}),
    )
    rows = table_rows(body)
    assert table_cells(rows[0])[0] == " `zed` ✎ "
    assert "✎ = in a file this pull request changes." in body
    assert (
        "<summary><b>zed</b> · infra/pr.tf:90 · remove-from-code"
        " · ✎ changed in this pull request</summary>" in body
    )
    untouched = markdown.render(report([removal("alice"), late]))
    assert "✎" not in untouched


def test_several_accounts_get_counts_per_account_and_grouped_rows() -> None:
    two = two_account_report()
    two = replace(
        two,
        accounts=(
            replace(two.accounts[0], alias="prod"),
            replace(two.accounts[1], findings=(*two.accounts[1].findings, needs_review("bo"))),
        ),
    )
    body = markdown.render(two)
    assert (
        "| account | users seen | remove-from-code | delete-unmanaged | needs-review |\n"
        "| --- | ---: | ---: | ---: | ---: |\n"
        f"| `{ACCOUNT}` (prod) | 1 | 1 | 0 | 0 |\n"
        f"| `{OTHER_ACCOUNT}` | 1 | 0 | 1 | 1 |"
    ) in body
    accounts = [table_cells(r)[1].strip() for r in table_rows(body)]
    assert accounts == [f"`{ACCOUNT}`", f"`{OTHER_ACCOUNT}`", f"`{OTHER_ACCOUNT}`"]
    assert (
        f"<summary><b>alice</b> · {OTHER_ACCOUNT} · not in Terraform · delete-unmanaged</summary>"
        in body
    )


def test_an_account_with_no_findings_is_still_in_the_per_account_counts() -> None:
    body = markdown.render(
        report(accounts=(account([removal("a")]), account([], account_id=OTHER_ACCOUNT)))
    )
    assert f"| `{OTHER_ACCOUNT}` | 0 | 1 |" not in body
    assert f"| `{OTHER_ACCOUNT}` | 0 | 0 |" in body


@pytest.mark.parametrize("max_size", [markdown.MAX_SIZE, SUMMARY_BUDGET])
def test_an_organisation_of_900_accounts_fits_and_keeps_the_accounts_that_matter(
    max_size: int,
) -> None:
    from report_builders import account, removal, report

    from iam_prune.model import ErrorSource, ReportError

    accounts = tuple(
        replace(
            account([removal(f"user{n}")] if n % 3 == 0 else [], account_id=f"{n:012d}"),
            name=f"workload-account-number-{n}",
            alias=f"alias-{n}",
        )
        for n in range(900)
    )
    failing = ReportError(ErrorSource.AWS, "AccessDenied", account_id="000000000899")
    body = markdown.render(report(accounts=accounts, report_errors=(failing,)), max_size=max_size)
    assert len(body.encode("utf-8")) <= max_size
    table = body[body.index("| account | users seen") :]
    assert table.index("000000000899") < table.index("000000000000")  # errors first
    if max_size == markdown.MAX_SIZE:
        assert "more accounts in the JSON report" in body
        assert "### To act on" in body  # the users still get their share
