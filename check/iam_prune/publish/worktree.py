"""Writing a fix into the working tree: every file or none, and never over someone's edit.

Rewriting files one by one in place can leave a tree that Terraform cannot plan: a file cut
short by a kill, one file written and the next refused, a change made while the check ran
silently overwritten. So every new text is computed first; every target is checked to be a
regular, writable file whose bytes are still those the scan read (by content hash); each new
text goes to a hidden temporary file in the target's own folder (so the rename is atomic),
fsynced, with the target's mode, after a journal naming them is written at the repository
root. Only then are the originals kept as hidden backups (hard links, else copies) and the
temporary files renamed over the originals. Removing the journal is the commit; if a
rename fails, what was renamed is put back. If the process dies between renames, the journal
is still there: the next ``iam-prune fix`` puts every original back before it reads anything
(``recover``), and ``iam-prune scan`` (or ``fix --dry-run``) reports the tree as incomplete
until then.

Hidden names (a leading dot) are ignored by Terraform and by iam-prune's own scan.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The journal of a fix in progress, at the repository root.
JOURNAL = ".iam-prune-fix.journal"

#: A test hook, read only here: after this many renames the process kills itself with SIGKILL,
#: as a power cut or an OOM kill would, so tests can check that the next run restores the tree.
KILL_AFTER_RENAMES = "IAM_PRUNE_TEST_KILL_AFTER_RENAMES"


class WriteRefusedError(Exception):
    """Nothing was written; the message names every file that stopped the fix and why."""


@dataclass(frozen=True)
class FileChange:
    """One file of a fix: its path (repository-relative, or absolute outside the repository),
    the text the scan read, and the text to write."""

    relative: str
    before: str
    after: str


@dataclass(frozen=True)
class _Staged:
    target: Path
    temporary: Path
    backup: Path


def write_all(root: Path, changes: Sequence[FileChange]) -> None:
    """Write every change or none; raise :class:`WriteRefusedError` when nothing was written."""
    if not changes:
        return
    problems = [p for change in changes if (p := _check(root / change.relative, change))]
    if problems:
        raise WriteRefusedError("\n".join(problems))
    staged: list[_Staged] = []
    journal = root / JOURNAL
    renamed: list[_Staged] = []
    try:
        # The journal comes first, so that even the temporary files of a run killed while it
        # staged them are tidied by the next.
        staged = [_staged(root / change.relative) for change in changes]
        _write_journal(journal, root, staged)
        for item, change in zip(staged, changes, strict=True):
            _stage(item, change.after)
        for item in staged:
            _keep_original(item)
        changed = [p for change in changes if (p := _changed(root / change.relative, change))]
        if changed:  # edited while the new texts were written: last look before renaming
            raise WriteRefusedError("\n".join(changed))
        kill_after = int(os.environ.get(KILL_AFTER_RENAMES, "-1"))
        for n, item in enumerate(staged):
            if n == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
            item.temporary.replace(item.target)
            renamed.append(item)
        _sync_folders(item.target.parent for item in staged)
    except BaseException as error:
        failed = _roll_back(renamed, staged)
        if failed:
            raise WriteRefusedError(
                f"could not restore {', '.join(failed)}; the originals are kept next to them "
                f"and listed in {journal}"
            ) from error
        _remove(journal)
        if isinstance(error, OSError):
            where = _target_of(error, staged)
            raise WriteRefusedError(
                f"{where}: {error.strerror or error}; nothing was changed"
            ) from error
        raise
    _remove(journal)  # the commit: from here on the new texts are the tree
    for item in staged:
        _remove(item.backup)


def _target_of(error: OSError, staged: Sequence[_Staged]) -> str:
    """The file a failed operation was about: the target, not its hidden companions."""
    named = {str(p) for p in (error.filename, error.filename2) if p}
    for item in staged:
        if named & {str(item.target), str(item.temporary), str(item.backup)}:
            return str(item.target)
    return next(iter(sorted(named)), "a file")


def recover(root: Path) -> list[str]:
    """Put back the originals of a fix that was interrupted between renames, and tidy up;
    the paths restored (empty when there was nothing to do)."""
    journal = root / JOURNAL
    entries = _read_journal(journal)
    if entries is None:
        return []
    restored = []
    for item in entries:
        if item.backup.exists():
            item.backup.replace(item.target)
            restored.append(str(item.target))
        # Renaming a hard link over its twin (a file never renamed) leaves both in place.
        _remove(item.backup)
        _remove(item.temporary)
    _sync_folders(item.target.parent for item in entries)
    _remove(journal)
    return restored


def interrupted(root: Path) -> str | None:
    """Why the tree may be half-changed (a fix was interrupted), or ``None``."""
    journal = root / JOURNAL
    if not journal.exists():
        return None
    return (
        f"{JOURNAL}: an interrupted `iam-prune fix` may have left files half-changed; "
        "run `iam-prune fix` again (it first restores the originals) or restore them yourself"
    )


def _check(path: Path, change: FileChange) -> str | None:
    """Why ``path`` may not be written, or ``None``."""
    try:
        info = path.lstat()
    except OSError as error:
        return f"{change.relative}: cannot be written: {error.strerror or error}"
    if stat.S_ISLNK(info.st_mode):
        return f"{change.relative}: is a symbolic link; change the file it points to by hand"
    if not stat.S_ISREG(info.st_mode):
        return f"{change.relative}: is not a regular file"
    changed = _changed(path, change)
    if changed:
        return changed
    # The write bit is honoured even where the process could write regardless (as root): a
    # file marked read-only was marked so by someone.
    if not info.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        return f"{change.relative}: is read-only; make it writable or apply the patch by hand"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"{change.relative}: its folder is not writable (a new file replaces it there)"
    return None


def _changed(path: Path, change: FileChange) -> str | None:
    try:
        current = path.read_bytes()
    except OSError as error:
        return f"{change.relative}: cannot be read again: {error.strerror or error}"
    if _digest(current) != _digest(change.before.encode("utf-8")):
        return (
            f"{change.relative}: changed since iam-prune read it; run iam-prune again on the "
            "current text"
        )
    return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _staged(target: Path) -> _Staged:
    """Where ``target``'s new text and its original are kept while a fix is written."""
    return _Staged(
        target,
        target.with_name(f".{target.name}.iam-prune-new"),
        target.with_name(f".{target.name}.iam-prune-orig"),
    )


