"""Terraform judges every golden patch: what ``terraform plan`` destroys is ``destroys``.

For each pattern of ``tests/data/fixes/``: its original code is applied to moto (on
loopback), iam-prune's combined patch for it (computed by the package, as the corpus test
does) is applied to the files, and ``terraform validate`` and ``terraform plan`` run on the
result. The plan must delete exactly the findings' ``remediation.destroys`` and create or
replace nothing; a pattern without a patch must plan no change at all.

It needs ``terraform`` and the ``hashicorp/aws`` provider in a local filesystem mirror (see
``terraform_plan.plugin_mirror``) and skips, saying so, where they are missing. Patterns that
need a registry or a keyserver are skipped by name.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from moto_extras import completed_moto
from plan_tier import Root, RootResult, offline_reason, pattern_buckets, pattern_names, run_tier
from terraform_plan import Terraform, plugin_mirror, unavailable
from test_fixes_corpus import CORPUS, PATTERNS, run_pattern

from iam_prune.fixes import plan

_CHANGES = ("deletes", "creates", "updates")

KNOWN_GAPS: dict[str, str] = {}
"""Patterns whose ``destroys`` Terraform contradicts, with the gap named (strict xfail)."""

OUTSIDE: dict[str, str] = {
    "manual-dangling-reference": "it writes a policy on a bucket and a value into a secret "
    "that are managed outside the pattern, which the emulated account does not hold",
    "root-output-read-through-remote-state": "its second root reads the first one's state "
    "through terraform_remote_state, which the tier (every root a module of one) does not keep",
}
"""Patterns that cannot be applied to an empty account, with why."""


def _skip_reason(pattern: str) -> str | None:
    return OUTSIDE.get(pattern) or offline_reason(CORPUS / pattern / "before")


@dataclass(frozen=True)
class Verdict:
    """A pattern's expectation and what Terraform planned for it."""

    destroys: frozenset[str]
    patched: bool
    results: tuple[RootResult, ...]
    #: Resources a note names as depending on the change with instances not listed.
    unlisted: frozenset[str] = frozenset()


_UNLISTED = re.compile(r"the instances of `([^`]+)` could not be listed from the code")


def unlisted(notes: Iterable[str]) -> frozenset[str]:
    """The resources whose instances ``notes`` say were not listed."""
    return frozenset(m[1] for note in notes for m in _UNLISTED.finditer(note))


def _config_of(address: str) -> str:
    """``module.a["x"].aws_iam_access_key.k`` for ``module.a["x"].aws_iam_access_key.k["y"]``."""
    return _KEY.sub("", address)


_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]$')


def _git_apply(directory: Path, patch: str) -> None:
    for args in (["init", "--quiet", "."], ["apply", "--whitespace=nowarn", "-"]):
        subprocess.run(["git", *args], cwd=directory, input=patch, text=True, check=True)


