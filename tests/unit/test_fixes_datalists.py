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


def test_two_neighbours_go_together() -> None:
    text = "crew: [bea, cal, dov]\n"
    edits = [FileEdit("u.yaml", text.index(n), text.index(n) + 3) for n in ("cal", "dov")]
    assert yaml.safe_load(render("u.yaml", text, edits)) == {"crew": ["bea"]}
