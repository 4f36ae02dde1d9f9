"""What retiring a declared user changes in the code, as edits and as a patch.

The skeleton removes the ``aws_iam_user`` block itself; what exists only because of the user
(policy attachments, keys, group memberships) is for ``references`` to add later, as more
edits in the same ``Remediation``. Each finding gets a patch of its own; ``combine`` merges
the edits of many findings per file, so that all of them apply together as one patch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from iam_prune.fixes.edits import apply_edits, merge_removals, removal_range
from iam_prune.fixes.patch import unified_diff
from iam_prune.model import Declaration, FileEdit, Remediation, Report, TerraformModel


def remove_user(decl: Declaration, model: TerraformModel) -> Remediation:
    """The removal of ``decl``'s block, with the comments written for it, as an edit and a patch.

    When the file's text is not at hand (a declaration found only in state, say), the
    remediation says in words what to remove instead.
    """
    text = model.text_of(decl.file)
    if text is None:
        return Remediation(destroys=(decl.address,), manual=(_manual_note(decl),))
    start, end = removal_range(text, decl.span.start, decl.span.end)
    edit = FileEdit(decl.file, start, end)
    after = apply_edits(text, [edit])
    return Remediation(
        patch=unified_diff({decl.file: text}, {decl.file: after}),
        edits=(edit,),
        destroys=(decl.address,),
    )


def merge(parts: Sequence[Remediation], model: TerraformModel) -> Remediation:
    """One remediation doing everything ``parts`` do (a user declared in several places)."""
    if len(parts) == 1:
        return parts[0]
    edits = _merged_edits(parts, model)
    return Remediation(
        patch=unified_diff(*_texts(edits, model)) or None,
        edits=tuple(edit for file_edits in edits.values() for edit in file_edits),
        destroys=_unique(item for part in parts for item in part.destroys),
        manual=_unique(item for part in parts for item in part.manual),
        commands=_unique(item for part in parts for item in part.commands),
    )


def combine(
    remediations: Iterable[Remediation], model: TerraformModel
) -> tuple[dict[str, str], dict[str, str]]:
    """The text of every file the remediations edit, before and after all their edits.

    Removals that overlap or touch (two users declared next to each other) are merged.
    Raises ``ValueError`` when an edited file's text is not in ``model.sources`` or when two
    edits conflict.
    """
    return _texts(_merged_edits(remediations, model), model)


def combined_patch(report: Report, model: TerraformModel) -> str:
    """One patch with the code changes of every finding in ``report``."""
    return unified_diff(*combine(_remediations(report), model))


def edited_files(report: Report, model: TerraformModel) -> dict[str, str]:
    """The new text of every file the report's findings change, by repository-relative path."""
    return combine(_remediations(report), model)[1]


def _remediations(report: Report) -> list[Remediation]:
    return [f.remediation for f in report.findings if f.remediation is not None]


def _merged_edits(
    remediations: Iterable[Remediation], model: TerraformModel
) -> dict[str, list[FileEdit]]:
    by_file: defaultdict[str, list[FileEdit]] = defaultdict(list)
    for edit in (edit for remediation in remediations for edit in remediation.edits):
        by_file[edit.file].append(edit)
    return {
        file: merge_removals(_source(model, file), edits) for file, edits in sorted(by_file.items())
    }


def _texts(
    edits: dict[str, list[FileEdit]], model: TerraformModel
) -> tuple[dict[str, str], dict[str, str]]:
    before = {file: _source(model, file) for file in edits}
    after = {file: apply_edits(before[file], file_edits) for file, file_edits in edits.items()}
    return before, after


def _source(model: TerraformModel, file: str) -> str:
    text = model.text_of(file)
    if text is None:
        raise ValueError(f"no source text for {file}")
    return text


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _manual_note(decl: Declaration) -> str:
    return (
        f"Remove the `{decl.address}` block declared at {decl.file}:{decl.line}; "
        "its file's text was not available, so no patch was made."
    )
