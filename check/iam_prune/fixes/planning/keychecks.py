"""An index by a computed key, checked by evaluating it: does every instance still name only
instances that are there, and the same ones as before but for those the removal takes away?

``aws_iam_user.this[each.value.user]`` in a block keyed otherwise (an attachment per user and
policy, keyed ``"${a.user}/${a.policy}"`` over a ``flatten`` of the users' map) cannot be told
safe from its text, the way ``keys`` tells a block keyed like the users; nor can a membership
per group that walks the group's member list, ``[for u in each.value : aws_iam_user.u[u].name]``
over a map of lists in a local. The edited configuration says: each instance of the reading
block, in every module instance of its directory, evaluates its index (once per element of the
``for`` whose variables the index reads); the removal is safe for it when every key is a known
string key of an instance that is still made, and an instance that was there before the change
indexes the keys it indexed then, less those of instances no longer made (a key computed from a
position could move onto another user). Anything not known (a key bound by an outer ``for``, an
instance set that cannot be listed) keeps the refusal.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from iam_prune.fixes.evaluation.compare import Change
from iam_prune.fixes.evaluation.instances import Tree
from iam_prune.fixes.evaluation.roots import Evaluation
from iam_prune.fixes.evaluation.scopes import Scope
from iam_prune.fixes.planning.dependents import USER_ONLY
from iam_prune.fixes.planning.resolve import located
from iam_prune.fixes.text.edits import removed
from iam_prune.fixes.text.syntaxwalk import dotted_name, nodes, path_to
from iam_prune.model import FileEdit, SourceSpan
from iam_prune.terraform.addresses import instance_key
from iam_prune.terraform.evaluate import evaluate
from iam_prune.terraform.expansion import Expanded, expand
from iam_prune.terraform.references import Use
from iam_prune.terraform.syntax import Block, Expr, ForExpr, Index, Name
from iam_prune.terraform.values import Seq, Value

#: Each instance of the reading block (``root:address``) and the instances it indexes, in order.
_Named = dict[str, tuple[str, ...]]


def keys_stay(
    before: Evaluation, after: Evaluation, directory: str, use: Use, original: Block | None
) -> bool:
    """Whether ``use`` (in the edited text) names only instances that stay, each instance of
    its block the ones it named before but for those that go; ``original`` is the reading
    block before the edit (``None`` when the edit wrote it anew)."""
    read = _index_in(use.block, use)
    if read is None or original is None:
        return False
    now = _named(after.walked, directory, use.block, read, use.traversal.address)
    if now is None:
        return False
    made = {f"{tree.root}:{address}" for tree in after.walked for address in tree.instances}
    if any(named not in made for names in now.values() for named in names):
        return False
    old_read = _index_in(original, use)
    if old_read is None:
        return False
    was = _named(before.walked, directory, original, old_read, use.traversal.address)
    if was is None:
        return False
    return all(
        address not in was or names == tuple(n for n in was[address] if n in made)
        for address, names in now.items()
    )


@dataclass(frozen=True)
class _Read:
    """One index into the resource: its key, and the ``for`` around it whose variables the
    key reads (``None``: the key is the same for the whole instance); ``in_condition`` when
    the index is in that ``for``'s condition (evaluated for every element)."""

    key: Expr
    walk: ForExpr | None
    in_condition: bool = False

    def keys(self) -> Expr:
        """An expression whose value is the key, or the list of keys the ``for`` walks to:
        the elements its condition keeps, which are the ones the value reads (a condition on
        the position, ``if i > 0``, would otherwise hide a member moving out of reach); every
        element when the index is in the condition itself."""
        if self.walk is None:
            return self.key
        condition = None if self.in_condition else self.walk.condition
        return replace(self.walk, key=None, value=self.key, condition=condition, grouping=False)


def _named(
    trees: Sequence[Tree], directory: str, block: Block, read: _Read, resource: str
) -> _Named | None:
    """Each instance of ``block`` (by address) and the instances of ``resource`` it indexes;
    ``None`` when one is not known."""
    found: _Named = {}
    config = ".".join(block.labels)
    for evaluated in _evaluated(trees, directory, block, read):
        if evaluated is None or not evaluated.expanded.certain:
            return None
        keys = _strings(evaluated.value, read)
        if keys is None:
            return None
        made, prefix = evaluated.made.root, evaluated.scope.address
        found[f"{made}:{prefix}{config}{evaluated.expanded.suffix}"] = tuple(
            f"{made}:{prefix}{resource}{instance_key(key)}" for key in keys
        )
    return found


@dataclass(frozen=True)
class _Evaluated:
    """The index's key (or the keys a ``for`` walks to) for one instance of the reading block,
    in one module instance of one root."""

    made: Tree
    scope: Scope
    expanded: Expanded
    value: Value


def _evaluated(
    trees: Sequence[Tree], directory: str, block: Block, read: _Read
) -> Iterator[_Evaluated | None]:
    """The index evaluated for every instance of ``block`` in every module instance of
    ``directory``; ``None`` for a root whose instances were not walked (not known)."""
    expression = read.keys()
    for made in trees:
        if made.walked is None:
            yield None
            continue
        for scope in made.walked.scopes.values():
            if scope.directory != directory:
                continue
            for expanded in expand(block, scope.names):
                value = evaluate(expression, scope.names, expanded.bindings)
                yield _Evaluated(made, scope, expanded, value)


