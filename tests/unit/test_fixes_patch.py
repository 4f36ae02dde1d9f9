"""The diffs are checked the only way that matters: real ``git apply`` must accept them."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iam_prune.fixes.text.patch import _changed_lines, unified_diff


def git(repo: Path, *args: str, stdin: str = "") -> None:
    done = subprocess.run(["git", *args], cwd=repo, input=stdin.encode(), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def git_apply(repo: Path, patch: str) -> None:
    """Apply ``patch`` in ``repo`` with git, failing the test if git has any objection."""
    git(repo, "apply", "--check", "-", stdin=patch)
    git(repo, "apply", "-", stdin=patch)


def make_repo(root: Path, files: Mapping[str, str]) -> Path:
    """A git work tree holding ``files`` byte for byte (no line-ending conversion)."""
    git(root, "init", "--quiet", ".")
    git(root, "config", "core.autocrlf", "false")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


def assert_applies(root: Path, before: Mapping[str, str], after: Mapping[str, str]) -> str:
    repo = make_repo(root, before)
    patch = unified_diff(before, after)

    git_apply(repo, patch)

    for relative, text in after.items():
        assert (repo / relative).read_bytes() == text.encode("utf-8"), relative
    return patch


NUMBERS = "".join(f"line {n}\n" for n in range(1, 13))


def test_the_patch_has_git_headers_and_three_lines_of_context(tmp_path: Path) -> None:
    after = NUMBERS.replace("line 6\n", "")

    patch = assert_applies(tmp_path, {"main.tf": NUMBERS}, {"main.tf": after})

    assert patch == (
        "diff --git a/main.tf b/main.tf\n"
        "--- a/main.tf\n"
        "+++ b/main.tf\n"
        "@@ -3,7 +3,6 @@\n"
        " line 3\n line 4\n line 5\n-line 6\n line 7\n line 8\n line 9\n"
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(NUMBERS, NUMBERS.replace("line 2\nline 3\n", ""), id="LF"),
        pytest.param(
            NUMBERS.replace("\n", "\r\n"),
            NUMBERS.replace("line 2\nline 3\n", "").replace("\n", "\r\n"),
            id="CRLF",
        ),
        pytest.param(
            NUMBERS.replace("line 1\n", "line 1\r\n"),
            NUMBERS.replace("line 1\n", "line 1\r\n").replace("line 9\n", ""),
            id="mixed",
        ),
        pytest.param(
            NUMBERS.rstrip("\n"), NUMBERS.replace("\nline 12\n", ""), id="no-final-newline"
        ),
        pytest.param(NUMBERS, NUMBERS.rstrip("\n"), id="loses-final-newline"),
        pytest.param(NUMBERS.rstrip("\n"), NUMBERS, id="gains-final-newline"),
        pytest.param(
            NUMBERS.replace("\n", "\r\n").rstrip("\r\n"),
            NUMBERS.replace("\n", "\r\n").replace("line 12\r\n", "").rstrip("\r\n"),
            id="CRLF-no-final-newline",
        ),
        pytest.param(NUMBERS, "", id="becomes-empty"),
        pytest.param("only line", "", id="no-newline-becomes-empty"),
        pytest.param("", "content\n", id="empty-gets-content"),
    ],
)
def test_git_apply_accepts_the_patch_and_yields_the_edited_text(
    tmp_path: Path, before: str, after: str
) -> None:
    assert_applies(tmp_path, {"iam/users.tf": before}, {"iam/users.tf": after})


def test_a_missing_final_newline_is_marked_as_git_does(tmp_path: Path) -> None:
    patch = assert_applies(tmp_path, {"a.tf": "x\ny"}, {"a.tf": "x\n"})

    assert patch.endswith("@@ -1,2 +1 @@\n x\n-y\n\\ No newline at end of file\n")


def test_several_files_sorted_and_unchanged_ones_left_out(tmp_path: Path) -> None:
    before = {"z.tf": "a\nb\n", "a/main.tf": "c\nd\n", "same.tf": "e\n"}
    after = {"z.tf": "a\n", "a/main.tf": "d\n", "same.tf": "e\n"}

    patch = assert_applies(tmp_path, before, after)

    headers = [line for line in patch.splitlines() if line.startswith("diff --git")]
    assert headers == ["diff --git a/a/main.tf b/a/main.tf", "diff --git a/z.tf b/z.tf"]


def test_unusual_paths_are_quoted_the_way_git_reads_them(tmp_path: Path) -> None:
    before = {"my infra/users.tf": "a\nb\n", "équipe/users.tf": "a\nb\n", 'q"uote.tf': "a\n"}
    after = {"my infra/users.tf": "a\n", "équipe/users.tf": "b\n", 'q"uote.tf': ""}

    patch = assert_applies(tmp_path, before, after)

    assert 'diff --git "a/\\303\\251quipe/users.tf" "b/\\303\\251quipe/users.tf"' in patch
    assert '--- "a/q\\"uote.tf"' in patch


def test_no_changes_give_an_empty_patch() -> None:
    assert unified_diff({"a.tf": "x\n"}, {"a.tf": "x\n"}) == ""
    assert unified_diff({}, {}) == ""


def test_files_must_be_the_same_on_both_sides() -> None:
    with pytest.raises(ValueError, match=r"new\.tf"):
        unified_diff({"a.tf": "x\n"}, {"a.tf": "x\n", "new.tf": "y\n"})


def test_a_removed_block_shows_as_its_own_lines(tmp_path: Path) -> None:
    """difflib alone would delete the previous block's brace and keep this one's."""
    kept = 'resource "aws_iam_user" "a" {\n  tags = {\n    team = "x"\n  }\n}\n\n'
    removed = '# b left.\nresource "aws_iam_user" "b" {\n  name = "b"\n}\n\n'
    # A long tail makes difflib match from b's closing brace on, the longest common run.
    tail = "\n".join(f'resource "aws_iam_user" "{n}" {{\n  name = "{n}"\n}}\n' for n in "cdef")

    patch = assert_applies(tmp_path, {"u.tf": kept + removed + tail}, {"u.tf": kept + tail})

    minus = [line[1:] for line in patch.splitlines(keepends=True) if line.startswith("-")]
    assert minus[1:] == removed.splitlines(keepends=True)  # minus[0] is the "--- a/u.tf" line


def test_a_kept_block_around_removed_ones_stays_context(tmp_path: Path) -> None:
    """difflib takes the longest contiguous run first and matched a lone brace here, showing
    the kept `locals` block as replaced; a longest common subsequence keeps it as context."""
    gone = 'resource "a" "b" {\n  x = 1\n}\n\nresource "a" "c" {\n  y = 2\n}\n\n'
    before = gone + 'locals {\n  z     = 3\n  other = 4\n}\n\noutput "o" {\n  value = 5\n}\n'
    after = "locals {\n  z = 3\n}\n"

    patch = assert_applies(tmp_path, {"m.tf": before}, {"m.tf": after})

    assert " locals {\n" in patch and "-locals {\n" not in patch
    assert patch.count("\n }\n") == 1  # the kept closing brace is context, once


def test_the_edit_script_is_a_shortest_one() -> None:
    removed, added = _changed_lines(list("abcabba"), list("cbabac"))

    assert sum(removed) + sum(added) == 5  # Myers' paper's example: D = 5


LINES = st.lists(st.sampled_from(["}\n", "\n", "a\n", "b\r\n", "{\n", "c"]), max_size=12)


@settings(max_examples=80, deadline=None)
@given(old=LINES, new=LINES)
def test_git_applies_the_diff_of_any_two_texts(old: list[str], new: list[str]) -> None:
    before, after = "".join(old), "".join(new)
    if before == after:
        assert unified_diff({"f.tf": before}, {"f.tf": after}) == ""
        return
    with tempfile.TemporaryDirectory() as directory:
        assert_applies(Path(directory), {"f.tf": before}, {"f.tf": after})


@pytest.mark.parametrize("name", ['a"b.tf', "a\\b.tf", "t\tab.tf", "équipe.tf", "plain.tf"])
def test_a_quoted_header_name_reads_back_as_the_path(name: str) -> None:
    from iam_prune.fixes.text.patch import diff_target, patch_files

    patch = unified_diff({f"infra/{name}": "a\n"}, {f"infra/{name}": "b\n"})
    [header] = [line for line in patch.splitlines() if line.startswith("+++ ")]
    assert diff_target(header[4:]) == f"infra/{name}"
    assert patch_files(patch) == {f"infra/{name}"}
