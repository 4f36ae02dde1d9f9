"""Findings that take elements out of the same ``count`` list, retired by one change.

Each such finding's own change is whole: it moves the resource to ``for_each`` (or, for the
last element, just takes it away) and keeps every other instance, with a ``moved`` block each.
Two of them cannot both be applied: both rewrite the same ``count``, and each writes a
``moved`` block for the user the other one destroys. So for the combined patch, the elements of
one list are planned once, together: taken away as they are when they are the last ones,
else in a single migration that keeps the rest. Twenty unused users of one list are then one
change, not twenty runs of ``iam-prune fix``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from iam_prune.fixes.planning.notes import destroys
from iam_prune.fixes.planning.planner import Planner
from iam_prune.fixes.planning.starts import removal
from iam_prune.fixes.planning.together import Change
from iam_prune.model import Declaration

_INDEX = re.compile(r"\[\d+\]$")


def joined(planner: Planner, changes: Sequence[Change]) -> dict[Change, Change]:
    """For every change that is part of a joint one, that joint change; a list whose elements
    cannot be retired together keeps its changes as they are (and ``together`` sorts them
    out)."""
    lists: dict[tuple[str, str, str], list[Change]] = {}
    for change in changes:
        where = _element_of(change)
        if where is not None:
            lists.setdefault(where, []).append(change)
    found: dict[Change, Change] = {}
    for members in lists.values():
        if len(members) < 2:
            continue
        declarations = tuple(d for member in members for d in member.declarations)
        settled = planner.retire_elements(declarations)
        if settled is None:
            continue
        joint = Change(
            " ".join(member.user for member in members),
            declarations,
            settled.edits,
            destroys(settled.change, declarations),
        )
        found.update(dict.fromkeys(members, joint))
    return found


def _element_of(change: Change) -> tuple[str, str, str] | None:
    """The list (module, resource, file) whose element ``change`` takes away to retire its one
    ``count`` instance, or ``None`` for any other change."""
    if len(change.declarations) != 1:
        return None
    decl: Declaration = change.declarations[0]
    if decl.key_span is None or not _INDEX.search(decl.address):
        return None
    if removal(decl.key_span) not in change.edits:
        return None
    resource = _INDEX.sub("", decl.address)
    return decl.module_dir, resource, decl.key_span.file
