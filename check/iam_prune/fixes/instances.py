"""Every resource instance a root module makes, and what changes between two versions of it.

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

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from iam_prune.fixes.workspace import Scope, Workspace
from iam_prune.model import SourceSpan
from iam_prune.terraform.addresses import instance_key
from iam_prune.terraform.evaluate import attribute, evaluate
from iam_prune.terraform.expansion import Expanded, expand
from iam_prune.terraform.references import Traversal, traversals
from iam_prune.terraform.syntax import Block, GetAttr, Name, Template
from iam_prune.terraform.values import Unknown, Value, make_obj, plain

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
    directory (a directory a fix edits may be instantiated more than once)."""

    root: str
    instances: Mapping[str, Facts]
    moves: Mapping[str, str] = field(default_factory=dict)
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def tree(workspace: Workspace, root: str) -> Tree:
    """Every instance the root module in directory ``root`` makes, all the way down."""
    instances: dict[str, Facts] = {}
    moves: dict[str, str] = {}
    scopes: dict[str, list[str]] = {}
    pending: list[tuple[Scope, tuple[str, ...]]] = [(workspace.root(root), (root,))]
    while pending:
        scope, stack = pending.pop()
        scopes.setdefault(scope.directory, []).append(scope.address)
        for block, expansions in _expansions(workspace, scope, instances):
            for expanded in expansions:
                address = f"{scope.address}{'.'.join(block.labels)}{expanded.suffix}"
                instances[address] = _resource(workspace, scope, block, expanded)
        moves.update(_moves(workspace, scope))
        for child in workspace.children(scope):
            key = _key(child.expanded)
            opaque = child.scope is None or child.scope.directory in stack
            instances[child.address] = Facts(
                "opaque" if opaque else "module",
                f"module.{child.label}",
                scope.directory,
                key,
                _call_fingerprint(workspace, scope, child.call, child.expanded),
                child.source,
                child.expanded.origin,
                child.call.span,
            )
            if opaque or child.scope is None:
                continue
            pending.append((child.scope, (*stack, child.scope.directory)))
    return Tree(root, instances, moves, {d: tuple(a) for d, a in scopes.items()})


def _resources(workspace: Workspace, directory: str) -> Iterator[Block]:
    for parsed in workspace.config_files(directory):
        for block in parsed.blocks:
            if block.block_type == "resource" and len(block.labels) == 2:
                yield block


def _expansions(
    workspace: Workspace, scope: Scope, instances: dict[str, Facts]
) -> Iterator[tuple[Block, Sequence[Expanded]]]:
    """The instances of every resource block of a module instance.

    ``for_each = aws_iam_user.dev`` (over another resource of the module) is not something
    the evaluator knows, but its keys are that resource's keys: such blocks are expanded from
    the instances found for the other resource, once those are known.
    """
    waiting: list[tuple[Block, str]] = []
    for block in _resources(workspace, scope.directory):
        other = _keyed_by_resource(block)
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
            prefix = f"{scope.address}{other}["
            found = [f for a, f in instances.items() if a.startswith(prefix) and f.key is not None]
            yield block, [_keyed_like(f) for f in found]
            waiting.remove((block, other))
    for block, _ in waiting:
        yield block, expand(block, scope.names)


def _keyed_by_resource(block: Block) -> str | None:
    """``type.name`` when the block's ``for_each`` is exactly another resource."""
    attribute = block.attribute("for_each")
    if attribute is None:
        return None
    value = attribute.value
    if (
        isinstance(value, Template)
        and len(value.parts) == 1
        and not isinstance(value.parts[0], str)
    ):
        value = value.parts[0]  # `"${aws_iam_user.u}"` in `.tf.json` is the value itself
    if not (isinstance(value, GetAttr) and isinstance(value.target, Name)):
        return None
    if value.target.name in ("var", "local", "data", "module", "each", "count"):
        return None
    return f"{value.target.name}.{value.name}"


def _keyed_like(other: Facts) -> Expanded:
    key = other.key
    unknown = Unknown(f"each.value is an instance of {other.config}, known only after apply")
    each = make_obj("object", [("key", key, None), ("value", unknown, None)])
    assert key is not None
    return Expanded(instance_key(key), {"each": each}, other.origin)


