"""What the edits between two versions of the configuration do, instance by instance.

``terraform plan`` compares the instances the configuration makes with the state; for a fix
that only removes code, what plan will destroy is the instances there before the edit and gone
after it (new ``moved`` blocks map old addresses to new ones first), and what it changes in
place is the instances whose fingerprint differs.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from iam_prune.fixes.evaluation.instances import Facts, Overlay, Tree


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
    # Every root's instances, a later root's where two share an address; one root's as they
    # are (the same mapping for every finding, not a copy each time).
    facts: Mapping[str, Facts] = (
        before[0].instances
        if len(before) == 1
        else ChainMap(*(dict(one.instances) for one in reversed(before)))
    )

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
    if not moves and isinstance(new.instances, Overlay) and new.instances.base is old.instances:
        # Only the overlay's addresses can differ; the rest is the same Facts on both sides.
        among: Mapping[str, Facts] = {
            a: old.instances[a] for a in new.instances.changes if a in old.instances
        }
    else:
        among = old.instances
    renamed = {_moved(address, moves): facts for address, facts in among.items()}
    by_old = {_moved(address, moves): address for address in among}
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


def differing(before: Sequence[Tree], after: Sequence[Tree]) -> set[str]:
    """The addresses some tree of ``after`` makes and none of ``before`` does, or the other
    way round (the trees of the same roots, in the same order)."""
    pairs = list(zip(before, after, strict=True))
    if all(isinstance(n.instances, Overlay) and n.instances.base is o.instances for o, n in pairs):
        candidates = {a for _, n in pairs for a in cast(Overlay, n.instances).changes}

        def made(trees: Sequence[Tree], address: str) -> bool:
            return any(address in t.instances for t in trees)

        return {a for a in candidates if made(before, a) != made(after, a)}
    return {a for t in before for a in t.instances} ^ {a for t in after for a in t.instances}


def _shifted(old: Facts, new: Facts) -> bool:
    """Whether both versions know the element that makes the instance, and it differs, for
    an instance known by its position (``count``). A ``for_each`` instance is its key: when
    its element changes (a team's member list losing the user), what it is given changes,
    which is ``changed``, not a shift onto another element."""
    if isinstance(old.key, str):
        return False
    was, now = old.fingerprint[-1], new.fingerprint[-1]
    return was is not None and now is not None and was != now


def _moved(address: str, moves: Mapping[str, str]) -> str:
    if address in moves:
        return moves[address]
    for source, target in moves.items():
        if "[" not in source.rsplit(".", 1)[-1] and address.startswith(source + "["):
            return target + address[len(source) :]
    return address
