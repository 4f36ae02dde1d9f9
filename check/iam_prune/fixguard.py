"""Whether ``iam-prune fix`` may write: only on a complete view of what it touches.

A fix edits folders and must know everything that refers to what it removes; Terraform
references only cross folders through module calls, whose callers' folders are among the
fix's sources. So the fix is refused when any error of the Terraform side concerns a file in
one of those folders or a folder above or below one, when an error names no file at all (then
nothing can be ruled out), and when a declaration there could not be named. An AWS error
does not stop it: the findings present are sound, the failed account's are just missing.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from iam_prune.model import ErrorSource, Report, ReportError, TerraformModel
from iam_prune.terraform.loader import UNRESOLVED
from iam_prune.terraform.scan import is_terraform_file

_CODE_SIDE = (ErrorSource.TERRAFORM, ErrorSource.STATE, ErrorSource.CONFIG)


def blockers(report: Report, model: TerraformModel, edited: Iterable[str]) -> list[str]:
    """Why the fix may not write ``edited`` (repository paths), one line each; empty if it may."""
    folders = {_folder(path) for path in edited}
    if not folders:  # nothing to write, nothing to refuse
        return []
    folders.update(_folder(path) for path, _ in model.sources)
    reasons = []
    for error in report.errors:
        if error.source not in _CODE_SIDE:
            continue
        if error.file is None:
            if UNRESOLVED not in error.message:  # the unnamed are checked one by one below
                reasons.append(error.message)
        elif any(_related(error.file, folder) for folder in folders):
            reasons.append(_located(error))
    for decl in model.declarations:
        if decl.name is None and any(_related(decl.file, f) for f in folders):
            reasons.append(
                f"{decl.file}:{decl.line}: {decl.address} could not be named, so what the fix "
                "removes cannot be told apart from it"
            )
    return reasons


def _located(error: ReportError) -> str:
    where = error.where()
    return f"{where}: {error.message}" if where else error.message


def _folder(path: str) -> str:
    return posixpath.dirname(path) or "."


def _related(path: str, folder: str) -> bool:
    """A file in ``folder``, or a folder that is ``folder``, above it or below it (an unread
    folder below may be a module the folder calls)."""
    if is_terraform_file(posixpath.basename(path)):
        return _folder(path) == folder
    return any(
        a == b or b == "." or a.startswith(b + "/") for a, b in ((path, folder), (folder, path))
    )
