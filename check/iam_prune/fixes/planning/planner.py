"""Planning one finding: which change retires the user, checked before it is shown.

For each declaration of the user, the candidate first edits (``starts``) are grown and checked
one by one (``settle``); the first that checks out is the change. A ``count`` instance whose
element cannot simply go gets a migration to ``for_each`` as a further candidate. A module
instance is retired whole only when everything in it exists for the user. A user declared in
several places gets one change doing all of it, checked as a whole. When nothing checks out,
the finding gets no patch, and its ``manual`` notes say why and what to change by hand.

Evaluating the configuration is the costly part, so a planner keeps the evaluations of the
original texts, per set of root modules, for every finding planned against the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from iam_prune.fixes.evaluation.reach import OutOfReach
from iam_prune.fixes.evaluation.roots import Evaluation
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.literals import Literals, literals, naming
from iam_prune.fixes.planning.migrate import migration
from iam_prune.fixes.planning.notes import (
    apply_order_notes,
    destroy_notes,
    destroys,
    orphan_note,
    orphaned_modules,
)
from iam_prune.fixes.planning.relevant import choose
from iam_prune.fixes.planning.remotereads import remote_readers
from iam_prune.fixes.planning.settle import Settled, settle
from iam_prune.fixes.planning.starts import Start, removal, starts
from iam_prune.fixes.planning.unlisted import unlisted_notes
from iam_prune.fixes.text.patch import unified_diff
from iam_prune.model import Declaration, FileEdit, Remediation, TerraformModel
from iam_prune.terraform.moduleconfig import is_iam_user_module
from iam_prune.terraform.references import directory_of


@dataclass(frozen=True)
class _Tried:
    """One candidate change for a declaration, grown and checked."""

    start: Start
    settled: Settled


@dataclass(frozen=True)
class _Verdict:
    """What came of planning one declaration: the chosen change, or why there is none."""

    decl: Declaration
    chosen: _Tried | None
    tried: tuple[_Tried, ...] = ()
    reason: str = ""

    @property
    def closest(self) -> _Tried | None:
        """The attempt to explain a refusal with: the first that only lacks manual changes."""
        fine = [t for t in self.tried if not t.settled.problems and t.settled.change]
        return next(iter(fine or self.tried), None)


_T = TypeVar("_T")


class Planner:
    """Plans retirements against one model.

    A big directory is evaluated in part (:mod:`iam_prune.fixes.planning.relevant`); the first
    edit that reaches beyond the part makes the planner evaluate every file from then on and
    plan that finding again (:meth:`guarded`). What was planned before stands: each of its
    edits was checked to change nothing outside the part, so the whole gives the same."""

    def __init__(self, model: TerraformModel) -> None:
        self.model = model
        self.workspace = Workspace.of(model)
        #: The files evaluated in the directories evaluated in part (``None``: every file).
        self.reach = choose(self.workspace, model)
        if self.reach is not None:
            self.workspace.restrict(self.reach)
        self._evaluations: dict[tuple[str, ...], Evaluation] = {}
        self._named: dict[Declaration, Literals] = {}
        #: Why the planner went from a part to every file, when it did.
        self.widened: str | None = None
        #: What ``fixes.plan.retire`` planned, and the seconds it took, by the declarations
        #: retired: a finding planned ahead, while its account was still being read, is not
        #: planned again.
        self.retired: dict[tuple[Declaration, ...], tuple[Remediation, float]] = {}

    def guarded(self, work: Callable[[], _T]) -> _T:
        """``work()``, done again with every file evaluated when an edit reaches beyond the
        part evaluated."""
        try:
            return work()
        except OutOfReach as reason:
            self.widened = str(reason)
            self.workspace = self.workspace.whole()
            self._evaluations.clear()
            self._named.clear()
            return work()

    def retire(self, declarations: Sequence[Declaration]) -> Remediation:
        """The change retiring every instance in ``declarations`` (one user), or a refusal."""
        allowed = {d.address for d in declarations}
        verdicts = [self._verdict(decl, allowed) for decl in declarations]
        chosen = [v.chosen for v in verdicts if v.chosen is not None]
        if len(chosen) < len(verdicts):
            return self._refusal(verdicts, ())
        if len(chosen) == 1:
            return self._remediation(chosen[0].settled, declarations)
        edits = [e for c in chosen for e in c.settled.edits]
        wanted = {a for c in chosen for a in destroys(c.settled.change, declarations)}
        evaluation = self.evaluation(edits, declarations)
        together = settle(evaluation, edits, wanted, wanted | allowed, follow=False)
        if not together.ok:
            return self._refusal(verdicts, [f"done together, {p}" for p in together.failures])
        return self._remediation(together, declarations)

    def prepare(self, planned: Sequence[Sequence[Declaration]]) -> bool:
        """Evaluate the roots of every finding's declarations, and build the indexes every
        finding reads; whether any root was not evaluated before."""
        directories: set[str] = set()
        fresh = False
        for declarations in planned:
            evaluation = self.evaluation((), declarations)
            fresh = evaluation.evaluate() or fresh
            directories.update(evaluation.directories)
            for evaluated in evaluation.trees:
                naming(evaluated)
        self.workspace.prepare(sorted(directories))
        return fresh

    def evaluation(
        self, edits: Sequence[FileEdit], declarations: Sequence[Declaration]
    ) -> Evaluation:
        """The original configuration of every root module the edits or the declarations can
        touch: theirs, any other declaration's whose module tree runs through an edited
        directory (a module used by several roots), and every root when a ``--var-file`` is
        edited."""
        directories = {directory_of(e.file) for e in edits}
        roots = {_root(d) for d in declarations}
        roots |= {_root(d) for d in self.model.declarations if _directories(d) & directories}
        if any(e.file in self.workspace.var_files for e in edits):
            roots |= set(self.workspace.roots())  # a --var-file sets every root's variables
        key = tuple(sorted(roots))
        if key not in self._evaluations:
            self._evaluations[key] = Evaluation(self.workspace, key)
        return self._evaluations[key]

    def retire_elements(self, declarations: Sequence[Declaration]) -> Settled | None:
        """One change retiring several instances of one ``count`` resource, each the user of a
        finding of its own: their elements go together when they are the last ones of the list,
        or else in one migration to ``for_each``; ``None`` when neither checks out."""
        wanted = {d.address for d in declarations}
        elements = tuple(removal(d.key_span) for d in declarations if d.key_span is not None)
        evaluation = self.evaluation(elements, declarations)
        plain = settle(evaluation, elements, wanted, wanted)
        if plain.ok:
            return plain
        moved = migration(declarations, evaluation)
        if isinstance(moved, str):
            return None
        joint = settle(self.evaluation(moved.edits, declarations), moved.edits, wanted, wanted)
        return joint if joint.ok else None

    # ------------------------------------------------------------------ one declaration

    def _verdict(self, decl: Declaration, allowed: set[str]) -> _Verdict:
        if self.workspace.text(decl.file) is None:
            return _Verdict(decl, None, reason="its file's text was not available")
        candidates, impossible = starts(decl)
        if impossible is not None:
            return _Verdict(decl, None, reason=impossible)
        tried: list[_Tried] = []
        for start in candidates:
            tried.append(self._try(start, decl, allowed))
            if start.level == "count" and not tried[-1].settled.ok:
                moved = migration((decl,), self.evaluation(start.edits, (decl,)))
                if isinstance(moved, str):
                    return _Verdict(decl, None, tuple(tried), reason=_no_migration(moved))
                tried.append(self._try(moved, decl, allowed))
            if tried[-1].settled.ok and tried[-1].start.level not in ("module", "inner"):
                break  # a module instance is only judged against its user's own block
        inner = next((t for t in tried if t.start.level == "inner"), None)
        for candidate in (t for t in tried if t.settled.ok):
            if candidate.start.level != "module" or _for_the_user(candidate, inner):
                return _Verdict(decl, candidate, tuple(tried))
        return _Verdict(decl, None, tuple(tried), reason=_why_not(tried))

    def _try(self, start: Start, decl: Declaration, allowed: set[str]) -> _Tried:
        named = self._literals(decl)
        edits = (*start.edits, *named.with_start(start.edits))
        evaluation = self.evaluation(edits, (decl,))
        settled = settle(evaluation, edits, {decl.address}, allowed)
        problems = [
            *named.problems(settled.edits),
            *remote_readers(self.workspace, settled.edits, self.model.remote_output_reads),
        ]
        if problems:
            settled = replace(settled, problems=(*settled.problems, *problems))
        return _Tried(start, settled)

    def _literals(self, decl: Declaration) -> Literals:
        """The literal mentions of the user, the same for every candidate change."""
        if decl not in self._named:
            self._named[decl] = literals(self.workspace, decl, self.model.declarations)
        return self._named[decl]

    # ------------------------------------------------------------------ results

    def _remediation(self, settled: Settled, declarations: Sequence[Declaration]) -> Remediation:
        before = {path: self.workspace.texts[path] for path in settled.texts}
        after = self.workspace.edited(settled.texts)
        return Remediation(
            patch=unified_diff(before, settled.texts) or None,
            edits=settled.edits,
            destroys=destroys(settled.change, declarations),
            manual=(
                *destroy_notes(settled.change),
                *unlisted_notes(self.workspace, settled.change),
                *apply_order_notes(settled.change),
                *(
                    orphan_note(directory, "this change")
                    for directory in orphaned_modules(self.workspace, after)
                ),
            ),
        )

    def _refusal(self, verdicts: Sequence[_Verdict], extra: Sequence[str]) -> Remediation:
        """No patch: the references to change by hand, what the change would destroy (as far
        as it is known), and why iam-prune made none."""
        notes: list[str] = []
        addresses: list[str] = []
        for verdict in verdicts:
            closest = verdict.chosen or verdict.closest
            if closest is not None:
                notes.extend(closest.settled.notes)  # what "the references above" are
            if closest is not None and not closest.settled.problems:
                addresses.extend(destroys(closest.settled.change, (verdict.decl,)))
            else:
                addresses.append(verdict.decl.address)
        notes.extend(_refusal_note(v) for v in verdicts if v.chosen is None)
        notes.extend(f"No patch: {reason}." for reason in extra)
        return Remediation(destroys=_unique(addresses), manual=_unique(notes))


def _for_the_user(candidate: _Tried, inner: _Tried | None) -> bool:
    """A module instance is retired whole only if everything it destroys would go with the
    user anyway (what removing the user's own block destroys), or if it is the iam-user
    registry module, which exists for one user."""
    change = candidate.settled.change
    if change is None:
        return False
    if inner is None:
        return all(is_iam_user_module(change.facts(o).source) for o in change.opaque)
    inner_change = inner.settled.change
    if change.opaque or inner_change is None:
        return False
    return set(change.destroyed) <= set(inner_change.destroyed)


def _root(decl: Declaration) -> str:
    """The root module directory a declaration is evaluated from."""
    if decl.module_calls:
        return directory_of(decl.module_calls[0].file)
    return decl.module_dir


def _directories(decl: Declaration) -> set[str]:
    """Every directory whose edit can change what ``decl`` is."""
    found = {decl.module_dir, *(directory_of(c.file) for c in decl.module_calls)}
    if decl.key_span is not None:
        found.add(directory_of(decl.key_span.file))
    return found


def _no_migration(why: str) -> str:
    return (
        "taking its element out of the `count` list would shift the instances after it onto "
        f"other users (renaming them), and moving it to `for_each` is not possible: {why}"
    )


def _why_not(tried: Sequence[_Tried]) -> str:
    reasons = []
    for attempt in tried:
        settled = attempt.settled
        said = list(settled.failures)
        if attempt.start.level == "module" and settled.ok:
            said.append("the module instance holds more than the user and what exists for it")
        if said:
            reasons.append(f"removing {attempt.start.what}, {'; and '.join(said)}")
    return "; ".join(reasons) or "nothing in the code makes just this instance"


def _refusal_note(verdict: _Verdict) -> str:
    decl = verdict.decl
    return (
        f"No patch for `{decl.address}` ({decl.file}:{decl.line}): {verdict.reason}. "
        "Make the change by hand, or fix what is listed here and run iam-prune again."
    )


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
