"""Rewriting what reads a resource migrated from ``count`` to ``for_each``: an index becomes
its key, a splat keeps the list's order (``values(x)[*].a`` when the keys sort that way, else
``[for key in L : x[key].a]``), and any other use of the resource as a list stops the
migration (``migrate`` says why it is done this way)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.positions import counts_or_conditions, list_read_whole
from iam_prune.fixes.text.syntaxwalk import (
    dotted_name,
    nodes,
    read_whole,
)
from iam_prune.model import FileEdit
from iam_prune.terraform.addresses import instance_key
from iam_prune.terraform.syntax import (
    Block,
    Expr,
    GetAttr,
    Index,
    Literal,
    ParsedFile,
    Splat,
)


@dataclass(frozen=True)
class Counted:
    """A resource block counted by the list, and the file it is in."""

    path: str
    block: Block

    @property
    def address(self) -> str:
        return ".".join(self.block.labels)


# A reference Terraform can read again anywhere in the module: `var.users`, `local.team.names`.
_PLAIN_REFERENCE = re.compile(r'(?:var|local)(?:\.[A-Za-z_][\w-]*|\["[^"\\]*"\]|\[\d+\])+')
# What a splat applies to every element, after `[*]` or (legacy) `.*`.
SPLAT = re.compile(r"\s*(?:\[\s*\*\s*\]|\.\s*\*)")
ATTRIBUTES = re.compile(r"(?:\s*\.\s*[A-Za-z_][\w-]*)*")


@dataclass(frozen=True)
class Listing:
    """The counted list as the migrated module sees it: how ``x[*]`` keeps its order.

    ``x[*]`` of a ``count`` resource is in list order; the instances of a ``for_each``
    resource are in key order. ``values(x)[*]`` is the same list when the kept keys are sorted
    already; otherwise the list is walked in its own order, ``[for key in L : x[key]...]``,
    which needs ``L`` to be a reference that reads the same anywhere in the module."""

    text: str  # the file with the `count`
    listed: Expr
    indices: dict[int, str]  # the kept instances: old index → new key

    @property
    def kept(self) -> list[str]:
        return list(self.indices.values())

    def splat(self, name: str, rest: str, legacy: bool) -> str | None:
        """The text for ``name[*]rest`` (``name.*rest``), or ``None`` when it cannot keep
        the order."""
        if self.kept == sorted(self.kept):
            return f"values({name}){'.*' if legacy else '[*]'}{rest}"
        listed = self.text[self.listed.span.start : self.listed.span.end]
        if not _PLAIN_REFERENCE.fullmatch(listed):
            return None
        if legacy and not ATTRIBUTES.fullmatch(rest):  # `.*` takes attributes only
            return None
        used = set(re.findall(r"[A-Za-z_][\w-]*", rest))  # a name `rest` reads stays its own
        key = next(k for k in ("key", *(f"key{i}" for i in range(1, 99))) if k not in used)
        return f"[for {key} in {listed} : {name}[{key}]{rest}]"


def rewrite_references(
    workspace: Workspace,
    directory: str,
    group: Sequence[Counted],
    migrated: set[str],
    listing: Listing,
    edits: list[FileEdit],
) -> str | None:
    """Elsewhere in the module: ``x[1]`` → ``x["carol"]``, ``x[*].a`` → ``values(x)[*].a``
    or ``[for key in L : x[key].a]`` (``Listing``); the removed indices are left as they are,
    for ``dependents`` to deal with like any reference to a removed instance."""
    inside = {(c.path, c.block.span.start, c.block.span.end) for c in group}
    for path in workspace.files(directory):
        parsed = workspace.parsed(path)
        if not isinstance(parsed, ParsedFile):
            continue
        text = workspace.text(path) or ""
        for block in parsed.blocks:
            if (path, block.span.start, block.span.end) in inside:
                continue
            if block.block_type == "moved":
                continue  # an earlier move into `x[2]` chains on to the new `moved` block
            for where, expr in _values(block, ()):

                def whole(
                    node: Expr, root: Expr = expr, block: Block = block, where: Path = where
                ) -> bool:
                    if counts_or_conditions(block, where):
                        return False
                    return list_read_whole(workspace, directory, block, root, node)

                problem = _rewrite_uses(path, text, expr, migrated, listing, edits, whole)
                if problem is not None:
                    return problem
    return None


Path = tuple[str, ...]


def _values(block: Block, path: Path) -> Iterator[tuple[Path, Expr]]:
    """Every attribute value in the block, with the path of nested block types to it."""
    for attribute in block.attributes:
        yield (*path, attribute.name), attribute.value
    for nested in block.blocks:
        yield from _values(nested, (*path, nested.block_type))


def _rewrite_uses(
    path: str,
    text: str,
    expr: Expr,
    migrated: set[str],
    listing: Listing,
    edits: list[FileEdit],
    whole: Callable[[Expr], bool],
) -> str | None:
    """Rewrite the uses of the migrated resources in one expression; ``whole`` says whether a
    list in it is read only whole (``positions``)."""
    claimed: set[int] = set()
    for node in nodes(expr):  # a node comes before the nodes inside it
        if isinstance(node, GetAttr) and dotted_name(node) in migrated and id(node) not in claimed:
            return _as_list(path, text, node)  # the resource as a whole: `length(x)`, `x`
        if not isinstance(node, Index | Splat) or dotted_name(node.target) not in migrated:
            continue
        claimed.add(id(node.target))
        target = node.target.span
        name = text[target.start : target.end]
        if name != dotted_name(node.target):  # inside a heredoc or a JSON string: not editable
            return _as_list(path, text, node)
        if isinstance(node, Splat):
            if not whole(node):
                return _by_position(path, text, node, exported=read_whole(expr, node))
            edit = _splat(listing, path, text, node, name)
            if edit is None:
                return _out_of_order(path, text, node)
            edits.append(edit)
        elif isinstance(node.key, Literal) and isinstance(node.key.value, int):
            if node.key.value in listing.indices:
                replacement = instance_key(listing.indices[node.key.value])
                edits.append(FileEdit(path, target.end, node.span.end, replacement))
        else:
            return _as_list(path, text, node)
    return None


def _splat(listing: Listing, path: str, text: str, node: Splat, name: str) -> FileEdit | None:
    written = text[node.span.start : node.span.end]
    marker = SPLAT.match(written, len(name))
    if marker is None:
        return None
    legacy = "[" not in marker.group()
    replacement = listing.splat(name, written[marker.end() :], legacy)
    if replacement is None:
        return None
    return FileEdit(path, node.span.start, node.span.end, replacement)


def _by_position(path: str, text: str, node: Expr, *, exported: bool) -> str:
    line = text.count("\n", 0, node.span.start) + 1
    written = text[node.span.start : node.span.end]
    how = (
        f"hands `{written}` on (as a local value, a module output or input) to a reader that "
        "picks from it by position"
        if exported
        else f"picks from `{written}` by position"
    )
    return f"{path}:{line} {how}, which would name another user once the list is shorter"


def _out_of_order(path: str, text: str, node: Expr) -> str:
    line = text.count("\n", 0, node.span.start) + 1
    return (
        f"{path}:{line} reads `{text[node.span.start : node.span.end]}` in list order, which "
        "iam-prune cannot keep for a `for_each` resource here (its keys sort differently, and "
        "the list is not a `var.` or `local.` reference to walk in order)"
    )


def _as_list(path: str, text: str, node: Expr) -> str:
    line = text.count("\n", 0, node.span.start) + 1
    return (
        f"{path}:{line} uses `{text[node.span.start : node.span.end]}` as a list, which a "
        "`for_each` resource is not"
    )
