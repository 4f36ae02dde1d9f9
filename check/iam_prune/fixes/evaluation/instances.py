"""Every resource instance a root module makes (``compare`` says what changes between two
versions of it).

``terraform plan`` compares the instances the configuration makes with the state; for a fix
that only removes code, what plan will destroy is the instances that are there before the edit
and gone after it (``moved`` blocks the fix adds map old addresses to new ones first). An
instance that survives but is made differently (a ``count`` index now pointing at another list
element, a user whose name changed) is an update in place: for an IAM user that is a rename
that keeps the keys and policies, which no removal may cause. Each instance therefore keeps a
fingerprint of what it is made of: its evaluated arguments and the text of the element that
makes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from iam_prune.fixes.evaluation.scopes import Child, Scope, children, root_scope
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.model import SourceSpan
from iam_prune.terraform.addresses import instance_key
from iam_prune.terraform.evaluate import attribute, evaluate
from iam_prune.terraform.expansion import Expanded, expand, keyed_by_resource, keyed_like
from iam_prune.terraform.references import Traversal, traversals
from iam_prune.terraform.syntax import Block
from iam_prune.terraform.values import Unknown, Value, plain
from iam_prune.terraform.walk import CALL_META

# Arguments that say how many instances there are or in what order, not what one is.
_META = {"count", "for_each", "depends_on", "provider", "lifecycle"}

Fingerprint = tuple[object, ...]


@dataclass(frozen=True)
class Facts:
    """One instance: ``kind`` is ``resource``, ``module`` (an instance of a local module call)
    or ``opaque`` (a module whose files are not known: what it holds is not listed).
    ``config`` is its address in its module (``aws_iam_access_key.bob``, ``module.team``),
    ``key`` its instance key, ``source`` for a module where it comes from."""

    kind: str
    config: str
    directory: str
    key: str | int | None
    fingerprint: Fingerprint = ()
    source: str = ""
    origin: SourceSpan | None = None
    #: The block that makes it (a resource block, a module call).
    block: SourceSpan | None = None


@dataclass(frozen=True)
class Tree:
    """What one root module makes: instances by full address, the ``moved`` statements of every
    module instance (full old address to full new address), and the module instances by
    directory (a directory a fix edits may be instantiated more than once).

    ``walked`` keeps what evaluating it found on the way, for evaluating an edited copy again
    only where it differs (:mod:`iam_prune.fixes.evaluation.retree`)."""

    root: str
    instances: Mapping[str, Facts]
    moves: Mapping[str, str] = field(default_factory=dict)
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    walked: Walked | None = field(default=None, compare=False, repr=False)


@dataclass
class Walked:
    """The module instances of a tree (parents before children), and its instances by the
    module instance and the block (``type.name``, ``module.x``) that make them."""

    scopes: dict[str, Scope] = field(default_factory=dict)
    made: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    moves: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: The directories that lead to each module instance, its own last.
    stacks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Indexes other modules build over the tree once (see ``literals.named_by_value``).
    indexes: dict[str, object] = field(default_factory=dict)


def tree(workspace: Workspace, root: str) -> Tree:
    """Every instance the root module in directory ``root`` makes, all the way down."""
    instances: dict[str, Facts | None] = {}  # a whole walk removes nothing: no None in it
    walked = Walked()
    walk(workspace, root_scope(workspace, root), (root,), instances, walked)
    moves = {old: new for pairs in walked.moves.values() for old, new in pairs}
    scopes: dict[str, list[str]] = {}
    for address, scope in walked.scopes.items():
        scopes.setdefault(scope.directory, []).append(address)
    made = cast(dict[str, Facts], instances)
    return Tree(root, made, moves, {d: tuple(a) for d, a in scopes.items()}, walked)


def walk(
    workspace: Workspace,
    start: Scope,
    stack: tuple[str, ...],
    instances: MutableMapping[str, Facts | None],
    walked: Walked,
) -> None:
    """Every instance of the module instance ``start`` and below, into ``instances`` and
    ``walked``; ``stack`` holds the directories that lead to ``start`` (a module that calls
    itself is opaque)."""
    pending: list[tuple[Scope, tuple[str, ...]]] = [(start, stack)]
    while pending:
        scope, stack = pending.pop()
        walked.scopes[scope.address] = scope
        walked.stacks[scope.address] = stack
        found = expansions(workspace, scope, instances, walked.made)
        put_resources(scope, found, workspace, instances, walked.made)
        walked.moves[scope.address] = list(moves_of(workspace, scope))
        for child in children(workspace, scope):
            opaque = put_child(workspace, scope, child, stack, instances, walked.made)
            if not opaque and child.scope is not None:
                pending.append((child.scope, (*stack, child.scope.directory)))


def put_resources(
    scope: Scope,
    expansions: Iterable[tuple[Block, Sequence[Expanded]]],
    workspace: Workspace,
    instances: MutableMapping[str, Facts | None],
    made: dict[tuple[str, str], list[str]],
) -> None:
    for block, expanded_all in expansions:
        config = ".".join(block.labels)
        for expanded in expanded_all:
            address = f"{scope.address}{config}{expanded.suffix}"
            instances[address] = _resource(workspace, scope, block, expanded)
            made.setdefault((scope.address, config), []).append(address)


def put_child(
    workspace: Workspace,
    scope: Scope,
    child: Child,
    stack: tuple[str, ...],
    instances: MutableMapping[str, Facts | None],
    made: dict[tuple[str, str], list[str]],
) -> bool:
    """The facts of one module instance; whether it is opaque (not walked into)."""
    opaque = child.scope is None or child.scope.directory in stack
    instances[child.address] = child_facts(workspace, scope, child, opaque=opaque)
    made.setdefault((scope.address, f"module.{child.label}"), []).append(child.address)
    return opaque


def child_facts(workspace: Workspace, scope: Scope, child: Child, *, opaque: bool) -> Facts:
    return Facts(
        "opaque" if opaque else "module",
        f"module.{child.label}",
        scope.directory,
        _key(child.expanded),
        _call_fingerprint(workspace, scope, child.call, child.expanded),
        child.source,
        child.expanded.origin,
        child.call.span,
    )


class Overlay(Mapping[str, Facts]):
    """The instances of an edited configuration as the original's with some replaced, added
    or removed (``None``): most of a big module is the same after an edit, and is shared, not
    copied. ``changes`` are the only addresses where the two can differ."""

    def __init__(self, base: Mapping[str, Facts], changes: Mapping[str, Facts | None]) -> None:
        self.base = base
        self.changes = changes

    def __getitem__(self, address: str) -> Facts:
        if address in self.changes:
            found = self.changes[address]
            if found is None:
                raise KeyError(address)
            return found
        return self.base[address]

    def __contains__(self, address: object) -> bool:
        if address in self.changes:
            return self.changes[address] is not None  # type: ignore[index]
        return address in self.base

    def __iter__(self) -> Iterator[str]:
        for address in self.base:
            if self.changes.get(address, self.base[address]) is not None:
                yield address
        for address, facts in self.changes.items():
            if facts is not None and address not in self.base:
                yield address

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _resources(workspace: Workspace, directory: str, only: set[str] | None) -> Iterator[Block]:
    """The resource blocks of a directory in file order (those named ``only``, when given)."""
    if only is None:
        for parsed in workspace.config_files(directory):
            for block in parsed.blocks:
                if block.block_type == "resource" and len(block.labels) == 2:
                    yield block
        return
    index = workspace.blocks(directory)
    chosen = [block for name in only for block in index.get(name, ())]
    order = {path: n for n, path in enumerate(workspace.files(directory))}
    yield from sorted(chosen, key=lambda block: (order[block.span.file], block.span.start))


def expansions(
    workspace: Workspace,
    scope: Scope,
    instances: Mapping[str, Facts | None],
    made: Mapping[tuple[str, str], list[str]],
    only: set[str] | None = None,
) -> Iterator[tuple[Block, Sequence[Expanded]]]:
    """The instances of every resource block of a module instance (of those named in
    ``only``, when given).

    ``for_each = aws_iam_user.dev`` (over another resource of the module) is not something
    the evaluator knows, but its keys are that resource's keys: such blocks are expanded from
    the instances found for the other resource, once those are known. So are
    ``var.create ? aws_iam_user.dev : {}`` and the like when the condition is known.
    """
    waiting: list[tuple[Block, str]] = []
    for block in _resources(workspace, scope.directory, only):
        other = keyed_by_resource(block, scope.names)
        if other is None:
            yield block, expand(block, scope.names, tuple(a.value for a in block.attributes))
        else:
            waiting.append((block, other))
    while waiting:
        pending = {".".join(block.labels) for block, _ in waiting}
        ready = [(block, other) for block, other in waiting if other not in pending]
        if not ready:  # a cycle: Terraform rejects it, and so nothing is known
            break
        for block, other in ready:
            found = [instances[a] for a in dict.fromkeys(made.get((scope.address, other), ()))]
            yield (
                block,
                [
                    keyed_like(f.key, f.config, f.origin)
                    for f in found
                    if f is not None and f.key is not None
                ],
            )
            waiting.remove((block, other))
    for block, _ in waiting:
        yield block, expand(block, scope.names)


def _resource(workspace: Workspace, scope: Scope, block: Block, expanded: Expanded) -> Facts:
    arguments = tuple(
        (attribute.name, _value(evaluate(attribute.value, scope.names, expanded.bindings)))
        for attribute in block.attributes
        if attribute.name not in _META
    )
    key = _key(expanded)
    # The element that makes a `for_each` instance is what `each.value` reads, and what the
    # collection read by key gives (`local.members[each.key]`, or a local built from it): a
    # block that reads neither, nor any value a change could reach, is the same instance
    # whatever else the element holds.
    element = isinstance(key, int) or key is None or _may_read_element(workspace, block)
    origin = _origin_text(workspace, expanded.origin) if element else None
    return Facts(
        "resource",
        ".".join(block.labels),
        scope.directory,
        key,
        (arguments, origin),
        origin=expanded.origin,
        block=block.span,
    )


#: A read of ``each.value`` (or of ``each`` by index, which could be one), as a pattern.
EACH_VALUE = r"(?<![\w.-])each\s*(?:\.\s*value(?![\w-])|\[)"
#: That, or a read of a value that could hold the element: a variable, a local, a module's
#: output, a data source, a file.
_ELEMENT_READ = re.compile(
    rf"{EACH_VALUE}|(?<![\w.-])(?:var|local|module|data)\s*\."
    r"|(?<![\w.-])(?:file|templatefile|filebase64|fileset)\s*\("
)


def _may_read_element(workspace: Workspace, block: Block) -> bool:
    """Whether anything in ``block`` but its ``for_each`` may read the element that makes an
    instance (everything of it counts: nested blocks and ``lifecycle`` are not evaluated)."""
    text = workspace.text(block.span.file)
    if text is None:
        return True
    setting = block.attribute("for_each")
    spans = [(block.span.start, block.span.end)]
    if setting is not None:
        spans = [(block.span.start, setting.span.start), (setting.span.end, block.span.end)]
    return any(_ELEMENT_READ.search(text, start, end) is not None for start, end in spans)


def _call_fingerprint(
    workspace: Workspace, scope: Scope, call: Block, expanded: Expanded
) -> Fingerprint:
    """What one instance of a module call is given: its evaluated inputs, and the element that
    makes it. A module instance whose inputs change changes what is in it, even when iam-prune
    cannot read the module."""
    arguments = tuple(
        (attribute.name, _value(evaluate(attribute.value, scope.names, expanded.bindings)))
        for attribute in call.attributes
        if attribute.name not in CALL_META
    )
    return (arguments, _origin_text(workspace, expanded.origin))


def arguments(facts: Facts) -> dict[str, object] | None:
    """An instance's evaluated arguments as its fingerprint holds them: ``repr`` of each value
    (``"'bob'"``) or ``("unknown", why)``; ``None`` when the fingerprint has none."""
    written = facts.fingerprint[0] if facts.fingerprint else None
    if not isinstance(written, tuple):
        return None
    return {pair[0]: pair[1] for pair in written if isinstance(pair, tuple) and len(pair) == 2}


def argument(facts: Facts, name: str) -> object:
    """One of :func:`arguments`; ``None`` when the block does not set it."""
    return (arguments(facts) or {}).get(name)


def _value(value: Value) -> object:
    if isinstance(value, Unknown):
        return ("unknown", value.reason)
    return repr(plain(value))


def _origin_text(workspace: Workspace, origin: SourceSpan | None) -> str | None:
    """The element that makes an instance, as written; spacing aside, since aligning what
    is left after a removal changes it."""
    if origin is None:
        return None
    text = workspace.text(origin.file)
    return None if text is None else " ".join(text[origin.start : origin.end].split())


def _key(expanded: Expanded) -> str | int | None:
    suffix = expanded.suffix
    if not suffix or not expanded.certain:
        return None
    for binding in ("each", "count"):
        value = expanded.bindings.get(binding)
        if value is None:
            continue
        found = attribute(value, "key" if binding == "each" else "index")
        if isinstance(found, str | int) and not isinstance(found, bool):
            return found
    return None


def moves_of(workspace: Workspace, scope: Scope) -> Iterator[tuple[str, str]]:
    for block in workspace.blocks(scope.directory).get("moved", ()):
        ends = [_endpoint(block, name) for name in ("from", "to")]
        if ends[0] is not None and ends[1] is not None:
            yield scope.address + ends[0], scope.address + ends[1]


def _endpoint(block: Block, name: str) -> str | None:
    attribute = block.attribute(name)
    if attribute is None:
        return None
    found = list(traversals(attribute.value))
    return None if len(found) != 1 else address_of(found[0])


def address_of(traversal: Traversal) -> str:
    """The address a traversal names, with its literal key (``aws_iam_user.a["x"]``)."""
    if traversal.key is None:
        return traversal.address
    return traversal.address + instance_key(traversal.key)
