"""An index by a computed key, checked by evaluating it: does every instance still name one
that is there, and the same one as before?

``aws_iam_user.this[each.value.user]`` in a block keyed otherwise (an attachment per user and
policy, keyed ``"${a.user}/${a.policy}"`` over a ``flatten`` of the users' map) cannot be told
safe from its text, the way ``keys`` tells a block keyed like the users. The edited
configuration says: each instance of the reading block, in every module instance of its
directory, evaluates its index; the removal is safe for it when every index is a known string
key of an instance that is still made, and an instance that was there before the change indexed
the same key then (a key computed from a position could move onto another user). Anything not
known (a key bound by a ``for`` inside the expression, an instance set that cannot be listed)
keeps the refusal.
"""

from __future__ import annotations

from collections.abc import Sequence

from iam_prune.fixes.evaluation.instances import Tree
from iam_prune.fixes.evaluation.roots import Evaluation
from iam_prune.fixes.text.syntaxwalk import dotted_name, nodes
from iam_prune.terraform.addresses import instance_key
from iam_prune.terraform.evaluate import evaluate
from iam_prune.terraform.expansion import expand
from iam_prune.terraform.references import Use
from iam_prune.terraform.syntax import Block, Expr, Index


def keys_stay(
    before: Evaluation, after: Evaluation, directory: str, use: Use, original: Block | None
) -> bool:
    """Whether ``use`` (in the edited text) names only instances that stay, each the one its
    instance named before; ``original`` is the reading block before the edit (``None`` when
    the edit wrote it anew)."""
    key = _index_key(use)
    if key is None or original is None:
        return False
    now = _keys(after.walked, directory, use.block, key, use.traversal.address, check=True)
    if now is None:
        return False
    old_key = _index_key_in(original, use)
    if old_key is None:
        return False
    was = _keys(before.walked, directory, original, old_key, use.traversal.address, check=False)
    if was is None:
        return False
    return all(was.get(address, found) == found for address, found in now.items())


def _keys(
    trees: Sequence[Tree], directory: str, block: Block, key: Expr, resource: str, *, check: bool
) -> dict[str, str] | None:
    """Each instance of ``block`` (by address) and the key it indexes ``resource`` by; ``None``
    when one is not known, or (``check``) names an instance that is not made."""
    found: dict[str, str] = {}
    config = ".".join(block.labels)
    for made in trees:
        if made.walked is None:
            return None
        for scope in made.walked.scopes.values():
            if scope.directory != directory:
                continue
            for expanded in expand(block, scope.names):
                if not expanded.certain:
                    return None
                value = evaluate(key, scope.names, expanded.bindings)
                if not isinstance(value, str):
                    return None
                named = f"{scope.address}{resource}{instance_key(value)}"
                if check and named not in made.instances:
                    return None
                found[f"{made.root}:{scope.address}{config}{expanded.suffix}"] = value
    return found


def _index_key(use: Use) -> Expr | None:
    return _index_key_in(use.block, use)


def _index_key_in(block: Block, use: Use) -> Expr | None:
    """The key expression of the one index into ``use``'s resource in ``block``'s attribute of
    the same name (several, or one inside a ``for``, are not checked here)."""
    attribute = block.attribute(use.attribute.name) if use.path == (use.attribute.name,) else None
    if attribute is None:
        return None
    address = use.traversal.address
    keys = [
        node.key
        for node in nodes(attribute.value)
        if isinstance(node, Index) and dotted_name(node.target) == address
    ]
    return keys[0] if len(keys) == 1 else None
