"""What an edited copy of a workspace reads from a directory it edits, worked out from its
parent's and the edited files alone: a directory of thousands of files is not gone through
again for the one file an edit touches. Each gives what reading the edited directory afresh
gives (the tests of the re-evaluation hold it to that)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from iam_prune.terraform import scan
from iam_prune.terraform.moduleconfig import USER_RESOURCE
from iam_prune.terraform.references import declares, directory_of
from iam_prune.terraform.reparse import differing
from iam_prune.terraform.syntax import Block, ParsedFile, ParseError


class Workspace(Protocol):
    """What is read here of a workspace (``evaluation.workspace.Workspace``)."""

    texts: dict[str, str]
    changed: frozenset[str]

    def files(self, directory: str) -> list[str]: ...
    def parsed(self, path: str) -> ParsedFile | ParseError: ...
    def config_files(self, directory: str) -> list[ParsedFile]: ...
    def places(self, directory: str) -> dict[str, int]: ...
    def blocks(self, directory: str) -> dict[str, list[Block]]: ...
    def declared(self, directory: str) -> set[str]: ...
    def declared_counts(self, directory: str) -> Counter[str]: ...


def config_files(workspace: Workspace, parent: Workspace, directory: str) -> list[ParsedFile]:
    """The parent's list with the edited files' parses in their places: a directory of
    thousands of files is not gone through again for the one an edit touches."""
    edited = sorted(p for p in workspace.changed if directory_of(p) == directory)
    theirs = parent.config_files(directory)
    if any(p not in parent.texts for p in edited):  # a new file: its place is looked for
        paths = [path for path in workspace.files(directory) if scan.is_config_file(path)]
        mine = {p.path: p for p in theirs if p.path not in edited}
        for path in edited:
            if isinstance(parsed := workspace.parsed(path), ParsedFile):
                mine[path] = parsed
        return [mine[path] for path in paths if path in mine]
    found: list[ParsedFile | None] = list(theirs)
    places = parent.places(directory)
    missing = []
    for path in edited:
        outcome = workspace.parsed(path) if scan.is_config_file(path) else None
        usable = outcome if isinstance(outcome, ParsedFile) else None
        if path in places:
            found[places[path]] = usable
        elif usable is not None:
            missing.append(usable)  # it did not parse before the edit
    kept = [parsed for parsed in found if parsed is not None]
    if missing:
        kept = sorted([*kept, *missing], key=lambda parsed: parsed.path)
    return kept


def blocks(workspace: Workspace, parent: Workspace, directory: str) -> dict[str, list[Block]]:
    """The parent's index with the edited files' blocks in place of theirs.

    Most kinds hold one block (a resource's ``type.name``), so this goes once through the
    edited files' blocks and touches each of their kinds with as little as it can: a kind
    found only in the edited files is their blocks, already in file order; only a kind shared
    with files left as they were, or in several edited files, is sorted again."""
    edited = {p for p in workspace.changed if directory_of(p) == directory}
    mine = by_kind(f for f in workspace.config_files(directory) if f.path in edited)
    gone = _kinds(f for f in parent.config_files(directory) if f.path in edited)
    found = dict(parent.blocks(directory))
    order: dict[str, int] | None = None
    for kind in gone | mine.keys():
        before = found.get(kind, ())
        kept = [b for b in before if b.span.file not in edited]
        added = mine.get(kind)
        if added and (kept or len(edited) > 1):
            if order is None:
                order = {path: n for n, path in enumerate(workspace.files(directory))}
            places = order
            kept = sorted([*kept, *added], key=lambda b: (places[b.span.file], b.span.start))
        elif added:
            kept = added  # the one edited file's own, in the order of its text
        if kept:
            found[kind] = kept
        else:
            found.pop(kind, None)
    return found


def declared(workspace: Workspace, parent: Workspace, directory: str) -> set[str]:
    counts = parent.declared_counts(directory)
    gone: Counter[str] = Counter()
    added: set[str] = set()
    for path in (p for p in workspace.changed if directory_of(p) == directory):
        if not scan.is_config_file(path):
            continue
        old, new = parent.parsed(path), workspace.parsed(path)
        if isinstance(old, ParsedFile) and isinstance(new, ParsedFile) and path in parent.texts:
            old, new = differing(old, new)  # what both share is declared before and after
        if isinstance(old, ParsedFile) and path in parent.texts:
            gone.update(declares(old))
        if isinstance(new, ParsedFile):
            added.update(declares(new))
    found = set(parent.declared(directory))
    found.difference_update(n for n, k in gone.items() if counts[n] <= k)
    return found | added


def _kinds(files: Iterable[ParsedFile]) -> set[str]:
    """The kinds ``by_kind`` files the blocks of ``files`` under."""
    return {kind for parsed in files for block in parsed.blocks for kind in _kinds_of(block)}


def _kinds_of(block: Block) -> tuple[str, ...]:
    if block.block_type == "resource" and len(block.labels) == 2:
        kind = ".".join(block.labels)
        return (kind, USER_RESOURCE) if block.labels[0] == USER_RESOURCE else (kind,)
    return (block.block_type,)


def by_kind(files: Iterable[ParsedFile]) -> dict[str, list[Block]]:
    found: dict[str, list[Block]] = {}
    for parsed in files:
        for block in parsed.blocks:
            resource = block.block_type == "resource" and len(block.labels) == 2
            kind = ".".join(block.labels) if resource else block.block_type
            found.setdefault(kind, []).append(block)
            if resource and block.labels[0] == USER_RESOURCE:
                found.setdefault(USER_RESOURCE, []).append(block)
    return found
