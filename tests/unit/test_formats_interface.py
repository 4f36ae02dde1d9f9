"""The registry cli.py picks formats from, and the helpers the formats share."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from report_builders import full_report

from iam_prune import formats
from iam_prune.formats import interface, json, junit, markdown, text
from iam_prune.model import Status


def test_every_name_renders_with_its_module() -> None:
    found = formats.renderers()
    assert tuple(found) == formats.NAMES
    assert found["text"] is text.render
    assert found["json"] is json.render
    assert found["junit"] is junit.render
    assert found["markdown"] is markdown.render
    for name in formats.NAMES:
        assert formats.get(name)(full_report())


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(formats.UnknownFormatError, match="known: text, json, junit, markdown"):
        formats.get("yaml")


def test_display_order_covers_every_status_once() -> None:
    assert sorted(interface.DISPLAY_ORDER) == sorted(Status)
    assert interface.DISPLAY_ORDER[-1] is Status.IN_USE


def test_status_counts_include_zeros() -> None:
    counts = interface.status_counts(full_report())
    assert list(counts) == list(interface.DISPLAY_ORDER)
    assert set(counts.values()) == {1}


def test_isoformat_always_has_an_offset() -> None:
    assert interface.isoformat(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05+00:00"
    plus_two = timezone(timedelta(hours=2))
    assert interface.isoformat(datetime(2024, 1, 2, tzinfo=plus_two)) == "2024-01-02T00:00:00+02:00"


def test_the_shared_helpers_import_no_format() -> None:
    """The registry is the package's; the module every format imports must not import back."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(interface.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {m for m in imported if m.startswith("iam_prune.formats")}
