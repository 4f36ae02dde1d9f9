"""What is worked out near an edit equals what the whole file gives.

Alignment, removal units, diffs, literal mentions and the moving of kept blocks all look only
at the lines around a change of a big file; each is held here to the whole-file routine it
stands for, on generated texts (repetitive ones, so that changed lines slide and groups
reach across the change) and generated edits.
"""

from __future__ import annotations

import pickle
from collections import Counter

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iam_prune.fixes.evaluation.depends import rewritten
from iam_prune.fixes.planning.literals import _writing
from iam_prune.fixes.planning.resolve import _mentions
from iam_prune.fixes.text import layout
from iam_prune.fixes.text.holding import holding, words
from iam_prune.fixes.text.patch import (
    _changed_lines,
    _hunk_lines,
    _lines,
    _opcodes,
    _slid_down,
    _windowed_hunks,
)
from iam_prune.fixes.text.render import RenderError, _hcl_units
from iam_prune.model import FileEdit
from iam_prune.terraform import changes
from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.references import declares
from iam_prune.terraform.reparse import differing, reparse
from iam_prune.terraform.shift import shifted
from iam_prune.terraform.syntax import Block, ParseError

# --------------------------------------------------------------------------- common ends


@settings(max_examples=300, deadline=None)
@given(st.text("ab\n", max_size=40), st.text("ab\n", max_size=40), st.sampled_from([1, 2, 3, 4096]))
def test_common_ends_are_the_longest_ones(old: str, new: str, chunk: int) -> None:
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(changes, "_CHUNK", chunk)
        assert changes.common_ends(old, new) == (prefix, suffix)


# --------------------------------------------------------------------------- edits


@st.composite
def edited(draw: st.DrawFn, pieces: list[str], most: int = 30) -> tuple[str, str, FileEdit]:
    """A text of ``pieces`` and the same text with one range replaced by more pieces."""
    text = "".join(draw(st.lists(st.sampled_from(pieces), max_size=most)))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 40)))
    replacement = "".join(draw(st.lists(st.sampled_from(pieces), max_size=2)))
    return text, text[:start] + replacement + text[end:], FileEdit("f.tf", start, end, replacement)


# --------------------------------------------------------------------------- alignment

ALIGNMENT_LINES = [
    "  a = 1\n",
    "  bbbb = 2\n",
    "  c = 3 # x\n",
    "  ee = 5   // y\n",
    "\n",
    "# note\n",
    "x {\n",
    "}\n",
    "  p = <<EOF\n",
    "EOF\n",
    "  q = [\n",
    "  ]\n",
    "/*\n",
    "*/\n",
    '  s = "a=b"\n',
    "\r\n",
    "\r",
]


def whole_realign(original: str, text: str) -> str:
    """The alignment of the whole edited file, when the original was aligned."""
    try:
        if layout.aligned(original) != original:
            return text
        return layout.aligned(text)
    except layout._Unreadable:
        return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited(ALIGNMENT_LINES))
def test_realigning_around_the_edit_is_realigning_the_whole_file(
    case: tuple[str, str, FileEdit],
) -> None:
    text, new, edit = case
    try:
        original = layout.aligned(text)  # mostly aligned originals: the case windows serve
    except layout._Unreadable:
        original = text
    new = original[: edit.start] + edit.replacement + original[edit.end :]
    assume(new != original)

    assert layout.realign(original, new, [edit]) == whole_realign(original, new)


# --------------------------------------------------------------------------- diffs


def whole_file_hunks(old: str, new: str) -> str:
    old_lines, new_lines = _lines(old), _lines(new)
    removed, added = _changed_lines(old_lines, new_lines)
    removed, added = _slid_down(removed, old_lines), _slid_down(added, new_lines)
    return "".join(_hunk_lines(old_lines, new_lines, _opcodes(removed, added), 0))


