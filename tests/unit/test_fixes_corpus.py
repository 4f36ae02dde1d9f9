"""Golden removals: every pattern under ``tests/data/fixes/`` against its expected patch.

Each folder holds ``before/`` (a repository), ``users.json`` (``users``: the user names to
retire, each one finding with all its declarations; optionally ``dirs`` and ``var_files`` as
``--terraform-dir``/``--var-file``), ``expected.patch`` (the combined patch, empty when there
is none) and ``expected.json`` (per user: ``destroys``, ``manual``, ``notes`` when there are
any, and whether it has a ``patch``). A missing expected file fails the test;
``IAM_PRUNE_REGOLD=1`` writes them instead, for review before they are committed.

Beyond the golden files, every pattern is checked the way a reviewer would: the combined patch
applies with ``git apply``, every edited file parses again, and passes ``terraform fmt -check``
when the original did (when ``terraform`` is installed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_fixes_patch import git_apply, make_repo

from iam_prune.fixes import plan
from iam_prune.model import AccountResult, Finding, Report, RunSettings, Status, TerraformModel
from iam_prune.terraform import load
from iam_prune.terraform.decoding import csvdecode, yamldecode
from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.scan import is_data_file

CORPUS = Path(__file__).resolve().parents[1] / "data" / "fixes"
PATTERNS = sorted(p.name for p in CORPUS.iterdir() if (p / "users.json").is_file())
REGOLD = os.environ.get("IAM_PRUNE_REGOLD") == "1"
TERRAFORM = shutil.which("terraform")


def fmt_clean(path: str, text: str) -> bool | None:
    """Whether ``terraform fmt -check`` accepts the text; ``None`` without terraform or for
    JSON, which fmt does not read."""
    if TERRAFORM is None or path.endswith(".json"):
        return None
    done = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-"],
        input=text.encode(),
        capture_output=True,
        check=False,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull},
    )
    return done.returncode == 0


def tree_files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes().decode("utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run_pattern(
    name: str, before: Path | None = None
) -> tuple[TerraformModel, Report, dict[str, Any]]:
    """Plan a pattern's users (in ``before``, a copy of its repository, when given)."""
    folder = CORPUS / name
    spec = json.loads((folder / "users.json").read_text(encoding="utf-8"))
    before = before or folder / "before"
    model = load(
        [before / d for d in spec.get("dirs", ["."])],
        before,
        var_files=[before / v for v in spec.get("var_files", [])],
        use_cache=False,
    )
    findings = []
    for user in spec["users"]:
        declarations = tuple(d for d in model.declarations if d.name == user)
        assert declarations, f"{name}: no declaration of {user}"
        finding = Finding(
            user=user,
            status=Status.REMOVE_FROM_CODE,
            reason="never used",
            declarations=declarations,
            remediation=plan.retire(declarations, model),
        )
        findings.append(finding)
    account = AccountResult("123456789012", "credential-report", None, 0, 0, tuple(findings))
    report = Report("0", datetime(2024, 1, 1, tzinfo=UTC), RunSettings(), (account,))
    return model, plan.finalize(report, model), spec


def described(report: Report) -> dict[str, Any]:
    return {
        f.user: {
            "patch": f.remediation is not None and f.remediation.patch is not None,
            "destroys": list(f.remediation.destroys) if f.remediation else [],
            "manual": list(f.remediation.manual) if f.remediation else [],
            **({"notes": list(f.notes)} if f.notes else {}),
        }
        for f in report.findings
    }


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_pattern_gets_its_expected_patch(pattern: str, tmp_path: Path) -> None:
    model, report, _ = run_pattern(pattern)
    folder = CORPUS / pattern
    patch = plan.combined_patch(report, model)
    actual = described(report)
    if REGOLD:
        (folder / "expected.patch").write_text(patch, encoding="utf-8", newline="")
        (folder / "expected.json").write_text(json.dumps(actual, indent=2) + "\n")
    assert (folder / "expected.patch").is_file(), "run with IAM_PRUNE_REGOLD=1 and review"
    assert (folder / "expected.json").is_file(), "run with IAM_PRUNE_REGOLD=1 and review"
    assert patch == (folder / "expected.patch").read_bytes().decode("utf-8")
    assert actual == json.loads((folder / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_pattern_patch_applies_and_parses(pattern: str, tmp_path: Path) -> None:
    model, report, _ = run_pattern(pattern)
    before = tree_files(CORPUS / pattern / "before")
    patches = [plan.combined_patch(report, model)]
    patches += [
        f.remediation.patch for f in report.findings if f.remediation and f.remediation.patch
    ]
    for number, patch in enumerate(p for p in patches if p):
        (tmp_path / str(number)).mkdir()
        git_apply(make_repo(tmp_path / str(number), before), patch)
    edited = plan.edited_files(report, model)
    for path, text in edited.items():
        if is_data_file(path):  # a users list beside the code: it still decodes
            (csvdecode if path.endswith(".csv") else yamldecode)(text)
            continue
        parse_file(path, text)
        if fmt_clean(path, before[path]):
            assert fmt_clean(path, text), f"{path} is no longer `terraform fmt` clean:\n{text}"


MODEL_CORPUS = CORPUS.parent / "terraform"
MODEL_PATTERNS = sorted(p.name for p in MODEL_CORPUS.iterdir() if (p / "expected.json").is_file())


@pytest.mark.parametrize("pattern", MODEL_PATTERNS)
def test_every_declaration_of_the_model_corpus_gets_a_sound_patch_or_a_reason(
    pattern: str,
) -> None:
    """The loader's own corpus, every user retired on its own: a patch whose files parse,
    or no patch and a note saying why; never an exception."""
    folder = MODEL_CORPUS / pattern
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    if "state" in expected:
        pytest.skip("the state is what names these users")
    model = load(
        [folder / d for d in expected.get("dirs", ["."])],
        folder,
        var_files=[folder / v for v in expected.get("var_files", [])],
        use_cache=False,
    )
    for decl in model.declarations:
        remediation = plan.remove_user(decl, model)
        if remediation.patch is None:
            assert remediation.manual and remediation.manual[-1].startswith("No patch"), decl
            continue
        assert decl.address in remediation.destroys
        for path, text in plan.combine([remediation], model)[1].items():
            parse_file(path, text)
