"""The fix writer on a real filesystem: all files or none, modes kept, refusals named."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from iam_prune.publish import worktree
from iam_prune.publish.worktree import FileChange, WriteRefusedError, recover, write_all

OLD = {"a.tf": "a = 1\n", "b.tf": "b = 2\n", "sub/c.tf": "c = 3\n"}
NEW = {"a.tf": "", "b.tf": "b = 20\n", "sub/c.tf": "c = 30\n"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in OLD.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def changes() -> list[FileChange]:
    return [FileChange(name, OLD[name], NEW[name]) for name in OLD]


def contents(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_file_is_written_and_nothing_else_is_left(tree: Path) -> None:
    write_all(tree, changes())
    assert contents(tree) == NEW


def test_the_mode_of_each_file_is_kept(tree: Path) -> None:
    (tree / "b.tf").chmod(0o640)
    write_all(tree, changes())
    assert stat.S_IMODE((tree / "b.tf").stat().st_mode) == 0o640


def test_a_failed_rename_puts_back_what_was_renamed(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Path.replace

    def replace(self: Path, target: str | os.PathLike[str]) -> Path:
        if Path(target).name == "c.tf" and self.name.endswith("-new"):
            raise OSError(28, "No space left on device", str(self), None, str(target))
        return real(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(WriteRefusedError, match=r"c\.tf: No space left on device; nothing"):
        write_all(tree, changes())
    assert contents(tree) == OLD  # a.tf and b.tf were renamed, and are back


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (lambda root: (root / "b.tf").write_text("b = 3\n"), "b.tf: changed since"),
        (lambda root: (root / "b.tf").unlink(), "b.tf: cannot be written"),
        (lambda root: (root / "b.tf").chmod(0o444), "b.tf: is read-only"),
    ],
)
def test_a_refusal_names_the_file_and_writes_nothing(tree: Path, spoil: object, says: str) -> None:
    spoil(tree)  # type: ignore[operator]
    before = contents(tree)
    with pytest.raises(WriteRefusedError, match=says):
        write_all(tree, changes())
    assert contents(tree) == before


def test_a_symbolic_link_is_not_replaced_by_a_file(tree: Path) -> None:
    (tree / "real.tf").write_text(OLD["b.tf"], encoding="utf-8")
    (tree / "b.tf").unlink()
    (tree / "b.tf").symlink_to(tree / "real.tf")
    with pytest.raises(WriteRefusedError, match=r"b\.tf: is a symbolic link"):
        write_all(tree, changes())
    assert (tree / "b.tf").is_symlink()


def test_recover_puts_back_the_originals_a_journal_names(tree: Path) -> None:
    # As a kill after the first rename leaves it: a.tf new, its original kept aside.
    a = tree / "a.tf"
    backup = tree / ".a.tf.iam-prune-orig"
    os.link(a, backup)
    staged = tree / ".a.tf.iam-prune-new"
    staged.write_text(NEW["a.tf"], encoding="utf-8")
    staged.replace(a)
    b_backup = tree / ".b.tf.iam-prune-orig"
    os.link(tree / "b.tf", b_backup)  # b.tf not renamed yet: its backup is its twin
    (tree / ".b.tf.iam-prune-new").write_text(NEW["b.tf"], encoding="utf-8")
    entries = [
        {
            "target": str(tree / n),
            "temporary": str(tree / f".{n}.iam-prune-new"),
            "backup": str(tree / f".{n}.iam-prune-orig"),
        }
        for n in ("a.tf", "b.tf")
    ]
    (tree / worktree.JOURNAL).write_text(json.dumps({"files": entries}), encoding="utf-8")
    assert worktree.interrupted(tree) is not None

    assert sorted(recover(tree)) == [str(tree / "a.tf"), str(tree / "b.tf")]
    assert contents(tree) == OLD
    assert worktree.interrupted(tree) is None
    assert recover(tree) == []


def test_a_journal_iam_prune_did_not_write_is_not_acted_on(tree: Path) -> None:
    (tree / worktree.JOURNAL).write_text('{"files": [1]}', encoding="utf-8")
    with pytest.raises(WriteRefusedError, match="restore by hand"):
        recover(tree)
    assert contents(tree) == {**OLD, worktree.JOURNAL: '{"files": [1]}'}
