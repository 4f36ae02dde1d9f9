"""Whether a reference still points at something, and which references an edit leaves dangling.

A reference resolves when its module declares what it names (``aws_iam_user.bob``,
``local.x``, ``module.team``), when a module output it reads is still declared by the called
module, and, for a literal instance key (``aws_iam_user.dev["eli"]``), when some instance of
its module still has that instance. Comparing this before and after an edit tells which
references the edit breaks; the ``from`` of ``moved`` and ``removed`` blocks is left out, since
it names what is gone by design.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from iam_prune.fixes.instances import Tree, address_of
from iam_prune.fixes.workspace import Workspace, joined
from iam_prune.model import FileEdit
from iam_prune.terraform.moduleconfig import is_local_source, source_of
from iam_prune.terraform.references import Traversal, Use, declared, directory_of, uses
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
        self.instances = {a for t in trees for a in t.instances}
        self.scopes: dict[str, set[str]] = {}
        for one in trees:
            for directory, addresses in one.scopes.items():
                self.scopes.setdefault(directory, set()).update(addresses)
        self._declared: dict[str, set[str]] = {}

    def declared(self, directory: str) -> set[str]:
        if directory not in self._declared:
            self._declared[directory] = declared(self.workspace.config_files(directory))
        return self._declared[directory]

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
        return any(prefix + wanted in self.instances for prefix in self.scopes[directory])

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
    """Every use in the files of ``directories`` whose text mentions one of ``names`` (the
    addresses an edit may break: a cheap test before parsing)."""
    pattern = _mentions(tuple(sorted(set(names))))
    for directory in sorted(set(directories)):
        for path in workspace.files(directory):
            text = workspace.text(path)
            if text is None or pattern is None or not pattern.search(text):
                continue
            parsed = workspace.parsed(path)
            if not isinstance(parsed, ParsedFile):
                continue
            for use in uses(parsed, text):
                if (use.block.block_type, use.path[0]) not in _PAST_ADDRESSES:
                    yield Located(path, use)


def _mentions(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def names_in(resolver: Resolver, directories: Iterable[str]) -> set[str]:
    """What a use has to mention to possibly refer to something declared in ``directories``
    (the prefilter of ``located``)."""
    return {name for d in directories for name in _names(resolver.declared(d))}


def dangling(
    before: Resolver, after: Resolver, edits: Sequence[FileEdit], directories: Sequence[str]
) -> list[Located]:
    """The uses in the original texts that resolved before the edits, do not after them, and
    are not themselves removed or rewritten by the edits."""
    found: list[Located] = []
    chained: dict[str, set[str]] = {}
    for item in located(before.workspace, directories, names_in(before, directories)):
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
    return {
        address_of(use.traversal)
        for _, use in resolver.workspace.uses(directory)
        if use.block.block_type == "moved" and use.path[0] == "from"
    }


def _moved_on(item: Located, moves_from: set[str]) -> bool:
    """Whether ``item`` is the ``to`` of a ``moved`` block that another one moves on from
    (a migration's ``x[2]`` → ``x["kim"]``): Terraform follows the chain."""
    use = item.use
    return (
        use.block.block_type == "moved"
        and use.path[0] == "to"
        and address_of(item.traversal) in moves_from
    )


def unresolved(
    resolver: Resolver, directories: Sequence[str], names: Iterable[str]
) -> set[tuple[str, str]]:
    """``(directory, reference)`` for every use in ``directories`` mentioning one of ``names``
    that does not resolve: the same set before and after an edit means it broke nothing."""
    missing: set[tuple[str, str]] = set()
    chained: dict[str, set[str]] = {}
    for item in located(resolver.workspace, directories, names):
        directory = directory_of(item.file)
        if resolver.resolves(directory, item.traversal):
            continue
        if _moved_on(item, chained.setdefault(directory, _moves_from(resolver, directory))):
            continue
        missing.add((directory, _written(item.traversal)))
    return missing


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
