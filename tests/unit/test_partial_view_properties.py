"""Over random trees with random unreadable and unparseable files: a user declared in a file
that could not be read or parsed is never ``delete-unmanaged``, and a partial view never
exits 0, whatever the fail policy."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from report_builders import report

from iam_prune.config import FailOn
from iam_prune.delivery import EXIT_CLEAN, exit_code
from iam_prune.model import Inventory, LiveUser, Status, UserDetails
from iam_prune.reconcile import CodeIndex, reconcile
from iam_prune.rules import RuleSettings
from iam_prune.terraform import load

NOW = datetime(2026, 6, 1, tzinfo=UTC)

#: How a file declaring ``name`` is written: whole, or broken in one of the ways seen.
KINDS = ("whole", "unclosed", "not-utf8", "binary", "dangling-link", "json-list", "json-cut")


def write(path: Path, kind: str, name: str) -> None:
    block = f'resource "aws_iam_user" "{name}" {{\n  name = "{name}"\n}}\n'
    if kind == "whole":
        path.write_text(block, encoding="utf-8")
    elif kind == "unclosed":
        path.write_text(block.rstrip("}\n") + "\n", encoding="utf-8")
    elif kind == "not-utf8":
        path.write_bytes(block.encode() + b"# \xff\n")
    elif kind == "binary":
        path.write_bytes(block.encode() + b"\x00\x01")
    elif kind == "dangling-link":
        path.symlink_to(path.with_name("nowhere"))
    elif kind == "json-list":
        path.with_suffix(".tf.json").write_text(f'[{{"name": "{name}"}}]', encoding="utf-8")
    else:  # json-cut
        path.with_suffix(".tf.json").write_text(
            f'{{"resource": {{"aws_iam_user": {{"{name}": {{"name": "{name}"', encoding="utf-8"
        )


def unused(name: str) -> LiveUser:
    return LiveUser(
        name=name,
        arn=f"arn:aws:iam::123456789012:user/{name}",
        created=NOW - timedelta(days=400),
        has_password=False,
        password_last_used=None,
        details=UserDetails(),  # no SSH key or other credential AWS does not report on
    )


trees = st.lists(
    st.tuples(st.integers(min_value=0, max_value=2), st.sampled_from(KINDS)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(trees, st.integers(min_value=0, max_value=3))
def test_no_user_of_an_unreadable_file_is_unmanaged_and_no_partial_view_passes(
    files: list[tuple[int, str]], undeclared: int
) -> None:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        (root / ".git").mkdir()
        kinds: dict[str, str] = {}
        for n, (folder, kind) in enumerate(files):
            directory = root / f"d{folder}"
            directory.mkdir(exist_ok=True)
            user = f"u{n}"
            kinds[user] = kind
            write(directory / f"{user}.tf", kind, user)
        dirs = sorted(p for p in root.iterdir() if p.name.startswith("d"))
        model = load(dirs, root, use_cache=False)

    live = [*kinds, *(f"ghost{n}" for n in range(undeclared))]
    inventory = Inventory("123456789012", tuple(map(unused, live)), "api", None, 0)
    findings = reconcile(inventory, CodeIndex.build(model), RuleSettings(None, 7), NOW)
    status = {f.user: f.status for f in findings}
    broken = {user for user, kind in kinds.items() if kind != "whole"}

    for user in kinds:
        if user in broken:
            assert status[user] is not Status.DELETE_UNMANAGED, (user, kinds[user])
        else:
            assert status[user] is Status.REMOVE_FROM_CODE
    assert bool(model.errors) == bool(broken)
    whole = report(findings, report_errors=model.errors)
    for policy in FailOn:
        if broken:
            assert exit_code(whole, policy) != EXIT_CLEAN
