"""Syntax trees pickle to what they were, without ``dataclasses.fields`` on every node (the
cost of reading a big root from the parse cache)."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass

import pytest

from iam_prune import model
from iam_prune.pickling import fields_once
from iam_prune.terraform import parse, syntax

TEXT = """
resource "aws_iam_user" "u" {
  for_each = { for k, v in var.people : k => v if v.active }
  name     = "${each.key}-${var.suffix}"
  path     = var.paths[0] != null ? "/a/" : upper(local.p[*].x)
  tags     = { team = -1, list = [1, "two", true] }
}
"""


def test_a_parsed_file_round_trips_and_never_asks_for_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed = parse.parse_file("main.tf", TEXT)
    data = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)

    def refuse(_: object) -> None:
        raise AssertionError("dataclasses.fields was called while unpickling")

    monkeypatch.setattr(dataclasses, "fields", refuse)
    assert pickle.loads(data) == parsed


def test_every_slotted_syntax_class_keeps_its_fields_in_order() -> None:
    classes = [
        cls
        for cls in (*vars(syntax).values(), model.SourceSpan)
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and "__slots__" in vars(cls)
    ]
    assert len(classes) >= 18
    for cls in classes:
        names = [field.name for field in dataclasses.fields(cls)]
        assert vars(cls)["__getstate__"].__qualname__.startswith("fields_once"), cls
        blank = object.__new__(cls)
        vars(cls)["__setstate__"](blank, tuple(range(len(names))))
        assert [getattr(blank, name) for name in names] == list(range(len(names)))


@fields_once
@dataclass(frozen=True, slots=True)
class Pair:
    left: int
    right: int


def test_a_state_of_the_wrong_length_is_an_error_not_a_half_built_node() -> None:
    assert pickle.loads(pickle.dumps(Pair(1, 2))) == Pair(1, 2)
    with pytest.raises(ValueError):
        vars(Pair)["__setstate__"](object.__new__(Pair), (1,))
