"""The README's management-account policy is exactly what ``--organization`` may send."""

from __future__ import annotations

import json
import re
from pathlib import Path

from iam_prune.aws.session import READ_ONLY_OPERATIONS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_management_policy_lists_exactly_the_organizations_reads() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("#### A whole AWS organisation") : text.index("## Configuration")]
    blocks = re.findall(r"```json\n(.*?)```", section, re.DOTALL)
    [policy] = [json.loads(re.sub(r"^ {2}", "", b, flags=re.MULTILINE)) for b in blocks]
    listing, assume = policy["Statement"]
    allowed = {
        f"organizations:{op}" for service, op in READ_ONLY_OPERATIONS if service == "organizations"
    }
    assert set(listing["Action"]) == allowed
    assert assume["Action"] == "sts:AssumeRole"
