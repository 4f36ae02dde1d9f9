"""Edits by character range, and what removing a block takes along with it."""

from __future__ import annotations

import pytest

from iam_prune.fixes.text.edits import apply_edits, merge_removals, removal_range
from iam_prune.model import FileEdit

BLOCK = 'resource "aws_iam_user" "x" {\n  name = "x"\n}'


def remove(text: str, block: str = BLOCK) -> str:
    """Remove ``block`` from ``text`` the way a fix does, checking nothing else moved."""
    start = text.index(block)
    left, right = removal_range(text, start, start + len(block))
    assert left <= start and start + len(block) <= right
    result = apply_edits(text, [FileEdit("f.tf", left, right)])
    assert result == text[:left] + text[right:]
    return result


def test_apply_edits_replaces_ranges_of_the_original_text() -> None:
    edits = [FileEdit("f", 6, 11, "there"), FileEdit("f", 0, 5, "Hi"), FileEdit("f", 11, 11, "!")]

    assert apply_edits("hello world", edits) == "Hi there!"


def test_apply_edits_merges_identical_duplicates() -> None:
    edit = FileEdit("f", 0, 2)

    assert apply_edits("abcd", [edit, edit]) == "cd"


@pytest.mark.parametrize(
    "edits",
    [
        [FileEdit("f", 0, 3), FileEdit("f", 2, 4)],
        [FileEdit("f", 1, 1, "x"), FileEdit("f", 1, 1, "y")],
        [FileEdit("f", 0, 2, "x"), FileEdit("f", 0, 2, "y")],
        [FileEdit("f", 0, 1), FileEdit("g", 2, 3)],
        [FileEdit("f", 3, 9)],
        [FileEdit("f", 2, 1)],
    ],
    ids=["overlap", "two-inserts-at-one-point", "same-range", "two-files", "past-end", "reversed"],
)
def test_apply_edits_refuses_conflicting_or_invalid_edits(edits: list[FileEdit]) -> None:
    with pytest.raises(ValueError):
        apply_edits("abcd", edits)


def test_apply_edits_allows_edits_that_only_touch() -> None:
    edits = [FileEdit("f", 0, 2, "X"), FileEdit("f", 2, 2, "-"), FileEdit("f", 2, 4, "Y")]

    assert apply_edits("abcd", edits) == "X-Y"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            f"locals {{}}\n\n# about x\n// more about x\n{BLOCK}\n\noutput {{}}\n",
            "locals {}\n\noutput {}\n",
            id="attached-line-comments",
        ),
        pytest.param(
            f"locals {{}}\n\n/*\n * about x\n */\n{BLOCK}\n\noutput {{}}\n",
            "locals {}\n\noutput {}\n",
            id="attached-block-comment",
        ),
        pytest.param(
            f"# file header\n\n{BLOCK}\n\noutput {{}}\n",
            "# file header\n\noutput {}\n",
            id="separated-comment-kept",
        ),
        pytest.param(
            f"locals {{}} # about locals\n{BLOCK}\noutput {{}}\n",
            "locals {} # about locals\noutput {}\n",
            id="trailing-comment-of-previous-line-kept",
        ),
        pytest.param(
            f"locals {{}}\n{BLOCK} # end of x\noutput {{}}\n",
            "locals {}\noutput {}\n",
            id="own-trailing-comment",
        ),
        pytest.param(
            f"locals {{}}\n{BLOCK} /* end */\noutput {{}}\n",
            "locals {}\noutput {}\n",
            id="own-trailing-block-comment",
        ),
        pytest.param(
            f"locals {{}}\n\n{BLOCK}\n\noutput {{}}\n",
            "locals {}\n\noutput {}\n",
            id="between-blank-lines",
        ),
        pytest.param(
            f"locals {{}}\n{BLOCK}\n\noutput {{}}\n",
            "locals {}\n\noutput {}\n",
            id="blank-after-only",
        ),
        pytest.param(
            f"locals {{}}\n\n{BLOCK}\noutput {{}}\n",
            "locals {}\n\noutput {}\n",
            id="blank-before-only",
        ),
        pytest.param(
            f"locals {{}}\n{BLOCK}\noutput {{}}\n",
            "locals {}\noutput {}\n",
            id="no-blank-lines",
        ),
        pytest.param(f"{BLOCK}\n\noutput {{}}\n", "output {}\n", id="file-start"),
        pytest.param(
            f"# about x\n{BLOCK}\n\noutput {{}}\n", "output {}\n", id="file-start-comment"
        ),
        pytest.param(f"\n{BLOCK}\noutput {{}}\n", "output {}\n", id="leading-blank-line"),
        pytest.param(f"locals {{}}\n\n{BLOCK}\n", "locals {}\n", id="file-end"),
        pytest.param(f"locals {{}}\n\n{BLOCK}", "locals {}\n", id="file-end-no-newline"),
        pytest.param(f"locals {{}}\n\n{BLOCK}\n\n", "locals {}\n", id="trailing-blank-line"),
        pytest.param(f"locals {{}}\n{BLOCK}\n  \n", "locals {}\n", id="trailing-spaces-line"),
        pytest.param(f"locals {{}}\n\n\n{BLOCK}\n\n", "locals {}\n", id="all-trailing-blanks"),
        pytest.param(f"\n\n{BLOCK}\n\n\noutput {{}}\n", "output {}\n", id="all-leading-blanks"),
        pytest.param(f"{BLOCK}\n", "", id="only-block"),
        pytest.param(f"# about x\n{BLOCK}", "", id="only-block-and-comment"),
        pytest.param(
            f"locals {{}}\n\n  {BLOCK}\n\noutput {{}}\n",
            "locals {}\n\noutput {}\n",
            id="indented",
        ),
        pytest.param(
            f"locals {{}}\n\n\n{BLOCK}\n\n\noutput {{}}\n",
            "locals {}\n\n\noutput {}\n",
            id="blank-lines-before-are-kept",
        ),
        pytest.param(
            f"x = 1 /* not\n  alone */\n{BLOCK}\noutput {{}}\n",
            "x = 1 /* not\n  alone */\noutput {}\n",
            id="block-comment-after-code-kept",
        ),
        pytest.param(
            f"locals {{}}\n/* a */ /* b */\n{BLOCK}\noutput {{}}\n",
            "locals {}\n/* a */ /* b */\noutput {}\n",
            id="two-block-comments-on-a-line-kept",
        ),
        pytest.param(
            f"/* c */ {BLOCK}\noutput {{}}\n",
            "/* c */ \noutput {}\n",
            id="code-before-on-the-line",
        ),
    ],
)
def test_removal_takes_comments_and_blank_lines_out_of_place(text: str, expected: str) -> None:
    assert remove(text) == expected


