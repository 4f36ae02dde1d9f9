"""Every real-world pattern under ``tests/data/terraform/`` loads into the declarations its
``expected.json`` lists: addresses, names, places, key places, module calls, errors.

``expected.json`` holds ``declarations`` (each: ``address``, ``name``, ``file``, ``line`` and,
when they matter, ``key`` as ``file:line``, ``via``, ``module_dir``, ``calls``, ``reason``), and
optionally ``dirs`` (the ``--terraform-dir`` arguments, default ``["."]``), ``var_files``,
``state`` (configuration address → instances), ``errors`` (``contains``, one substring or a
list, and for an error at a place ``file``/``line``), ``notes`` (substrings of the model's notes)
and ``files_parsed``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from iam_prune.model import Declaration, ErrorSource, SourceSpan, TerraformModel
from iam_prune.terraform import load

CORPUS = Path(__file__).resolve().parents[1] / "data" / "terraform"
PATTERNS = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.json").is_file())


@dataclass(frozen=True)
class FakeStateInstance:
    address: str
    name: str


@dataclass(frozen=True)
class FakeState:
    by_config_address: dict[str, tuple[FakeStateInstance, ...]]

    def instances(self, config_address: str) -> tuple[FakeStateInstance, ...]:
        return self.by_config_address.get(config_address, ())


def where(span: SourceSpan | None) -> str | None:
    return None if span is None else f"{span.file}:{span.line}"


def described(decl: Declaration, expected: dict[str, Any]) -> dict[str, Any]:
    """The declaration in the expectation's terms, with the optional keys it mentions."""
    actual: dict[str, Any] = {
        "address": decl.address,
        "name": decl.name,
        "file": decl.file,
        "line": decl.line,
        "key": where(decl.key_span),
        "via": decl.via,
    }
    optional = {
        "module_dir": decl.module_dir,
        "calls": [where(span) for span in decl.module_calls],
        "reason": decl.unresolved_reason,
    }
    actual.update({k: v for k, v in optional.items() if k in expected})
    return actual


def normalised(expected: dict[str, Any]) -> dict[str, Any]:
    return {"key": None, "via": "static", **expected}


def load_pattern(name: str) -> tuple[TerraformModel, dict[str, Any]]:
    folder = CORPUS / name
    expected = json.loads((folder / "expected.json").read_text())
    state = None
    if "state" in expected:
        state = FakeState(
            {
                address: tuple(FakeStateInstance(**i) for i in instances)
                for address, instances in expected["state"].items()
            }
        )
    model = load(
        [folder / d for d in expected.get("dirs", ["."])],
        folder,
        var_files=[folder / v for v in expected.get("var_files", [])],
        state=state,
        use_cache=False,
    )
    return model, expected


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_pattern_loads_into_its_expected_declarations(pattern: str) -> None:
    model, expected = load_pattern(pattern)

    wanted = [normalised(d) for d in expected["declarations"]]
    actual = [described(d, e) for d, e in zip(model.declarations, wanted, strict=False)]
    assert actual == wanted
    assert len(model.declarations) == len(wanted)

    errors = expected.get("errors", [])
    assert len(model.errors) == len(errors), model.errors
    for error, want in zip(model.errors, errors, strict=True):
        assert error.source is ErrorSource.TERRAFORM
        contains = want["contains"]
        for part in [contains] if isinstance(contains, str) else contains:
            assert part in error.message
        assert (error.file, error.line) == (want.get("file"), want.get("line"))
    for note in expected.get("notes", []):
        assert any(note in f"{said.where()}: {said.message}" for said in model.notes)
    if "files_parsed" in expected:
        assert model.files_parsed == expected["files_parsed"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_place_a_declaration_points_to_has_its_text(pattern: str) -> None:
    model, _ = load_pattern(pattern)

    for decl in model.declarations:
        for span in (decl.span, decl.key_span, *decl.module_calls):
            if span is None:
                continue
            text = model.text_of(span.file)
            assert text is not None, span.file
            assert text[span.start : span.end].strip() == text[span.start : span.end]
            assert text.count("\n", 0, span.start) + 1 == span.line


def test_the_corpus_covers_every_pattern_the_issue_lists() -> None:
    required = {
        "literal",
        "interpolated-with-var-default",
        "tfvars-precedence",
        "locals-chain",
        "for_each-set",
        "for_each-map-with-attr",
        "for_each-from-var",
        "for_each-from-local",
        "count-literal",
        "count-length-list",
        "module-local",
        "module-for_each",
        "module-count",
        "nested-modules",
        "registry-iam-user-module",
        "tf-json",
        "unresolvable",
        "missing-module-source",
        "module-cycle",
        "monorepo-with-module-under-root",
    }
    assert required <= set(PATTERNS)
