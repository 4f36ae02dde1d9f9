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

from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.dependents import SHARED_LISTS, other_principals
from iam_prune.fixes.planning.planner import Planner
from iam_prune.fixes.planning.settle import settle
from iam_prune.fixes.text.edits import removed
from iam_prune.model import Declaration, FileEdit, Finding
from iam_prune.terraform.syntax import ParsedFile


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


@dataclass(frozen=True)
class Emptied:
    """A shared list (a group membership's or policy attachment's ``users``) that loses every
    element only when several findings' changes are applied: like a single change that takes
    its last user, the whole block goes then (``edit``), and ``address`` is destroyed."""

    edit: FileEdit
    address: str
    where: str


def emptied(workspace: Workspace, edits: Sequence[FileEdit]) -> list[Emptied]:
    """The shared-list blocks that ``edits`` together leave without any user and with no
    other principal (``roles``, ``groups``), and that none of them removes whole."""
    found: list[Emptied] = []
    removals = [e for e in edits if not e.replacement]
    for file in sorted({e.file for e in removals}):
        if workspace.text(file) is None:
            continue
        parsed = workspace.parsed(file)
        if not isinstance(parsed, ParsedFile):
            continue
        for block in parsed.blocks:
            kind = block.labels[0] if block.block_type == "resource" and block.labels else ""
            argument = SHARED_LISTS.get(kind)
            if argument is None or len(block.labels) != 2 or other_principals(block):
                continue
            if any(block.attribute(meta) for meta in ("count", "for_each")):
                continue
            users = block.attribute(argument)
            if users is None or not users.elements or removed(block.span, removals):
                continue
            if all(removed(element.span, removals) for element in users.elements):
                found.append(
                    Emptied(
                        FileEdit(file, block.span.start, block.span.end),
                        ".".join(block.labels),
                        f"{file}:{block.span.line}",
                    )
                )
    return found


def _failure(planner: Planner, changes: Sequence[Change]) -> str | None:
    """Why the changes fail together, or ``None``."""
    edits = [e for c in changes for e in c.edits]
    extra = emptied(planner.workspace, edits)
    edits += [e.edit for e in extra]
    declarations = [d for c in changes for d in c.declarations]
    wanted = {a for c in changes for a in c.destroys} | {e.address for e in extra}
    allowed = wanted | {d.address for d in declarations}
    evaluation = planner.evaluation(edits, declarations)
    settled = settle(evaluation, edits, wanted, allowed, follow=False)
    return None if settled.ok else settled.failures[0]
