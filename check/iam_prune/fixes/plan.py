"""What retiring declared users changes in the code: the entry points for the pipeline and CLI.

``retire`` plans one finding (``planner``): edits, a patch, what ``terraform plan`` will
destroy, or notes for a person. ``finalize`` checks all findings' changes together
(``together``) and notes on every finding left out of the combined patch why; the combined
patch and the files ``iam-prune fix`` writes (``combined_patch``, ``edited_files``) hold the
changes of the others.

A remediation's ``edits`` name what goes (a block, an element, by the range the parser gave
it) and what is replaced or inserted; how much text a removal takes along is worked out when
they are applied (``render``), for all the edits to a file at once, so that the edits of
several findings combine.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from iam_prune.fixes.planning import countlists, together
from iam_prune.fixes.planning.notes import orphan_note, orphaned_modules
from iam_prune.fixes.planning.planner import Planner
from iam_prune.fixes.text.patch import unified_diff
from iam_prune.fixes.text.render import RenderError, render_all
from iam_prune.model import Declaration, FileEdit, Finding, Remediation, Report, TerraformModel


def remove_user(decl: Declaration, model: TerraformModel) -> Remediation:
    """The change that retires the one instance ``decl`` declares."""
    return retire((decl,), model)


def retire(declarations: Sequence[Declaration], model: TerraformModel) -> Remediation:
    """The change that retires every instance in ``declarations`` (one user, declared in one
    or more places), as one remediation."""
    return retire_timed(declarations, model)[0]


def retire_timed(
    declarations: Sequence[Declaration], model: TerraformModel
) -> tuple[Remediation, float]:
    """``retire``, and the seconds its planning took. Planned once per run: a user planned
    ahead, while its account's details were read, is not planned again (its seconds are
    those it took then)."""
    key = tuple(declarations)
    with _IN_USE:
        planner = _planner(model)
        found = planner.retired.get(key)
        if found is None:
            started = time.perf_counter()
            remediation = planner.guarded(lambda: planner.retire(key))
            found = planner.retired[key] = (remediation, time.perf_counter() - started)
        return found


def ready(model: TerraformModel) -> None:
    """Choose now which files the planning evaluates, and index the texts: what any finding
    will need, done while the accounts are still being read."""
    with _IN_USE:
        _planner(model)


def prepare(planned: Sequence[Sequence[Declaration]], model: TerraformModel) -> bool:
    """Evaluate, once, the original configuration that the findings ``planned`` (each one's
    declarations) will be checked against: planning each finding after this costs what its
    change touches. Whether any of it was not evaluated before (by another account, or
    ahead)."""
    with _IN_USE:
        planner = _planner(model)
        return planner.guarded(lambda: planner.prepare(planned))


def widened(model: TerraformModel) -> str | None:
    """Why planning went from the part of a big configuration it chose to every file (an
    edit reached a file left out), or ``None`` while it has not: each finding from then on
    costs what the whole configuration does, which a person waiting should be told."""
    with _IN_USE:
        return _planner(model).widened


def combine(
    remediations: Iterable[Remediation], model: TerraformModel
) -> tuple[dict[str, str], dict[str, str]]:
    """The text of every file the remediations edit, before and after all their edits.

    Raises ``ValueError`` when an edited file's text is not in ``model.sources`` or when the
    edits collide.
    """
    return _combine_edits([e for r in remediations for e in r.edits], model)


def _combine_edits(
    edits: Sequence[FileEdit], model: TerraformModel
) -> tuple[dict[str, str], dict[str, str]]:
    unique = tuple(dict.fromkeys(edits))
    if not unique:  # nothing to combine: no planner (choosing files reads every text)
        return {}, {}
    extra = together.emptied(_planner(model).workspace, unique)
    return _texts((*unique, *(item.edit for item in extra)), model)


def finalize(report: Report, model: TerraformModel) -> Report:
    """``report`` with a note on every finding whose change cannot be combined with the
    others' (it keeps its own patch, but is left out of the combined one), and on every
    finding whose change the combined patch makes together with others'."""
    combined = _combined(report, model)
    if not combined.changes:  # a run without removals builds no planner
        return report
    refused = _left_out_of(combined.changes, model)
    completing = _emptied_by(combined.changes, model, refused)
    orphaned = _orphaned_together(combined.changes, model, refused)
    if not refused and not completing and not combined.joint and not orphaned:
        return report

    def noted(finding: Finding) -> Finding:
        remediation = finding.remediation
        if remediation is None:
            return finding
        own = together.Change.of(finding)
        change = combined.joint.get(own, own)
        notes: list[str] = []  # caveats, shown with the finding
        if change is not own:
            notes.append(_joint_note(finding, change))
        if change in completing:
            remediation = _with_emptied(remediation, completing[change])
        manual = [  # what is left to do by hand
            orphan_note(directory, "the combined patch (`iam-prune fix`)")
            for directory in orphaned
            if any(d.module_dir == directory for d in finding.declarations)
            and orphan_note(directory, "this change") not in remediation.manual
        ]
        reason = refused.get(change)
        if reason is not None:
            notes.append(
                "Its patch is left out of the combined patch (`iam-prune fix`), because "
                f"together with the other findings' changes {reason}; apply it on its own once "
                "they are merged, or run iam-prune again then."
            )
        remediation = replace(remediation, manual=_unique((*remediation.manual, *manual)))
        return replace(finding, remediation=remediation, notes=_unique((*finding.notes, *notes)))

    accounts = tuple(
        replace(account, findings=tuple(noted(f) for f in account.findings))
        for account in report.accounts
    )
    return replace(report, accounts=accounts)


