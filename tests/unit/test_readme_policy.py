"""The README's minimal IAM policy is exactly what the read-only allowlist lets through."""

from __future__ import annotations

import json
import re
from pathlib import Path

from iam_prune.aws.session import READ_ONLY_OPERATIONS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_policy_lists_exactly_the_iam_operations_iam_prune_may_send() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Permissions") :]
    policy = json.loads(re.search(r"```json\n(.*?)```", section, re.DOTALL).group(1))  # type: ignore[union-attr]
    [statement] = policy["Statement"]
    allowed = {
        f"iam:{operation}" for service, operation in READ_ONLY_OPERATIONS if service == "iam"
    }
    assert set(statement["Action"]) == allowed
    assert len(statement["Action"]) == len(set(statement["Action"]))