def _fingerprint(root: Root, patch: str, toolchain: str) -> str:
    """What Terraform's answer for a root depends on: the pattern's files, the patch, the
    root, the tools (Terraform, provider, moto) and this harness."""
    digest = hashlib.sha256(toolchain.encode())
    digest.update(json.dumps([root.pattern, root.directory, root.var_files, patch]).encode())
    before = CORPUS / root.pattern / "before"
    for path in sorted(before.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(before).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _toolchain(terraform: Terraform) -> str:
    version = subprocess.run(
        [terraform.binary, "version", "-json"], capture_output=True, text=True, check=True
    ).stdout
    mirror = plugin_mirror()
    providers = sorted(str(p.relative_to(mirror)) for p in mirror.rglob("*")) if mirror else []
    harness = Path(__file__).parent
    sources = [
        (harness / name).read_text(encoding="utf-8")
        for name in ("plan_tier.py", "terraform_plan.py", "moto_extras.py")
    ]
    return json.dumps([version, providers, metadata.version("moto"), sources])


@pytest.fixture(scope="module")
def verdicts(
    moto_url: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, Verdict]]:
    """Terraform's answers, remembered in pytest's cache by everything they depend on: a
    pattern is applied and planned again only when its files, its patch or the tools
    changed (``pytest --cache-clear`` forgets them)."""
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("plan-tier")
    terraform = Terraform.offline(home)
    toolchain = _toolchain(terraform)
    cache = getattr(request.config, "cache", None)
    work = home / "work"
    roots: list[Root] = []
    patches: dict[str, str] = {}
    expected: dict[str, tuple[frozenset[str], bool, frozenset[str]]] = {}
    for pattern in PATTERNS:
        before = CORPUS / pattern / "before"
        if _skip_reason(pattern) is not None:
            continue
        model, report, spec = run_pattern(pattern)
        patches[pattern] = plan.combined_patch(report, model)
        destroys = frozenset(
            address
            for finding in report.findings
            if finding.remediation is not None and finding.remediation.patch is not None
            for address in finding.remediation.destroys
        )
        notes = [
            note
            for finding in report.findings
            if finding.remediation is not None and finding.remediation.patch is not None
            for note in finding.remediation.manual
        ]
        expected[pattern] = (destroys, bool(patches[pattern]), unlisted(notes))
        names = pattern_names(before, [d.name for d in model.declarations])
        for directory in spec.get("dirs", ["."]):
            copy = work / "roots" / str(len(roots))
            copy.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["cp", "-r", str(before), str(copy)], check=True)
            roots.append(
                Root(
                    pattern,
                    directory,
                    copy,
                    tuple(spec.get("var_files", [])),
                    names,
                    pattern_buckets(before),
                )
            )

    def patch_root(root: Root) -> None:
        if patches[root.pattern]:
            _git_apply(root.copy, patches[root.pattern])

    keys = {root: _fingerprint(root, patches[root.pattern], toolchain) for root in roots}
    results: dict[Root, RootResult] = {}
    for root, key in keys.items():
        known = cache.get(f"iam-prune/plan-tier/{key}", None) if cache is not None else None
        if known is not None:
            results[root] = RootResult(*(frozenset(known[k]) for k in _CHANGES))
    pending = [root for root in roots if root not in results]
    if pending:
        with completed_moto():
            planned = run_tier(terraform, moto_url, pending, work, patch_root)
        results.update(planned)
        for root, result in planned.items():
            if cache is not None and result.error is None:
                changes = {k: sorted(getattr(result, k)) for k in _CHANGES}
                cache.set(f"iam-prune/plan-tier/{keys[root]}", changes)
    summary = {f"{r.pattern}:{r.directory}": results[r].__dict__ for r in roots}
    (home / "results.json").write_text(json.dumps(summary, indent=1, default=sorted))
    yield {
        pattern: Verdict(
            destroys,
            patched,
            tuple(results[root] for root in roots if root.pattern == pattern),
            named,
        )
        for pattern, (destroys, patched, named) in expected.items()
    }


def _cases() -> list[object]:
    return [
        pytest.param(p, marks=pytest.mark.xfail(reason=KNOWN_GAPS[p], strict=True))
        if p in KNOWN_GAPS
        else p
        for p in PATTERNS
    ]


@pytest.mark.parametrize("pattern", _cases())
def test_terraform_plans_exactly_what_the_patch_says_it_destroys(
    pattern: str, verdicts: dict[str, Verdict]
) -> None:
    reason = _skip_reason(pattern)
    if reason is not None:
        pytest.skip(reason)
    verdict = verdicts[pattern]
    for result in verdict.results:
        assert result.error is None, result.error
        assert not result.creates, f"the plan creates or replaces {sorted(result.creates)}"
    planned = frozenset().union(*(r.deletes for r in verdict.results))
    # Beyond ``destroys``, only instances of a resource a note names as not listed.
    named = {a for a in planned - verdict.destroys if _config_of(a) in verdict.unlisted}
    assert sorted(planned - named) == sorted(verdict.destroys)
    assert all(any(_config_of(a) == c for a in named) for c in verdict.unlisted), (
        f"a note says {sorted(verdict.unlisted)} may lose instances, and the plan destroys none"
    )
    if not verdict.patched:
        assert not any(r.updates for r in verdict.results)


def test_the_readme_states_how_many_patterns_terraform_verified() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    verified = [
        p
        for p in PATTERNS
        if _skip_reason(p) is None
        and p not in KNOWN_GAPS
        and json.loads((CORPUS / p / "expected.json").read_text(encoding="utf-8"))
        and (CORPUS / p / "expected.patch").read_text(encoding="utf-8")
    ]
    assert f"{len(verified)} patterns with a patch are verified" in readme