@settings(max_examples=400, deadline=None)
@given(edited(["a\n", "a\n", "}\n", "b\n", "\n", "c", "x {\n", "\r\n"], most=80))
def test_a_diff_of_the_lines_around_the_edit_is_the_whole_diff(
    case: tuple[str, str, FileEdit],
) -> None:
    old, new, _ = case
    assume(old != new)

    assert "".join(_windowed_hunks(old, new)) == whole_file_hunks(old, new)


def test_a_run_that_slides_past_the_first_window_is_followed_to_its_end() -> None:
    # The removed `a` is matched first just after the added `b`, then slides down over the
    # twenty `a`s of the common end, to the last one.
    old = "x\nb\n" + "a\n" * 24 + "y\n"
    new = "x\nb\n" + "a\n" * 3 + "b\n" + "a\n" * 20 + "y\n"

    diff = "".join(_windowed_hunks(old, new))

    assert diff == whole_file_hunks(old, new)
    assert diff.endswith(" a\n-a\n y\n")


# --------------------------------------------------------------------------- HCL files

BLOCKS = [
    'resource "aws_iam_user" "u%d" {\n  name = "ann"\n  tags = { a = "ann", b = ["ann"] }\n}\n',
    'locals {\n  one%d = ["ann", "bob"]\n  two = 1\n}\n',
    "# a comment\n",
    "\n",
    'x = ["ann", 1]\n',
    'data "aws_iam_user" "d%d" {\n  user_name = "bob"\n  nested {\n    k = "ann"\n  }\n}\n',
]


@st.composite
def hcl_files(draw: st.DrawFn) -> str:
    chosen = draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=12))
    return "".join(piece.replace("%d", str(n)) for n, piece in enumerate(chosen))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hcl_files(), st.data())
def test_units_of_the_items_holding_a_removal_are_the_units_of_the_whole_file(
    text: str, data: st.DataObject
) -> None:
    parsed = parse_file("f.tf", text)
    spans = [item.span for item in parsed.blocks] + [item.span for item in parsed.attributes]
    items = [(span.start, span.end) for span in spans]
    everything = _hcl_units("f.tf", text, lambda _p, _t: parsed, items)
    known = sorted({*everything.blocks, *everything.attributes, *everything.elements})
    removals = data.draw(st.lists(st.sampled_from(known), max_size=3)) if known else []
    removals += data.draw(st.lists(st.tuples(st.integers(0, 9), st.integers(10, 20)), max_size=1))

    def ranges(units_for: list[tuple[int, int]]) -> list[tuple[int, int]] | str:
        try:
            units = _hcl_units("f.tf", text, lambda _p, _t: parsed, units_for)
            return sorted(units.ranges(text, removals))
        except RenderError as error:
            return str(error)

    assert ranges(removals) == ranges(items)


@settings(max_examples=150, deadline=None)
@given(hcl_files(), st.sampled_from(["ann", "bob", "an", "nobody"]))
def test_the_blocks_holding_a_name_are_those_whose_text_holds_it(text: str, name: str) -> None:
    parsed = parse_file("f.tf", text)
    expected = [b for b in parsed.blocks if name in text[b.span.start : b.span.end]]

    assert _writing(parsed.blocks, text, name, "f.tf") == expected
    assert _writing(parsed.blocks, text + "# \\u0061\n", name, "f.tf") == list(parsed.blocks)


@settings(max_examples=150, deadline=None)
@given(
    hcl_files(),
    st.lists(st.sampled_from(["x.ann", "ann", "aws_iam_user", "one1", "k"]), min_size=1),
)
def test_the_blocks_a_name_is_found_in_are_those_a_search_of_each_finds(
    text: str, names: list[str]
) -> None:
    parsed = parse_file("f.tf", text)
    text = text.replace('"ann"', "x.ann")  # a reference, of the same length as the string
    pattern = _mentions(tuple(sorted(set(names))))
    assert pattern is not None
    expected = [b for b in parsed.blocks if pattern.search(text, b.span.start, b.span.end)]

    assert holding(parsed.blocks, words(text, names)) == expected


