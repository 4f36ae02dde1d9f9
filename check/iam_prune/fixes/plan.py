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
from collections.abc import Iterable, Sequence
from dataclasses import replace

from iam_prune.fixes import together
from iam_prune.fixes.patch import unified_diff
from iam_prune.fixes.planner import Planner
from iam_prune.fixes.render import RenderError, render_all
from iam_prune.model import Declaration, FileEdit, Finding, Remediation, Report, TerraformModel


def remove_user(decl: Declaration, model: TerraformModel) -> Remediation:
    """The change that retires the one instance ``decl`` declares."""
    return retire((decl,), model)


def retire(declarations: Sequence[Declaration], model: TerraformModel) -> Remediation:
    """The change that retires every instance in ``declarations`` (one user, declared in one
    or more places), as one remediation."""
    return _planner(model).retire(tuple(declarations))


def merge(parts: Sequence[Remediation], model: TerraformModel) -> Remediation:
    """One remediation doing everything ``parts`` do, without checking them together (``retire``
    plans the declarations of one user together, which is checked as a whole)."""
    if len(parts) == 1:
        return parts[0]
    edits = tuple(dict.fromkeys(e for part in parts for e in part.edits))
    before, after = _texts(edits, model)
    return Remediation(
        patch=unified_diff(before, after) or None,
        edits=edits,
        destroys=_unique(item for part in parts for item in part.destroys),
        manual=_unique(item for part in parts for item in part.manual),
        commands=_unique(item for part in parts for item in part.commands),
    )


def combine(
    remediations: Iterable[Remediation], model: TerraformModel
) -> tuple[dict[str, str], dict[str, str]]:
    """The text of every file the remediations edit, before and after all their edits.

    Raises ``ValueError`` when an edited file's text is not in ``model.sources`` or when the
    edits collide.
    """
    edits = tuple(dict.fromkeys(e for r in remediations for e in r.edits))
    extra = together.emptied(_planner(model).workspace, edits)
    return _texts((*edits, *(item.edit for item in extra)), model)


def finalize(report: Report, model: TerraformModel) -> Report:
    """``report`` with a note on every finding whose change cannot be combined with the
    others' (it keeps its own patch, but is left out of the combined one)."""
    refused = _left_out(report, model)
    completing = _emptied_by(report, model, refused)
    if not refused and not completing:
        return report

    def noted(finding: Finding) -> Finding:
        if finding.remediation is not None and id(finding) in completing:
            finding = replace(finding, remediation=_with_emptied(finding, completing))
        reason = refused.get(together.Change.of(finding))
        if reason is None or finding.remediation is None:
            return finding
        note = (
            "Its patch is left out of the combined patch (`iam-prune fix`), because together "
            f"with the other findings' changes {reason}; apply it on its own once they are "
            "merged, or run iam-prune again then."
        )
        remediation = finding.remediation
        remediation = replace(remediation, manual=(*remediation.manual, note))
        return replace(finding, remediation=remediation)

    accounts = tuple(
        replace(account, findings=tuple(noted(f) for f in account.findings))
        for account in report.accounts
    )
    return replace(report, accounts=accounts)


def _emptied_by(
    report: Report, model: TerraformModel, refused: dict[together.Change, str]
) -> dict[int, list[together.Emptied]]:
    """For the combined patch: the shared lists the findings' changes empty only together, by
    the finding (its ``id``) whose change takes the last user, in report order."""
    workspace = _planner(model).workspace
    edits: list[FileEdit] = []
    known: set[str] = set()
    found: dict[int, list[together.Emptied]] = {}
    for finding in report.findings:
        remediation = finding.remediation
        if remediation is None or not remediation.edits:
            continue
        if together.Change.of(finding) in refused:
            continue
        edits.extend(remediation.edits)
        for item in together.emptied(workspace, edits):
            if item.address not in known and item.address not in remediation.destroys:
                known.add(item.address)
                found.setdefault(id(finding), []).append(item)
    return found


def _with_emptied(finding: Finding, completing: dict[int, list[together.Emptied]]) -> Remediation:
    remediation = finding.remediation
    assert remediation is not None
    items = completing[id(finding)]
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
    return unified_diff(*combine(_combinable(report, model), model))


def edited_files(report: Report, model: TerraformModel) -> dict[str, str]:
    """The new text of every file the combinable findings change, by repository path."""
    return combine(_combinable(report, model), model)[1]


def _combinable(report: Report, model: TerraformModel) -> list[Remediation]:
    refused = _left_out(report, model)
    return [
        f.remediation
        for f in report.findings
        if f.remediation is not None
        and f.remediation.edits
        and together.Change.of(f) not in refused
    ]


def _left_out(report: Report, model: TerraformModel) -> dict[together.Change, str]:
    changes = tuple(
        together.Change.of(f)
        for f in report.findings
        if f.remediation is not None and f.remediation.edits
    )
    return _left_out_of(changes, model)


@functools.lru_cache(maxsize=4)
def _left_out_of(
    changes: tuple[together.Change, ...], model: TerraformModel
) -> dict[together.Change, str]:
    # A report is finalized, then patched and written: the same changes, checked once.
    return together.left_out(_planner(model), changes)


def _texts(
    edits: Sequence[FileEdit], model: TerraformModel
) -> tuple[dict[str, str], dict[str, str]]:
    texts = dict(model.sources)
    try:
        after = render_all(texts, edits)
    except RenderError as error:
        raise ValueError(str(error)) from error
    return {path: texts[path] for path in after}, after


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@functools.lru_cache(maxsize=2)
def _planner(model: TerraformModel) -> Planner:
    """One planner per model: the pipeline plans every finding against the same model."""
    return Planner(model)
