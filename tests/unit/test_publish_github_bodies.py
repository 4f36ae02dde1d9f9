"""The GitHub texts, pure: golden comment and review bodies, state, suggestions, annotations.

Set ``IAM_PRUNE_UPDATE_GOLDEN=1`` to rewrite the golden files after an intended change, and
read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from report_builders import ACCOUNT, declaration, full_report, patch_for, removal, report

from iam_prune.model import Finding, Remediation, Status
from iam_prune.publish import github_comment, github_suggestions, workflow_annotations

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "github"


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("IAM_PRUNE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def pr_diff(finding: Finding) -> dict[str, dict[int, tuple[int, str]]]:
    """A pull request that added exactly the lines the finding's patch removes, and one more."""
    assert finding.remediation is not None and finding.remediation.patch
    [change] = github_suggestions.patch_changes(finding.remediation.patch) or ()
    lines = {change.start + i: (0, text) for i, text in enumerate(change.removed)}
    lines[change.end + 1] = (0, "# end of users")
    return {change.path: lines}


def test_comment_golden() -> None:
    value = full_report()
    previous = github_comment.State(((("0" * 32), "zoe", ACCOUNT),))
    text = github_comment.body(
        value,
        github_comment.Context(
            marker=github_comment.PULL_REQUEST_MARKER,
            previous=previous,
            run_url="https://github.com/octo/infra/actions/runs/42",
            touched_files=frozenset({"infra/users.tf"}),
            suggested=1,
            only_here=((github_suggestions.Why.OUTSIDE.value, ("carol",)),),
            pull_request=True,
        ),
    )
    golden("comment.md", text)
    assert text.startswith(github_comment.PULL_REQUEST_MARKER + "\n")


def test_review_golden() -> None:
    alice = removal("alice")
    value = report([alice])
    plan = github_suggestions.plan(value, pr_diff(alice))
    payload = {
        "body": github_suggestions.review_body(plan),
        "comments": [c.payload() for c in plan.comments],
    }
    golden("review.json", json.dumps(payload, indent=2) + "\n")
    assert plan.suggested == {alice.fingerprint(ACCOUNT)}


def test_a_suggestion_already_made_is_not_made_again() -> None:
    alice = removal("alice")
    first = github_suggestions.plan(report([alice]), pr_diff(alice))
    keys = github_suggestions.existing_keys(c.body for c in first.comments)
    again = github_suggestions.plan(report([alice]), pr_diff(alice), keys)
    assert first.comments and again.comments == ()
    assert again.suggested == first.suggested and again.left == ()


def test_lines_that_differ_from_the_diff_are_not_suggested() -> None:
    alice = removal("alice")
    diff = pr_diff(alice)
    diff["infra/users.tf"][11] = (0, "  something else")
    plan = github_suggestions.plan(report([alice]), diff)
    assert plan.comments == () and plan.left == (("alice", github_suggestions.Why.OUTSIDE),)


def test_each_removal_left_out_of_the_review_says_why() -> None:
    alice = removal("alice")
    overlapping = removal("bob", patch=alice.remediation.patch if alice.remediation else None)
    no_patch = removal("carol", patch="")
    insertion = removal("dave", patch="--- a/x.tf\n+++ b/x.tf\n@@ -1,1 +1,2 @@\n a\n+b\n")
    elsewhere = removal("erin", line=200)
    plan = github_suggestions.plan(
        report([elsewhere, alice, overlapping, no_patch, insertion]), pr_diff(alice)
    )
    assert plan.suggested == {alice.fingerprint(ACCOUNT)}
    Why = github_suggestions.Why
    assert plan.only_here() == (
        (Why.OUTSIDE.value, ("erin",)),
        (Why.NO_PATCH.value, ("carol",)),
        (Why.INEXPRESSIBLE.value, ("dave",)),
        (Why.OVERLAP.value, ("bob",)),
    )
    refused = github_suggestions.without_new(plan)
    assert refused.only_here()[-1] == (Why.REFUSED.value, ("alice",))
    text = github_comment.body(
        report([alice, elsewhere]),
        github_comment.Context(
            marker=github_comment.PULL_REQUEST_MARKER,
            pull_request=True,
            only_here=refused.only_here(),
        ),
    )
    assert (
        "**Only in this comment, not suggested in the diff:**\n"
        "- lines outside this pull request's diff: `erin`\n"
        "- no patch to suggest: `carol`\n"
    ) in text
    assert "- GitHub refused the review: `alice`" in text


