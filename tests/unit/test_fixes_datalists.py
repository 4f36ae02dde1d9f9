"""Taking one entry out of an inline list of a data file."""

from __future__ import annotations

import pytest
import yaml

from iam_prune.fixes.text.datalists import flow_removal
from iam_prune.fixes.text.render import RenderError, render
from iam_prune.model import FileEdit


def _without(text: str, entry: str) -> str:
    start = text.index(entry)
    return render("u.yaml", text, [FileEdit("u.yaml", start, start + len(entry))])


@pytest.mark.parametrize(
    ("entry", "expected"),
    [("bea", "crew: [cal, dov]\n"), ("cal", "crew: [bea, dov]\n"), ("dov", "crew: [bea, cal]\n")],
)
def test_an_inline_entry_goes_with_its_comma(entry: str, expected: str) -> None:
    assert _without("crew: [bea, cal, dov]\n", entry) == expected


def test_an_entry_on_a_line_of_its_own_between_brackets_goes_with_its_line() -> None:
    text = "crew: [\n  bea,\n  cal,\n  dov\n]\n"
    assert _without(text, "cal") == "crew: [\n  bea,\n  dov\n]\n"
    assert yaml.safe_load(_without(text, "dov")) == {"crew": ["bea", "cal"]}


def test_the_only_entry_leaves_an_empty_list() -> None:
    assert _without("crew: [bea]\n", "bea") == "crew: []\n"


def test_a_value_that_is_no_list_entry_is_refused_with_its_line() -> None:
    assert flow_removal("a: 1\nname: bea\n", 11, 14) is None
    with pytest.raises(RenderError, match=r"u.yaml:2: `bea`"):
        _without("a: 1\nname: bea\n", "bea")


def _without_all(text: str, *entries: str) -> str:
    edits = [FileEdit("u.yaml", text.index(n), text.index(n) + len(n)) for n in entries]
    return render("u.yaml", text, edits)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (("cal", "dov"), "crew: [bea]\n"),
        (("bea", "cal"), "crew: [dov]\n"),
        (("bea", "dov"), "crew: [cal]\n"),
        (("bea", "cal", "dov"), "crew: []\n"),
    ],
)
def test_neighbours_removed_together_leave_a_tidy_list(
    entries: tuple[str, ...], expected: str
) -> None:
    """Each entry's comma depends on the neighbours still there: ``[bea, ]`` is valid YAML
    but not what a person would write."""
    assert _without_all("crew: [bea, cal, dov]\n", *entries) == expected


def test_neighbours_on_lines_of_their_own_leave_no_dangling_comma() -> None:
    text = "crew: [\n  bea,\n  cal,\n  dov\n]\n"
    assert _without_all(text, "cal", "dov") == "crew: [\n  bea\n]\n"


def test_entries_of_two_lists_in_one_file_are_each_removed_from_their_own() -> None:
    text = "crew: [bea, cal]\nops: [dov, eli]\n"
    assert _without_all(text, "cal", "dov") == "crew: [bea]\nops: [eli]\n"


def test_two_edits_of_the_same_text_are_refused_with_their_lines() -> None:
    text = "crew: [bea, cal]\n"
    start = text.index("cal")
    edits = [FileEdit("u.yaml", start, start + 3), FileEdit("u.yaml", start, start + 3, "x")]
    with pytest.raises(RenderError, match=r"overlapping edits at u.yaml:1"):
        render("u.yaml", text, edits)