def _stage(staged: _Staged, text: str) -> None:
    """``text`` in the hidden temporary file next to the target, on disk, with its mode."""
    info = staged.target.stat()
    descriptor = os.open(staged.temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, text.encode("utf-8"))
        os.fchmod(descriptor, stat.S_IMODE(info.st_mode))
        with contextlib.suppress(OSError):  # only the owner (or root) may keep the owner
            os.fchown(descriptor, info.st_uid, info.st_gid)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _keep_original(item: _Staged) -> None:
    _remove(item.backup)
    try:
        os.link(item.target, item.backup)
    except OSError:  # a filesystem without hard links: a copy, on disk before any rename
        descriptor = os.open(item.backup, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(descriptor, item.target.read_bytes())
            os.fchmod(descriptor, stat.S_IMODE(item.target.stat().st_mode))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _roll_back(renamed: Sequence[_Staged], staged: Sequence[_Staged]) -> list[str]:
    """Originals back over what was renamed, temporary files and backups gone; the paths that
    could not be restored (their backups then stay)."""
    failed = []
    for item in reversed(renamed):
        try:
            item.backup.replace(item.target)
        except OSError:
            failed.append(str(item.target))
    for item in staged:
        _remove(item.temporary)
        if str(item.target) not in failed:
            _remove(item.backup)
    return failed


def _write_journal(journal: Path, root: Path, staged: Sequence[_Staged]) -> None:
    entries = [
        {"target": str(i.target), "temporary": str(i.temporary), "backup": str(i.backup)}
        for i in staged
    ]
    descriptor = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(descriptor, json.dumps({"files": entries}, indent=2).encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    _sync_folders([root])


def _read_journal(journal: Path) -> list[_Staged] | None:
    try:
        document = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise WriteRefusedError(f"{journal}: cannot be read ({error}); restore by hand") from error
    try:
        return [
            _Staged(Path(e["target"]), Path(e["temporary"]), Path(e["backup"]))
            for e in document["files"]
        ]
    except (KeyError, TypeError) as error:
        raise WriteRefusedError(
            f"{journal}: not a journal iam-prune wrote; restore by hand"
        ) from error


def _sync_folders(folders: Iterable[Path]) -> None:
    """Renames are durable once their folders are synced (where the platform allows it)."""
    for folder in set(folders):
        with contextlib.suppress(OSError):
            descriptor = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
