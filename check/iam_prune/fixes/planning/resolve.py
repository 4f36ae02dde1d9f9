"""Whether a reference still points at something, and which references an edit leaves dangling.

A reference resolves when its module declares what it names (``aws_iam_user.bob``,
``local.x``, ``module.team``), when a module output it reads is still declared by the called
module, and, for a literal instance key (``aws_iam_user.dev["eli"]``), when some instance of
its module still has that instance. Comparing this before and after an edit tells which
references the edit breaks; the ``from`` of ``moved`` and ``removed`` blocks is left out, since
it names what is gone by design.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from iam_prune.fixes.evaluation.compare import differing
from iam_prune.fixes.evaluation.instances import Tree, address_of
from iam_prune.fixes.evaluation.workspace import Workspace, joined
from iam_prune.fixes.text.holding import holding, words
from iam_prune.model import FileEdit
from iam_prune.terraform import scan
from iam_prune.terraform.moduleconfig import is_local_source, source_of
from iam_prune.terraform.references import Traversal, Use, block_uses, directory_of, uses
from iam_prune.terraform.syntax import ParsedFile

_PAST_ADDRESSES = {("moved", "from"), ("removed", "from")}


@dataclass(frozen=True)
class Located:
    """A use and the file it is in."""

    file: str
    use: Use

    @property
    def traversal(self) -> Traversal:
        return self.use.traversal


class Resolver:
    """What the modules of a workspace declare, and the instances its roots make."""

    def __init__(self, workspace: Workspace, trees: Sequence[Tree]) -> None:
        self.workspace = workspace
        self.trees = tuple(trees)
        self.scopes: dict[str, set[str]] = {}
        for one in trees:
            for directory, addresses in one.scopes.items():
                self.scopes.setdefault(directory, set()).update(addresses)

    def declared(self, directory: str) -> set[str]:
        return self.workspace.declared(directory)

    def resolves(self, directory: str, traversal: Traversal) -> bool:
        names = self.declared(directory)
        if traversal.address not in names:
            return False
        if traversal.kind == "module" and traversal.attribute is not None:
            callee = self.callee(directory, traversal.address)
            if callee is not None and f"output.{traversal.attribute}" not in self.declared(callee):
                return False
        if traversal.key is None or directory not in self.scopes:
            return True
        wanted = address_of(traversal)
        return any(self.makes(prefix + wanted) for prefix in self.scopes[directory])

    def makes(self, address: str) -> bool:
        return any(address in t.instances for t in self.trees)

    def callee(self, directory: str, module: str) -> str | None:
        """The directory a local module call of ``directory`` reads, when its texts are known."""
        label = module.removeprefix("module.")
        for parsed in self.workspace.config_files(directory):
            for block in parsed.blocks:
                if block.block_type == "module" and block.labels == (label,):
                    source = source_of(block)
                    if source is None or not is_local_source(source):
                        return None
                    target = joined(directory, source)
                    return target if self.workspace.knows(target) else None
        return None


def located(
    workspace: Workspace, directories: Iterable[str], names: Iterable[str]
) -> Iterator[Located]:
    """Every use in the blocks of ``directories`` whose text mentions one of ``names`` (the
    addresses an edit may break), in file order: the workspace's word index says which files
    do, so only those are parsed, and in them only the blocks that mention a name are read
    (a file of hundreds of users is not read whole for one)."""
    wanted = tuple(sorted(set(names)))
    for directory in sorted(set(directories)):
        paths = workspace.mentioning(wanted, workspace.files(directory))
        yield from _uses_in(workspace, paths, wanted)


def located_exhaustively(
    workspace: Workspace, directories: Iterable[str], names: Iterable[str]
) -> Iterator[Located]:
    """``located`` by searching every text of the directories: the definition the index
    stands for, kept for testing it."""
    wanted = tuple(sorted(set(names)))
    pattern = _mentions(wanted)
    for directory in sorted(set(directories)):
        paths = [
            path
            for path in workspace.files(directory)
            if pattern is not None and pattern.search(workspace.texts[path])
        ]
        yield from _uses_in(workspace, paths, wanted)


def uses_by_block(
    workspace: Workspace, items: Iterable[Located]
) -> dict[tuple[str, int], list[Located]]:
    """Every use of each block holding one of ``items``, by file and block start."""
    found: dict[tuple[str, int], list[Located]] = {}
    for item in items:
        key = (item.file, item.use.block.span.start)
        text = workspace.text(item.file)
        if key in found or text is None:
            continue
        found[key] = [
            Located(item.file, use)
            for use in block_uses(item.use.block, text)
            if (use.block.block_type, use.path[0]) not in _PAST_ADDRESSES
        ]
    return found


def _uses_in(workspace: Workspace, paths: Iterable[str], names: Sequence[str]) -> Iterator[Located]:
    """The uses of the blocks of ``paths`` whose text mentions one of ``names``."""
    pattern = _mentions(tuple(names))
    for path in paths:
        text = workspace.text(path)
        parsed = workspace.parsed(path) if text is not None else None
        if text is None or not isinstance(parsed, ParsedFile) or pattern is None:
            continue
        if path.endswith(".json"):
            blocks = [b for b in parsed.blocks if pattern.search(text, b.span.start, b.span.end)]
        else:
            blocks = holding(parsed.blocks, words(text, names))
        for block in blocks:
            for use in block_uses(block, text):
                if (use.block.block_type, use.path[0]) not in _PAST_ADDRESSES:
                    yield Located(path, use)


def _mentions(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def changed(before: Resolver, after: Resolver, directories: Iterable[str]) -> set[str]:
    """What a use has to mention for the edit between ``before`` and ``after`` to change
    whether it resolves: the addresses one of ``directories`` declares before and not after,
    the module calls whose callee lost an output or changed, and the addresses some of whose
    instances came or went. A superset is harmless (more files are read); this is the set the
    exhaustive search, which reads every file, needs no more than.

    When the module instances of a directory change (a module call removed or expanded
    differently), every address it declares may resolve differently: the whole directory."""
    names: set[str] = set()
    instances = differing(before.trees, after.trees)
    edited = {directory_of(p) for p in after.workspace.changed}
    for directory in directories:
        old, new = before.declared(directory), after.declared(directory)
        if old is not new:
            names |= old ^ new
        if before.scopes.get(directory) != after.scopes.get(directory):
            names |= old
            continue
        for address in _calls_to_check(before, after, directory, edited):
            if _callee_changed(before, after, directory, address):
                names.add(address)
        for prefix in before.scopes.get(directory, ()):
            for instance in instances:
                if instance.startswith(prefix):
                    names.add(_configured(instance[len(prefix) :]))
    return set(_names(names))


def _calls_to_check(
    before: Resolver, after: Resolver, directory: str, edited: set[str]
) -> Iterator[str]:
    """The module calls of ``directory`` (before and after) whose callee may have changed:
    all of them in an edited directory, else those calling an edited one (the others read
    the same texts)."""
    old = before.workspace.config(directory).calls
    new = after.workspace.config(directory).calls
    if old is not new:
        kept = {call.labels[0] for call in old} & {call.labels[0] for call in new}
        yield from (f"module.{label}" for label in sorted(kept))
        return
    for call in old:
        source = source_of(call)
        if source is not None and is_local_source(source) and joined(directory, source) in edited:
            yield f"module.{call.labels[0]}"


def _configured(instance: str) -> str:
    """The address in its module of an instance below a module prefix: ``aws_iam_user.a``
    of ``aws_iam_user.a["k"]``, ``module.b`` of ``module.b[0].aws_iam_user.c``."""
    segments = instance.split("[", 1)[0].split(".")
    return ".".join(segments[: 3 if segments[0] == "data" else 2])


def _callee_changed(before: Resolver, after: Resolver, directory: str, module: str) -> bool:
    old, new = before.callee(directory, module), after.callee(directory, module)
    if old != new:
        return True
    if old is None:
        return False
    outputs = {a for a in before.declared(old) if a.startswith("output.")}
    return outputs != {a for a in after.declared(old) if a.startswith("output.")}


def names_in(resolver: Resolver, directories: Iterable[str]) -> set[str]:
    """What a use has to mention to possibly refer to something declared in ``directories``
    (the prefilter of ``located``)."""
    return {name for d in directories for name in _names(resolver.declared(d))}


def dangling(
    before: Resolver, after: Resolver, edits: Sequence[FileEdit], directories: Sequence[str]
) -> list[Located]:
    """The uses in the original texts that resolved before the edits, do not after them, and
    are not themselves removed or rewritten by the edits. Only the files that mention what
    the edits change are read."""
    return _dangling_among(
        located(before.workspace, directories, changed(before, after, directories)),
        before,
        after,
        edits,
    )


def dangling_exhaustively(
    before: Resolver, after: Resolver, edits: Sequence[FileEdit], directories: Sequence[str]
) -> list[Located]:
    """``dangling`` by reading every file that mentions anything the directories declare:
    the definition, kept for testing the indexed search against."""
    names = names_in(before, directories)
    return _dangling_among(
        located_exhaustively(before.workspace, directories, names), before, after, edits
    )


def _dangling_among(
    candidates: Iterable[Located], before: Resolver, after: Resolver, edits: Sequence[FileEdit]
) -> list[Located]:
    found: list[Located] = []
    chained: dict[str, set[str]] = {}
    for item in candidates:
        directory = directory_of(item.file)
        if covered(item, edits):
            continue
        if before.resolves(directory, item.traversal) and not after.resolves(
            directory, item.traversal
        ):
            if _moved_on(item, chained.setdefault(directory, _moves_from(after, directory))):
                continue
            found.append(item)
    return found


def _moves_from(resolver: Resolver, directory: str) -> set[str]:
    """The addresses ``moved`` blocks in ``directory`` move away from, as written."""
    workspace = resolver.workspace
    files = workspace.mentioning(("moved",), workspace.files(directory))  # a moved block says so
    found: set[str] = set()
    for path in files:
        parsed = workspace.parsed(path)
        if scan.is_config_file(path) and isinstance(parsed, ParsedFile):
            found.update(
                address_of(use.traversal)
                for use in uses(parsed, workspace.texts[path])
                if use.block.block_type == "moved" and use.path[0] == "from"
            )
    return found


def _moved_on(item: Located, moves_from: set[str]) -> bool:
    """Whether ``item`` is the ``to`` of a ``moved`` block that another one moves on from
    (a migration's ``x[2]`` → ``x["kim"]``): Terraform follows the chain."""
    use = item.use
    return (
        use.block.block_type == "moved"
        and use.path[0] == "to"
        and address_of(item.traversal) in moves_from
    )


def _unresolved_among(resolver: Resolver, items: Iterable[Located]) -> set[tuple[str, str]]:
    missing: set[tuple[str, str]] = set()
    chained: dict[str, set[str]] = {}
    for item in items:
        directory = directory_of(item.file)
        if resolver.resolves(directory, item.traversal):
            continue
        if _moved_on(item, chained.setdefault(directory, _moves_from(resolver, directory))):
            continue
        missing.add((directory, _written(item.traversal)))
    return missing


def newly_unresolved(
    before: Resolver, after: Resolver, edited: Sequence[str], directories: Sequence[str]
) -> set[tuple[str, str]]:
    """``(directory, reference)`` for every reference that resolved before the edits of the
    files ``edited`` and does not after, however it came about.

    A reference breaks where the edit changes what it mentions, or in an edited file (whose
    uses, old and new, are compared with every use of the same names): the other files
    resolve the same before and after, and are not read."""
    within = set(directories)
    edited = [path for path in edited if directory_of(path) in within]
    old_uses = rewritten_uses(before.workspace, after.workspace, edited)
    new_uses = rewritten_uses(after.workspace, before.workspace, edited)
    names = changed(before, after, directories)
    names |= set(_names(item.traversal.address for item in (*old_uses, *new_uses)))
    return _unresolved_among(
        after, itertools.chain(located(after.workspace, directories, names), new_uses)
    ) - _unresolved_among(
        before, itertools.chain(located(before.workspace, directories, names), old_uses)
    )


def rewritten_uses(workspace: Workspace, other: Workspace, paths: Iterable[str]) -> list[Located]:
    """The uses in the blocks of ``paths`` that ``other`` does not have word for word in the
    same file: a block the edit left as it was reads the same before and after, and where a
    name it mentions changed, the search for that name finds it."""
    found: list[Located] = []
    for path in sorted(set(paths)):
        text, parsed = workspace.text(path), workspace.parsed(path)
        if text is None or not isinstance(parsed, ParsedFile):
            continue
        theirs: set[str] = set()
        other_text = other.text(path)
        if other_text is not None and isinstance(known := other.parsed(path), ParsedFile):
            theirs = {other_text[b.span.start : b.span.end] for b in known.blocks}
        for block in parsed.blocks:
            if text[block.span.start : block.span.end] in theirs:
                continue
            for use in block_uses(block, text):
                if (use.block.block_type, use.path[0]) not in _PAST_ADDRESSES:
                    found.append(Located(path, use))
    return found


def newly_unresolved_exhaustively(
    before: Resolver, after: Resolver, directories: Sequence[str]
) -> set[tuple[str, str]]:
    """``newly_unresolved`` by reading every file that mentions anything the directories
    declare: the definition, kept for testing against."""
    names = names_in(before, directories)
    return _unresolved_among(
        after, located_exhaustively(after.workspace, directories, names)
    ) - _unresolved_among(before, located_exhaustively(before.workspace, directories, names))


def _names(addresses: Iterable[str]) -> Iterator[str]:
    for address in addresses:
        yield address.split(".", 1)[0] if address.startswith(("data.", "var.")) else address


def _written(traversal: Traversal) -> str:
    text = address_of(traversal)
    return (
        f"{text}.{traversal.attribute}"
        if traversal.kind == "module" and traversal.attribute
        else text
    )


def covered(item: Located, edits: Sequence[FileEdit]) -> bool:
    """Whether the edits take the use away (it lies in a removed range) or rewrite it."""
    span = item.traversal.span
    for edit in edits:
        if edit.file != item.file:
            continue
        if not edit.replacement and edit.start <= span.start and span.end <= edit.end:
            return True
        if edit.replacement and edit.start < span.end and span.start < edit.end:
            return True
    return False
