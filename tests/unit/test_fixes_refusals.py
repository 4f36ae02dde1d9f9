"""The corpus's ``unsafe`` users (``users.json``: no sound patch exists, with why) never get a
patch: refusing them is the right answer, and ``make bench`` counts every other refusal."""

from __future__ import annotations

import json

import pytest
from test_fixes_corpus import CORPUS, PATTERNS, run_pattern

UNSAFE = [
    p
    for p in PATTERNS
    if json.loads((CORPUS / p / "users.json").read_text(encoding="utf-8")).get("unsafe")
]


@pytest.mark.parametrize("pattern", UNSAFE)
def test_a_user_without_a_sound_patch_gets_a_reason_instead(pattern: str) -> None:
    _, report, spec = run_pattern(pattern)
    unsafe = spec["unsafe"]
    assert set(unsafe) <= set(spec["users"]), "unsafe names a user the pattern does not retire"
    for finding in report.findings:
        if finding.user in unsafe:
            assert finding.remediation is not None
            assert finding.remediation.patch is None
            assert finding.remediation.manual[-1].startswith("No patch")