@settings(max_examples=300, deadline=None)
@given(st.text("ab.-_ \n", max_size=30), st.lists(st.text("ab.", max_size=3), max_size=3))
def test_a_name_is_found_as_a_word_where_the_pattern_finds_it(text: str, names: list[str]) -> None:
    wanted = tuple(sorted(set(names)))
    pattern = _mentions(wanted)
    expected = pattern is not None and pattern.search(text) is not None

    assert (next(words(text, wanted), None) is not None) == expected


# --------------------------------------------------------------------------- moved blocks


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hcl_files(), st.data())
def test_an_edited_file_read_again_is_the_whole_parse_spans_included(
    text: str, data: st.DataObject
) -> None:
    parsed = parse_file("f.tf", text)
    spans = [block.span for block in parsed.blocks]
    chosen = data.draw(st.lists(st.sampled_from(spans), max_size=3, unique=True)) if spans else []
    new = text
    for span in sorted(chosen, key=lambda span: -span.start):  # several edits, far apart
        inserted = data.draw(
            st.sampled_from(["", "\n", "# c\n", 'extra "x" {\n  a = 1\n}\n', "/*"])
        )
        new = new[: span.start] + inserted + new[span.end :]

    try:
        whole = parse_file("f.tf", new)
    except ParseError as error:
        with pytest.raises(ParseError) as raised:
            reparse(parsed, text, new)
        assert str(raised.value) == str(error)
        return
    again = reparse(parsed, text, new)

    assert again == whole
    assert hash(again) == hash(parse_file("f.tf", new))
    assert pickle.loads(pickle.dumps(again)) == again
    for moved, fresh in zip(again.blocks, parse_file("f.tf", new).blocks, strict=True):
        assert (moved.span, moved.attributes, moved.blocks) == (
            fresh.span,
            fresh.attributes,
            fresh.blocks,
        )


def test_a_moved_block_moved_again_is_moved_by_both() -> None:
    (block,) = parse_file("m.tf", 'a "b" {\n  c = [1]\n  d {\n    e = 2\n  }\n}\n').blocks

    twice = shifted(shifted(block, 5, 1), 7, 2)
    reference = parse_file(
        "m.tf", "\n" * 3 + " " * 9 + 'a "b" {\n  c = [1]\n  d {\n    e = 2\n  }\n}\n'
    )

    assert isinstance(twice, Block)
    assert twice == reference.blocks[0]
    assert reference.blocks[0] == twice
    assert repr(twice) == repr(reference.blocks[0])
    assert twice.attributes[0].value.span.line == 5


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hcl_files(), st.data())
def test_what_two_versions_share_is_left_out_of_comparing_them(
    text: str, data: st.DataObject
) -> None:
    original = parse_file("f.tf", text)

    def edited() -> str:
        """The text with one block taken away or replaced."""
        spans = [block.span for block in original.blocks]
        if not spans:
            return text
        span = data.draw(st.sampled_from(spans))
        replacement = data.draw(st.sampled_from(["", 'extra "x" {\n  a = 1\n}\n']))
        return text[: span.start] + replacement + text[span.end :]

    first, second = edited(), edited()
    versions = [(reparse(original, text, t), t) for t in (first, second)]
    fresh = [(parse_file("f.tf", t), t) for t in (first, second)]

    # against the original, and between two edited copies of it
    for before, after, alone in [
        ((original, text), versions[0], ((parse_file("f.tf", text), text), fresh[0])),
        (versions[0], versions[1], (fresh[0], fresh[1])),
    ]:
        assert rewritten(before, after) == rewritten(*alone)
        old_rest, new_rest = differing(before[0], after[0])
        shared_before = Counter(declares(before[0])) - Counter(declares(old_rest))
        shared_after = Counter(declares(after[0])) - Counter(declares(new_rest))
        assert shared_before == shared_after
