"""Building a repository on disk, loading it, and reports of findings, for the fixes' tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from iam_prune.fixes import plan
from iam_prune.model import (
    AccountResult,
    Declaration,
    Finding,
    Report,
    RunSettings,
    Status,
    TerraformModel,
)
from iam_prune.terraform import load


def load_files(
    root: Path,
    files: dict[str, str],
    dirs: Sequence[str] = (".",),
    var_files: Sequence[str] = (),
) -> TerraformModel:
    """``files`` written under ``root`` byte for byte, and loaded as ``iam-prune`` would."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    return load(
        [root / d for d in dirs], root, var_files=[root / v for v in var_files], use_cache=False
    )


def repo_of(root: Path, files: dict[str, str]) -> Path:
    """A new git work tree at ``root`` holding ``files``."""
    from test_fixes_patch import make_repo

    root.mkdir(parents=True)
    return make_repo(root, files)


def declarations_of(model: TerraformModel, name: str) -> tuple[Declaration, ...]:
    found = tuple(d for d in model.declarations if d.name == name)
    assert found, f"no declaration of {name}"
    return found


def finding(model: TerraformModel, name: str) -> Finding:
    """The remove-from-code finding for user ``name``, with its planned remediation."""
    declarations = declarations_of(model, name)
    return Finding(
        user=name,
        status=Status.REMOVE_FROM_CODE,
        reason="never used",
        declarations=declarations,
        remediation=plan.retire(declarations, model),
    )


def report_of(*findings: Finding) -> Report:
    account = AccountResult("123456789012", "credential-report", None, len(findings), 3, findings)
    return Report("0.1.0", datetime(2024, 1, 1, tzinfo=UTC), RunSettings(), (account,))
