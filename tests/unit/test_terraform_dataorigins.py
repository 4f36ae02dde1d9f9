"""Where the entries of a decoded YAML, JSON or CSV file are written: the lines a fix removes."""

from __future__ import annotations

from iam_prune.terraform.dataorigins import DataText, whole_lines
from iam_prune.terraform.decoding import csvdecode, jsondecode, yamldecode
from iam_prune.terraform.values import Obj, Seq


def _removed(text: str, origin: object) -> str:
    assert origin is not None
    start, end = origin.start, origin.end  # type: ignore[attr-defined]
    return text[:start] + text[end:]


def test_a_block_list_item_is_its_line_with_its_comment() -> None:
    text = "# staff\nusers:\n  - ann\n  - bob # on call\n  - cy\n"
    value = yamldecode(DataText(text, "u.yaml"))
    assert isinstance(value, Obj)
    users = value.items[0]
    assert isinstance(users, Seq)
    origin = users.origins[1]
    assert origin is not None and (origin.file, origin.line, origin.end_line) == ("u.yaml", 4, 4)
    assert _removed(text, origin) == "# staff\nusers:\n  - ann\n  - cy\n"


def test_a_mapping_entry_takes_its_nested_lines_and_the_comment_above() -> None:
    text = (
        "people:\n  ann:\n    groups: [dev]\n  # new\n  bob:\n    groups:\n      - ops\n  cy: {}\n"
    )
    value = yamldecode(DataText(text, "p.yaml"))
    assert isinstance(value, Obj)
    people = value.items[0]
    assert isinstance(people, Obj) and people.keys == ("ann", "bob", "cy")
    assert _removed(text, people.origins[1]) == "people:\n  ann:\n    groups: [dev]\n  cy: {}\n"


def test_items_written_inline_keep_only_their_characters() -> None:
    text = "users: [ann, bob]\n"
    value = yamldecode(DataText(text, "u.yaml"))
    assert isinstance(value, Obj)
    users = value.items[0]
    assert isinstance(users, Seq) and users.items == ("ann", "bob")
    origin = users.origins[1]
    assert origin is not None and text[origin.start : origin.end] == "bob"
    assert not whole_lines(text, origin.start, origin.end)


def test_a_string_built_in_the_code_decodes_without_origins() -> None:
    value = yamldecode("users:\n  - ann\n")
    assert isinstance(value, Obj)
    users = value.items[0]
    assert isinstance(users, Seq) and users.origins == (None,)


def test_a_csv_record_is_its_line() -> None:
    text = "name,team\nann,web\nbob,data\n"
    value = csvdecode(DataText(text, "u.csv"))
    assert isinstance(value, Seq)
    assert _removed(text, value.origins[1]) == "name,team\nann,web\n"


def test_a_csv_record_over_several_lines_leaves_every_origin_unknown() -> None:
    value = csvdecode(DataText('name,note\nann,"two\nlines"\nbob,x\n', "u.csv"))
    assert isinstance(value, Seq) and len(value.items) == 2
    assert value.origins == (None, None)


def test_a_json_array_item_is_its_value() -> None:
    text = '{"staff": [\n  "ann",\n  "bob"\n]}\n'
    value = jsondecode(DataText(text, "s.json"))
    assert isinstance(value, Obj)
    staff = value.items[0]
    assert isinstance(staff, Seq)
    origin = staff.origins[1]
    assert origin is not None and origin.line == 3
    assert text[origin.start : origin.end] == '"bob"'