def test_a_change_across_two_hunks_is_not_suggested() -> None:
    alice = removal("alice")
    diff = pr_diff(alice)
    diff["infra/users.tf"][12] = (1, diff["infra/users.tf"][12][1])
    assert github_suggestions.plan(report([alice]), diff).comments == ()


def test_patch_changes_refuses_what_a_suggestion_cannot_do() -> None:
    insertion = "--- a/x.tf\n+++ b/x.tf\n@@ -1,1 +1,2 @@\n a\n+b\n"
    new_file = "--- /dev/null\n+++ b/x.tf\n@@ -0,0 +1 @@\n+a\n"
    no_newline = "--- a/x.tf\n+++ b/x.tf\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n"
    assert github_suggestions.patch_changes(insertion) is None
    assert github_suggestions.patch_changes(new_file) is None
    assert github_suggestions.patch_changes(no_newline) is None
    replace = "--- a/x.tf\n+++ b/x.tf\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n"
    assert github_suggestions.patch_changes(replace) == (
        github_suggestions.Change("x.tf", 2, 2, ("b",), ("c",)),
    )


def test_state_survives_names_that_would_close_an_html_comment() -> None:
    state = github_comment.State((("f" * 32, "a-->b", ACCOUNT), ("e" * 32, "c--d", ACCOUNT)))
    line = github_comment.encode_state(state)
    assert "-->" not in line.removesuffix(" -->") and "--" not in line[4:-4]
    assert github_comment.decode_state(f"x\n{line}\ny") == state


def test_a_state_too_big_is_cut_and_says_so() -> None:
    state = github_comment.State(tuple((f"{n:032x}", f"user-{n}", ACCOUNT) for n in range(2000)))
    line = github_comment.encode_state(state)
    assert len(line) <= github_comment.MAX_STATE
    decoded = github_comment.decode_state(line)
    assert decoded is not None and not decoded.complete
    assert github_comment.changes(decoded, state) is None


def test_body_fits_with_hundreds_of_findings() -> None:
    many = [removal(f"user-{n:03}", line=n * 10 + 1) for n in range(400)]
    text = github_comment.body(
        report(many),
        github_comment.Context(
            marker=github_comment.PULL_REQUEST_MARKER,
            previous=github_comment.State(()),
            run_url="https://github.com/o/r/actions/runs/1",
            pull_request=True,
            only_here=(
                (github_suggestions.Why.OUTSIDE.value, tuple(f"user-{n:03}" for n in range(400))),
            ),
        ),
    )
    assert len(text.encode("utf-8")) <= 65_536
    assert "**Since the last run:** 400 new" in text


def test_annotations_ten_per_type_most_important_first() -> None:
    touched = removal("zed", line=500)
    touched = Finding(
        user="zed",
        status=Status.REMOVE_FROM_CODE,
        reason="unused",
        declarations=(declaration("zed", file="infra/pr.tf", line=3),),
        remediation=Remediation(patch=patch_for("zed", file="infra/pr.tf", line=3)),
    )
    others = [removal(f"u{n:02}", line=n * 10 + 1) for n in range(15)]
    lines = workflow_annotations.lines(report([*others, touched]), frozenset({"infra/pr.tf"}))
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == 10
    assert errors[0].startswith(
        "::error file=infra/pr.tf,line=3,endLine=7,title=Unused IAM user zed"
    )
    assert "7 more not shown here" in errors[-1]


def test_hunk_lines_are_counted_not_guessed() -> None:
    # A removed line that reads like a file header, and a context line like a hunk header.
    patch = (
        "--- a/x.tf\n+++ b/x.tf\n@@ -1,4 +1,2 @@\n"
        " @@ -9 +9 @@ not a header\n---- a/not-a-header\n-b\n c\n"
    )
    assert github_suggestions.patch_changes(patch) == (
        github_suggestions.Change("x.tf", 2, 3, ("--- a/not-a-header", "b"), ()),
    )
    assert github_suggestions.right_side_lines("@@ -1,2 +1,2 @@\n-a\n+@@ -5 +5 @@\n z") == {
        1: (0, "@@ -5 +5 @@"),
        2: (0, "z"),
    }


