"""The changes of all findings at once: which of them can be applied together.

Each finding's change is checked on its own, but ``iam-prune fix`` and the combined patch apply
them all: two users of one list, a migration and the removal of a key it moves to. So the
union is checked the same way (files parse, nothing dangles, every finding still destroys what
it said and nothing more). When it fails, findings are added one by one, in report order, and
those that break the set are left out of it, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from iam_prune.fixes.planner import Planner
from iam_prune.fixes.settle import settle
from iam_prune.model import Declaration, FileEdit, Finding


@dataclass(frozen=True)
class Change:
    """What a finding's change is, for combining: its user, declarations, edits and what it
    destroys (notes aside, so a finding with a note added is still the same change)."""

    user: str
    declarations: tuple[Declaration, ...]
    edits: tuple[FileEdit, ...]
    destroys: tuple[str, ...]

    @classmethod
    def of(cls, finding: Finding) -> Change:
        remediation = finding.remediation
        edits = remediation.edits if remediation else ()
        destroyed = remediation.destroys if remediation else ()
        return cls(finding.user, finding.declarations, edits, destroyed)


def left_out(planner: Planner, changes: Sequence[Change]) -> dict[Change, str]:
    """The changes that cannot join the others', and why."""
    if len(changes) < 2 or _failure(planner, changes) is None:
        return {}
    kept: list[Change] = []
    refused: dict[Change, str] = {}
    for change in changes:
        problem = _failure(planner, [*kept, change])
        if problem is None:
            kept.append(change)
        else:
            refused[change] = problem
    return refused


def _failure(planner: Planner, changes: Sequence[Change]) -> str | None:
    """Why the changes fail together, or ``None``."""
    edits = [e for c in changes for e in c.edits]
    declarations = [d for c in changes for d in c.declarations]
    wanted = {a for c in changes for a in c.destroys}
    allowed = wanted | {d.address for d in declarations}
    evaluation = planner.evaluation(edits, declarations)
    settled = settle(evaluation, edits, wanted, allowed, follow=False)
    return None if settled.ok else settled.failures[0]