def _resource(workspace: Workspace, scope: Scope, block: Block, expanded: Expanded) -> Facts:
    arguments = tuple(
        (attribute.name, _value(evaluate(attribute.value, scope.names, expanded.bindings)))
        for attribute in block.attributes
        if attribute.name not in _META
    )
    origin = _origin_text(workspace, expanded.origin)
    return Facts(
        "resource",
        ".".join(block.labels),
        scope.directory,
        _key(expanded),
        (arguments, origin),
        origin=expanded.origin,
        block=block.span,
    )


# Arguments of a module call that are not inputs of the module.
_CALL_META = {"source", "version", "count", "for_each", "depends_on", "providers"}


def _call_fingerprint(
    workspace: Workspace, scope: Scope, call: Block, expanded: Expanded
) -> Fingerprint:
    """What one instance of a module call is given: its evaluated inputs, and the element that
    makes it. A module instance whose inputs change changes what is in it, even when iam-prune
    cannot read the module."""
    arguments = tuple(
        (attribute.name, _value(evaluate(attribute.value, scope.names, expanded.bindings)))
        for attribute in call.attributes
        if attribute.name not in _CALL_META
    )
    return (arguments, _origin_text(workspace, expanded.origin))


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


def _moves(workspace: Workspace, scope: Scope) -> Iterator[tuple[str, str]]:
    for parsed in workspace.config_files(scope.directory):
        for block in parsed.blocks:
            if block.block_type != "moved":
                continue
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


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Change:
    """Between two versions of the configuration: what is gone and what is made differently.

    ``destroyed`` are resource instances, ``opaque`` module instances whose contents are not
    known (everything in them goes too), ``changed`` resource instances that survive but whose
    fingerprint differs, ``shifted`` those of them now made from another list element (a
    ``count`` index moving on), ``modules`` instances of module calls that are gone. All are
    addresses before the edit, in their root module; ``roots`` are the root directories where
    something is destroyed.
    """

    destroyed: tuple[str, ...]
    opaque: tuple[str, ...]
    changed: tuple[str, ...]
    shifted: tuple[str, ...]
    modules: tuple[str, ...]
    before: Mapping[str, Facts]
    roots: tuple[str, ...] = ()

    def facts(self, address: str) -> Facts:
        return self.before[address]


def compare(before: Sequence[Tree], after: Sequence[Tree]) -> Change:
    """What the edits between ``before`` and ``after`` (the trees of the same roots, in the
    same order) do; addresses are only unique within a root, so each is compared on its own.

    Only ``moved`` statements that are new in ``after`` count: the old ones were applied to the
    state long ago.
    """
    parts = [_compare(old, new) for old, new in zip(before, after, strict=True)]
    facts: dict[str, Facts] = {}
    for one in before:
        facts.update(one.instances)

    def union(field: str) -> tuple[str, ...]:
        return tuple(sorted({a for part in parts for a in getattr(part, field)}))

    return Change(
        destroyed=union("destroyed"),
        opaque=union("opaque"),
        changed=union("changed"),
        shifted=union("shifted"),
        modules=union("modules"),
        before=facts,
        roots=tuple(t.root for t, part in zip(before, parts, strict=True) if part.destroyed),
    )


def _compare(old: Tree, new: Tree) -> Change:
    moves = {k: v for k, v in new.moves.items() if old.moves.get(k) != v}
    renamed = {_moved(address, moves): facts for address, facts in old.instances.items()}
    by_old = {_moved(address, moves): address for address in old.instances}
    gone = [a for a in renamed if a not in new.instances]
    kept = [
        (by_old[a], facts, new.instances[a])
        for a, facts in renamed.items()
        if a in new.instances and facts.kind == new.instances[a].kind
    ]

    def of_kind(kind: str) -> tuple[str, ...]:
        return tuple(by_old[a] for a in gone if renamed[a].kind == kind)

    return Change(
        destroyed=of_kind("resource"),
        opaque=of_kind("opaque"),
        changed=tuple(a for a, was, now in kept if now.fingerprint != was.fingerprint),
        shifted=tuple(a for a, was, now in kept if _shifted(was, now)),
        modules=of_kind("module"),
        before=old.instances,
    )


def _shifted(old: Facts, new: Facts) -> bool:
    """Whether both versions know the element that makes the instance, and it differs."""
    was, now = old.fingerprint[-1], new.fingerprint[-1]
    return was is not None and now is not None and was != now


def _moved(address: str, moves: Mapping[str, str]) -> str:
    if address in moves:
        return moves[address]
    for source, target in moves.items():
        if "[" not in source.rsplit(".", 1)[-1] and address.startswith(source + "["):
            return target + address[len(source) :]
    return address