def _joint_note(finding: Finding, change: together.Change) -> str:
    others = [f"`{d.address}`" for d in change.declarations if d.name != finding.user]
    whose = f"that of {others[0]}" if len(others) == 1 else f"those of {', '.join(others)}"
    if any(edit.replacement for edit in change.edits):
        how = (
            ", in one migration to `for_each` with a `moved` block for every user that stays; "
            "its own patch migrates the list for it alone"
        )
    else:
        how = ": they are the last elements of the list, so no index shifts"
    return (
        "The combined patch (`iam-prune fix`) takes its element out of the `count` list "
        f"together with {whose} (unused too){how}."
    )


def _emptied_by(
    changes: Sequence[together.Change], model: TerraformModel, refused: dict[together.Change, str]
) -> dict[together.Change, list[together.Emptied]]:
    """For the combined patch: the shared lists the findings' changes empty only together, by
    the change that takes the last user, in report order."""
    workspace = _planner(model).workspace
    edits: list[FileEdit] = []
    known: set[str] = set()
    found: dict[together.Change, list[together.Emptied]] = {}
    for change in changes:
        if change in refused:
            continue
        edits.extend(change.edits)
        for item in together.emptied(workspace, edits):
            if item.address not in known and item.address not in change.destroys:
                known.add(item.address)
                found.setdefault(change, []).append(item)
    return found


def _orphaned_together(
    changes: Sequence[together.Change], model: TerraformModel, refused: dict[together.Change, str]
) -> list[str]:
    """The local module directories that the combined patch leaves without a call."""
    edits = [e for change in changes if change not in refused for e in change.edits]
    if not edits:
        return []
    workspace = _planner(model).workspace
    try:
        after = _combine_edits(edits, model)[1]
    except ValueError:
        return []
    return orphaned_modules(workspace, workspace.edited(after))


def _with_emptied(remediation: Remediation, items: Sequence[together.Emptied]) -> Remediation:
    notes = [
        f"{item.where}: with the other findings' changes, `{item.address}` is left without "
        "any user, so the combined patch (`iam-prune fix`) removes it and `terraform plan` "
        "destroys it; this finding's own patch keeps it"
        for item in items
    ]
    return replace(
        remediation,
        destroys=_unique((*remediation.destroys, *(item.address for item in items))),
        manual=_unique((*remediation.manual, *notes)),
    )


def combined_patch(report: Report, model: TerraformModel) -> str:
    """One patch with the code changes of every finding that combine with each other."""
    return unified_diff(*_combine_edits(_combinable(report, model), model))


def edited_files(report: Report, model: TerraformModel) -> dict[str, str]:
    """The new text of every file the combinable findings change, by repository path."""
    return _combine_edits(_combinable(report, model), model)[1]


def _combinable(report: Report, model: TerraformModel) -> list[FileEdit]:
    changes = _combined(report, model).changes
    refused = _left_out_of(changes, model)
    return [e for change in changes if change not in refused for e in change.edits]


@dataclass(frozen=True)
class _Combined:
    """The findings' changes as the combined patch makes them: ``changes`` in report order,
    where the changes of several findings that ``joint`` maps to one are that one."""

    changes: tuple[together.Change, ...]
    joint: dict[together.Change, together.Change]


def _combined(report: Report, model: TerraformModel) -> _Combined:
    own = tuple(
        together.Change.of(f)
        for f in report.findings
        if f.remediation is not None and f.remediation.edits
    )
    return _combined_of(own, model)


@functools.lru_cache(maxsize=4)
def _combined_of(own: tuple[together.Change, ...], model: TerraformModel) -> _Combined:
    if not own:
        return _Combined((), {})
    planner = _planner(model)
    joint = planner.guarded(lambda: countlists.joined(planner, own))
    return _Combined(tuple(dict.fromkeys(joint.get(c, c) for c in own)), joint)


@functools.lru_cache(maxsize=4)
def _left_out_of(
    changes: tuple[together.Change, ...], model: TerraformModel
) -> dict[together.Change, str]:
    # A report is finalized, then patched and written: the same changes, checked once.
    if not changes:
        return {}
    planner = _planner(model)
    return planner.guarded(lambda: together.left_out(planner, changes))


def _texts(
    edits: Sequence[FileEdit], model: TerraformModel
) -> tuple[dict[str, str], dict[str, str]]:
    texts = dict(model.sources)
    try:
        after = render_all(texts, edits, _planner(model).workspace.parsed_text)
    except RenderError as error:
        raise ValueError(str(error)) from error
    return {path: texts[path] for path in after}, after


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


#: A model's planner is shared by the accounts of a run, which are scanned in threads; its
#: caches and its widening to every file are not made for concurrent use, so one thread plans
#: at a time. Planning is pure Python: threads would only take turns at the interpreter lock
#: anyway.
_IN_USE = threading.RLock()


@functools.lru_cache(maxsize=2)
def _planner(model: TerraformModel) -> Planner:
    """One planner per model: the pipeline plans every finding against the same model."""
    return Planner(model)