def _strings(value: object, read: _Read) -> tuple[str, ...] | None:
    if read.walk is None:
        return (value,) if isinstance(value, str) else None
    if not isinstance(value, Seq) or not all(isinstance(item, str) for item in value.items):
        return None
    return tuple(str(item) for item in value.items)


def _index_in(block: Block, use: Use) -> _Read | None:
    """The one index into ``use``'s resource in ``block``'s attribute of the same name, with
    the innermost ``for`` around it when its key reads that ``for``'s variables (several
    indexes are not checked here)."""
    attribute = block.attribute(use.attribute.name) if use.path == (use.attribute.name,) else None
    if attribute is None:
        return None
    address = use.traversal.address
    found = [
        node
        for node in nodes(attribute.value)
        if isinstance(node, Index) and dotted_name(node.target) == address
    ]
    if len(found) != 1:
        return None
    index = found[0]
    path = path_to(attribute.value, index) or []
    # The `for`s whose variables are bound where the index is: not those it is the collection of.
    around = [
        n
        for n, inner in itertools.pairwise(path)
        if isinstance(n, ForExpr) and inner is not n.collection
    ]
    if not around:
        return _Read(index.key, None)
    walk = around[-1]
    read = {n.name for n in nodes(index.key) if isinstance(n, Name)}
    if not read & {walk.key_var, walk.value_var}:
        return _Read(index.key, None)  # the same key throughout (or an outer variable: unknown)
    in_condition = walk.condition is not None and any(n is index for n in nodes(walk.condition))
    return _Read(index.key, walk, in_condition)


def walked_to_gone(
    before: Evaluation, change: Change, edits: Sequence[FileEdit]
) -> list[SourceSpan]:
    """What a computed index reaches an instance the change takes away through, where it is
    written as the user's key itself, in the original texts: a list element a ``for`` walks
    (``"eli"`` in ``admins = ["ann", "eli"]``, for ``[for u in each.value :
    aws_iam_user.u[u].name]`` over that map of member lists), or the entry that makes an
    instance keyed by the user's name in another collection (``bob = ["dev", "ops"]`` in a
    map of memberships, for ``user = aws_iam_user.u[each.key].name``). Such an element names
    the user the way a reference would, and goes with it like one; the change with them gone
    is checked again (``keys_stay``, and the readers of what they leave)."""
    resources: dict[str, set[str]] = {}
    for address in change.destroyed:
        facts = change.facts(address)
        if isinstance(facts.key, str):
            resources.setdefault(facts.directory, set()).add(facts.config)
    gone = set(change.destroyed)
    found: list[SourceSpan] = []
    for directory, configs in sorted(resources.items()):
        for reading in located(before.workspace, [directory], configs):
            use = reading.use
            traversal = use.traversal
            if traversal.address not in configs or traversal.key is not None:
                continue
            if removed(use.block.span, edits):
                continue
            read = _index_in(use.block, use) if traversal.indexed else None
            if read is None or (read.walk is None and not _per_user(use)):
                continue
            for reached in _reached(before, directory, use.block, read, traversal.address):
                if (
                    reached.named in gone
                    and reached.span not in found
                    and _written_as(before, reached.span, reached.key, entry=read.walk is None)
                ):
                    found.append(reached.span)
    return found


def _per_user(use: Use) -> bool:
    """Whether the use is the user argument of a resource that exists for one user (an
    access key, a user's group membership): an instance of it indexing a user that goes
    exists only for that user, and may go with the element that makes it. A shared one (a
    group membership) may hold other users too, and keeps its refusal."""
    block = use.block
    if block.block_type == "import":  # an import of the user's instance exists for it alone
        return use.path == ("to",)
    kind = block.labels[0] if block.block_type == "resource" and block.labels else ""
    return USER_ONLY.get(kind) == use.attribute.name and use.path == (use.attribute.name,)


@dataclass(frozen=True)
class _Key:
    key: str
    named: str  # the instance's address in its root, as ``Change`` has it
    span: SourceSpan  # where the key was written: the element walked, or the instance's own


def _reached(
    evaluation: Evaluation, directory: str, block: Block, read: _Read, resource: str
) -> list[_Key]:
    """Each key the index reaches, with the instance it names and where it was written: for
    a walk, the element; otherwise the element that makes the reading instance."""
    found: list[_Key] = []
    for evaluated in _evaluated(evaluation.walked, directory, block, read):
        if evaluated is None:
            continue
        value = evaluated.value
        if read.walk is None:
            pairs = [(value, evaluated.expanded.origin)]
        elif isinstance(value, Seq):
            pairs = list(value.pairs())
        else:
            continue
        for item, span in pairs:
            if isinstance(item, str) and span is not None:
                named = f"{evaluated.scope.address}{resource}{instance_key(item)}"
                found.append(_Key(item, named, span))
    return found


def _written_as(evaluation: Evaluation, span: SourceSpan, key: str, *, entry: bool) -> bool:
    """Whether ``span`` is a list element written as the string ``key`` itself (not a
    reference or a template that happens to give it), or with ``entry`` also a map entry
    whose key is written so (``bob = [...]``, ``"bob": [...]``)."""
    text = evaluation.workspace.text(span.file)
    if text is None:
        return False
    written = text[span.start : span.end].strip().rstrip(",").strip()
    if written == json.dumps(key):
        return True
    bare = re.escape(key) if re.fullmatch(r"[A-Za-z_][\w-]*", key) else "(?!)"
    quoted = re.escape(json.dumps(key))
    return entry and re.match(rf"(?:{quoted}|{bare})\s*[=:]", written) is not None