def test_removal_in_a_crlf_file_keeps_crlf_intact() -> None:
    text = f"locals {{}}\n\n# about x\n{BLOCK} # end\n\noutput {{}}\n".replace("\n", "\r\n")
    block = BLOCK.replace("\n", "\r\n")

    assert remove(text, block) == "locals {}\r\n\r\noutput {}\r\n"


def test_removal_range_keeps_every_byte_around_it() -> None:
    before = "terraform {}\n\n# header\n\n"
    after = "output {}\n"
    text = f"{before}# about x\n{BLOCK}\n\n{after}"
    start = text.index(BLOCK)

    left, right = removal_range(text, start, start + len(BLOCK))

    assert text[:left] == before
    assert text[right:] == after


def test_removal_range_rejects_a_range_outside_the_text() -> None:
    with pytest.raises(ValueError):
        removal_range("abc", 2, 7)


def removal_edits(text: str, *blocks: str) -> list[FileEdit]:
    edits = []
    for block in blocks:
        start = text.index(block)
        edits.append(FileEdit("f.tf", *removal_range(text, start, start + len(block))))
    return edits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "locals {}\n\nA {}\nB {}\n\noutput {}\n", "locals {}\n\noutput {}\n", id="adjacent"
        ),
        pytest.param("A {}\n\nB {}\n", "", id="whole-file"),
        pytest.param(
            "locals {}\n\nA {}\n\nB {}\n\noutput {}\n", "locals {}\n\noutput {}\n", id="gap"
        ),
        pytest.param("locals {}\n\nA {}\n# b\nB {}\n", "locals {}\n", id="to-the-end"),
    ],
)
def test_merged_removals_leave_no_double_blank_line(text: str, expected: str) -> None:
    edits = removal_edits(text, "A {}", "B {}")

    merged = merge_removals(text, edits)

    assert apply_edits(text, merged) == expected


def test_merge_removals_passes_other_edits_through() -> None:
    text = "A {}\nB {}\nkeep = 1\n"
    rename = FileEdit("f.tf", text.index("1"), text.index("1") + 1, "2")
    edits = [*removal_edits(text, "A {}", "B {}"), rename]

    merged = merge_removals(text, edits)

    assert rename in merged
    assert apply_edits(text, merged) == "keep = 2\n"