def test_crlf_patches_get_no_suggestion() -> None:
    assert (
        github_suggestions.patch_changes("--- a/x.tf\r\n+++ b/x.tf\r\n@@ -1 +0,0 @@\r\n-a\r\n")
        is None
    )


def test_two_files_and_hunks_give_one_change_each() -> None:
    patch = (
        "diff --git a/a.tf b/a.tf\n--- a/a.tf\n+++ b/a.tf\n@@ -1,3 +1,2 @@\n a\n-b\n c\n"
        "@@ -10,2 +9,2 @@\n-x\n+y\n z\n"
        "diff --git a/b.tf b/b.tf\n--- a/b.tf\n+++ b/b.tf\n@@ -4 +3,0 @@\n-q\n"
    )
    assert github_suggestions.patch_changes(patch) == (
        github_suggestions.Change("a.tf", 2, 2, ("b",), ()),
        github_suggestions.Change("a.tf", 10, 10, ("x",), ("y",)),
        github_suggestions.Change("b.tf", 4, 4, ("q",), ()),
    )


def test_a_hidden_sensitive_value_still_matches_its_line_and_is_never_repeated() -> None:
    from iam_prune.redaction import HIDDEN

    shown = (
        "--- a/infra/users.tf\n+++ b/infra/users.tf\n@@ -3,3 +3,0 @@\n"
        f'-variable "pw" {{\n-  default = "{HIDDEN}"\n-}}\n'
    )
    actual = {3: (0, 'variable "pw" {'), 4: (0, '  default = "hunter2"'), 5: (0, "}")}
    finding = Finding(
        user="pw",
        status=Status.REMOVE_FROM_CODE,
        reason="unused",
        remediation=Remediation(patch=shown),
    )
    plan = github_suggestions.plan(report([finding]), {"infra/users.tf": actual})
    assert [(c.start_line, c.line) for c in plan.comments] == [(3, 5)]
    assert all("hunter2" not in c.body and HIDDEN not in c.body for c in plan.comments)

    other = {**actual, 4: (0, '  other = "hunter2"')}
    assert github_suggestions.plan(report([finding]), {"infra/users.tf": other}).comments == ()

    rewrite = shown.replace("@@ -3,3 +3,0 @@", "@@ -3,3 +3,1 @@") + f"+x = {HIDDEN}\n"
    rewriting = Finding(
        user="pw",
        status=Status.REMOVE_FROM_CODE,
        reason="unused",
        remediation=Remediation(patch=rewrite),
    )
    assert github_suggestions.plan(report([rewriting]), {"infra/users.tf": actual}).comments == ()


def test_a_patch_for_a_non_ascii_file_name_suggests_on_that_file() -> None:
    """git quotes such names in the patch header (``"b/infra/\\303\\251quipe.tf"``); the
    suggestion must land on the file the pull request names, not on that spelling."""
    from iam_prune.fixes.text.patch import unified_diff

    before = 'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n# end\n'
    patch = unified_diff({"infra/équipe.tf": before}, {"infra/équipe.tf": "# end\n"})
    assert '"b/infra/\\303\\251quipe.tf"' in patch
    [change] = github_suggestions.patch_changes(patch) or ()
    assert (change.path, change.start, change.end) == ("infra/équipe.tf", 1, 3)


def test_a_finding_whose_patch_edits_a_non_ascii_file_is_touched_by_it() -> None:
    from iam_prune.fixes.text.patch import unified_diff
    from iam_prune.publish import github_touched

    before = 'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
    patch = unified_diff({"infra/équipe.tf": before}, {"infra/équipe.tf": ""})
    finding = removal("alice", patch=patch)
    assert "infra/équipe.tf" in github_touched.finding_files(finding)
    assert github_touched.is_touched(finding, frozenset({"infra/équipe.tf"}))
