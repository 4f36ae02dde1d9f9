"""From a first edit to the whole change: follow what it leaves dangling, then check the result.

A fix starts from one edit (a user's block, its ``for_each`` key, a module call, a migration)
and grows: the edit is applied, the configuration is evaluated again, and every reference the
edit left dangling is handed to ``dependents``, which either takes more away or writes a note
for a person. That repeats until nothing new goes. Then the result is checked the way a
reviewer would want it checked before showing it: every edited file parses; no reference
resolves less than before; the users destroyed are exactly the ones meant; no user is renamed
and no ``count`` index shifts. Anything that fails turns into a reason, and a change with a
reason gets no patch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from iam_prune.fixes.evaluation.compare import Change, compare
from iam_prune.fixes.evaluation.instances import address_of
from iam_prune.fixes.evaluation.roots import Evaluation
from iam_prune.fixes.planning.changedreaders import changed_readers
from iam_prune.fixes.planning.checks import check
from iam_prune.fixes.planning.deferred import deferred_reads
from iam_prune.fixes.planning.dependents import decide
from iam_prune.fixes.planning.edited import all_edited
from iam_prune.fixes.planning.inplace import lost_in_place, seen_whole
from iam_prune.fixes.planning.keychecks import walked_to_gone
from iam_prune.fixes.planning.keys import computed_keys, protected
from iam_prune.fixes.planning.literals import named_by_value
from iam_prune.fixes.planning.outputreaders import output_readers
from iam_prune.fixes.planning.positions import module_instances_read_all_together
from iam_prune.fixes.planning.readers import passed_on, readers
from iam_prune.fixes.planning.rejectedvalues import unfit_values
from iam_prune.fixes.planning.resolve import (
    Located,
    Resolver,
    covered,
    dangling,
    located,
    newly_unresolved,
    uses_by_block,
)
from iam_prune.fixes.planning.starts import removal
from iam_prune.fixes.planning.unlisted import unlisted_blocks
from iam_prune.fixes.text.edits import removed
from iam_prune.fixes.text.render import RenderError, render_all
from iam_prune.model import FileEdit
from iam_prune.terraform.references import block_name, directory_of
from iam_prune.terraform.syntax import Block

#: Rounds of "what else dangles"; each round removes something new, so real code settles in
#: two or three (a user, its key, the output of its key's secret).
MAX_ROUNDS = 12


@dataclass(frozen=True)
class Settled:
    """The whole change for one starting edit: every edit, the new texts, what evaluation says
    it does, the notes for a person, and ``problems`` that forbid a patch."""

    edits: tuple[FileEdit, ...]
    texts: dict[str, str]
    change: Change | None
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    #: References that would no longer resolve: with ``notes``, the same ones said for a person.
    dangling: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and not self.notes and not self.dangling

    @property
    def failures(self) -> tuple[str, ...]:
        """Why there is no patch, shortest first: the notes list dangling references already."""
        if self.notes:
            return (*self.problems, "it would leave the references above dangling")
        return (*self.problems, *self.dangling)


def settle(
    before: Evaluation,
    start: Sequence[FileEdit],
    wanted: set[str],
    allowed: set[str],
    *,
    follow: bool = True,
) -> Settled:
    """Grow ``start`` into a whole change and check it.

    ``wanted`` are the instances the change must destroy, ``allowed`` the users it may (the
    other declarations of the same user). With ``follow`` false the edits are taken as they
    are (combining findings whose own changes are settled already), and then ``allowed`` is
    every instance the change may destroy, users or not.

    A ``locals`` value that is only about what goes is removed whole, and what reads it
    follows; when that change fails and the value is a literal list or object that other
    blocks read, it is tried again with the value left empty instead (``admins = []``), its
    readers held to what the edited value may change.
    """
    whole, emptiable = _settle(before, start, wanted, allowed, follow, empty_locals=False)
    if whole.ok or not emptiable:
        return whole
    emptied, _ = _settle(before, start, wanted, allowed, follow, empty_locals=True)
    # Refused both ways: what stopped the emptied value says more than the references the
    # removal left dangling, unless that one left some too.
    return emptied if emptied.ok or not emptied.notes else whole


def _settle(
    before: Evaluation,
    start: Sequence[FileEdit],
    wanted: set[str],
    allowed: set[str],
    follow: bool,
    *,
    empty_locals: bool,
) -> tuple[Settled, bool]:
    """``settle`` with one way of taking a ``locals`` value that something else reads; with
    whether such a value was met (another way could give another change)."""
    edits = list(dict.fromkeys(start))
    met: list[bool] = []
    notes: list[str] = []
    change: Change | None = None
    for _ in range(MAX_ROUNDS):
        outcome = _apply(before, edits)
        if isinstance(outcome, str):
            return Settled(tuple(edits), {}, None, problems=(outcome,)), any(met)
        after, texts = outcome
        if not follow:
            break
        more, notes = _dependents(before, after, edits, empty_locals, met)
        if not more:
            # Nothing dangles; what a `for` walks to by a written name is not a reference.
            change = compare(before.trees, after.trees)
            walked = map(removal, walked_to_gone(before, change, edits))
            more = [e for e in walked if e not in edits]
            change = None if more else change
        if not more:
            break
        edits.extend(more)
    else:
        settled = Settled(tuple(edits), {}, None, problems=("the removal did not settle",))
        return settled, any(met)
    change = change or compare(before.trees, after.trees)
    broken = _dangling(before, after, texts)
    edited_values = all_edited(before.workspace, edits, before.roots)
    passed = passed_on(before.workspace, edited_values)
    in_place = lost_in_place(change, after.trees)
    problems = check(
        change, wanted, allowed, exact=not follow, edits=(*edits, *passed), in_place=in_place
    )
    seen = seen_whole(change, before.trees, after.trees, in_place)
    unlisted = set().union(*(unlisted_blocks(tree.instances) for tree in before.trees))

    def not_listed(directory: str, block: Block) -> bool:
        return (directory, block_name(block)) in unlisted

    problems += readers(before.workspace, edits, before.roots, seen, not_listed)
    problems += unfit_values(before.workspace, before.trees, after.workspace, edited_values)
    problems += changed_readers(before.workspace, change, in_place, edits, before.roots)
    problems += output_readers(before.workspace, edits)
    problems += protected(before.workspace, change)
    problems += module_instances_read_all_together(before.workspace, change)
    problems += computed_keys(after.workspace, change, before.workspace, (before, after))
    problems += named_by_value(before.trees, after.trees, wanted)
    problems += deferred_reads(before.workspace, edits, change)
    settled = Settled(tuple(edits), texts, change, tuple(notes), tuple(problems), tuple(broken))
    return settled, any(met)


def _apply(
    before: Evaluation, edits: Sequence[FileEdit]
) -> tuple[Evaluation, dict[str, str]] | str:
    try:
        texts = render_all(before.workspace.texts, edits, before.workspace.parsed_text)
    except RenderError as error:
        return f"the edit could not be made: {error}"
    workspace = before.workspace.edited(texts)
    broken = workspace.broken(sorted(texts))
    if broken:
        return f"the edited file would not parse: {broken[0]}"
    return Evaluation(workspace, before.roots, base=before), texts


def _dependents(
    before: Evaluation,
    after: Evaluation,
    edits: Sequence[FileEdit],
    empty_locals: bool,
    met: list[bool],
) -> tuple[list[FileEdit], list[str]]:
    """What the edits leave dangling, taken away or noted; ``met`` hears whether a ``locals``
    value read elsewhere was met, which ``empty_locals`` says to empty rather than remove."""
    directories = sorted({*before.directories, *(directory_of(e.file) for e in edits)})
    old = Resolver(before.workspace, before.trees)
    new = Resolver(after.workspace, after.trees)
    broken = dangling(old, new, edits, directories)
    if not broken:
        return [], []
    # Every use of the blocks that hold a dangling use.
    by_block = uses_by_block(before.workspace, broken)
    dangling_keys = {_key(item) for item in broken}

    def gone(item: Located) -> bool:
        return _key(item) in dangling_keys or covered(item, edits)

    def read(file: str, name: str) -> bool:
        elsewhere = any(
            use.use.traversal.address == name and not removed(use.use.block.span, edits)
            for use in located(before.workspace, [directory_of(file)], [name])
            if use.use.block.block_type != "locals"
            or use.use.attribute.name != name.removeprefix("local.")
        )
        met.append(elsewhere)
        return elsewhere and empty_locals

    more: list[FileEdit] = []
    notes: list[str] = []
    for item in broken:
        decision = decide(item, by_block[(item.file, item.use.block.span.start)], gone, read)
        if decision.edit is not None and decision.edit not in edits and decision.edit not in more:
            more.append(decision.edit)
        elif decision.note is not None and decision.note not in notes:
            notes.append(decision.note)
    return more, notes


def _key(item: Located) -> tuple[object, ...]:
    """One use told apart from every other: by its place, and by what it names, since in a
    ``.tf.json`` string every reference carries the string's range (`"${toset([aws_iam_user
    .ann.name, aws_iam_user.bob.name])}"`: bob's dangles, ann's does not)."""
    traversal = item.traversal
    span = traversal.span
    return (item.file, span.start, span.end, item.use.path, address_of(traversal))


def _dangling(before: Evaluation, after: Evaluation, texts: dict[str, str]) -> list[str]:
    """Every reference that resolved before and does not after, however it came about."""
    directories = sorted({*before.directories, *(directory_of(f) for f in texts)})
    old = Resolver(before.workspace, before.trees)
    new = Resolver(after.workspace, after.trees)
    broken = newly_unresolved(old, new, sorted(texts), directories)
    return [
        f"a reference to `{reference}` in `{directory}/` would be left dangling"
        for directory, reference in sorted(broken)
    ]
