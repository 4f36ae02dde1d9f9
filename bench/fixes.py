"""Planning removals in one big file: what a finding costs, and what the combined patch costs.

The repository is one ``users.tf`` of 50 plain users (each with an access key, a policy
attachment and an output), all of them in one shared group membership, and one ``team.tf``
of 40 people in a ``count`` list with a login profile each. 10 plain users and 10 people of
the list are unused: 20 findings, planned one by one as the pipeline plans them, then checked
together and turned into the combined patch.

The baseline is the same planning with every edited file parsed whole by python-hcl2 (what a
fix cost before ``terraform/reparse.py``), in the same run, each in a fresh process so neither
inherits the other's parse caches. Figures: seconds per finding, seconds for the combined
patch, and the ratio; and how many findings the combined patch leaves out.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import children

PLAIN = 50
COUNTED = 40
UNUSED_PLAIN = range(3, PLAIN, 5)  # 10 of them
UNUSED_COUNTED = range(1, COUNTED, 4)  # 10 of them, none the last


def generate(root: Path) -> list[str]:
    """Write the repository; the names of the unused users."""
    blocks: list[str] = []
    for i in range(PLAIN):
        blocks += [
            f'resource "aws_iam_user" "u{i}" {{\n  name = "u{i}"\n}}\n',
            f'resource "aws_iam_access_key" "u{i}" {{\n  user = aws_iam_user.u{i}.name\n}}\n',
            f'resource "aws_iam_user_policy_attachment" "u{i}" {{\n'
            f"  user       = aws_iam_user.u{i}.name\n"
            '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n',
            f'output "u{i}_arn" {{\n  value = aws_iam_user.u{i}.arn\n}}\n',
        ]
    members = "".join(f"    aws_iam_user.u{i}.name,\n" for i in range(PLAIN))
    blocks.append(
        'resource "aws_iam_group_membership" "all" {\n  name  = "all"\n  group = "all"\n'
        f"  users = [\n{members}  ]\n}}\n"
    )
    (root / "users.tf").write_text("\n".join(blocks), encoding="utf-8")
    people = "".join(f'    "p{i:02d}",\n' for i in range(COUNTED))
    (root / "team.tf").write_text(
        f'variable "people" {{\n  type = list(string)\n  default = [\n{people}  ]\n}}\n\n'
        'resource "aws_iam_user" "p" {\n  count = length(var.people)\n'
        "  name  = var.people[count.index]\n}\n\n"
        'resource "aws_iam_user_login_profile" "p" {\n  count = length(var.people)\n'
        "  user  = aws_iam_user.p[count.index].name\n}\n",
        encoding="utf-8",
    )
    return [f"u{i}" for i in UNUSED_PLAIN] + [f"p{i:02d}" for i in UNUSED_COUNTED]


def child(mode: str, root: Path) -> dict[str, Any]:
    """Plan every unused user in this (fresh) process, the way ``mode`` parses edited files."""
    from iam_prune.fixes import plan
    from iam_prune.fixes.evaluation import workspace
    from iam_prune.model import AccountResult, Finding, Report, RunSettings, Status
    from iam_prune.terraform import load

    if mode == "whole":
        workspace.Workspace.parsed = _whole  # type: ignore[method-assign]
    names = json.loads((root / "unused.json").read_text())
    model = load([root], root, use_cache=False)
    started = time.perf_counter()
    findings = []
    for name in names:
        declarations = tuple(d for d in model.declarations if d.name == name)
        remediation = plan.retire(declarations, model)
        findings.append(
            Finding(
                name,
                Status.REMOVE_FROM_CODE,
                "never used",
                declarations=declarations,
                remediation=remediation,
            )
        )
    planned = time.perf_counter()
    account = AccountResult("123456789012", "bench", None, 0, 0, tuple(findings))
    report = Report("0", datetime.now(UTC), RunSettings(), (account,))
    report = plan.finalize(report, model)
    patch = plan.combined_patch(report, model)
    done = time.perf_counter()
    return {
        "findings": len(findings),
        "patched": sum(1 for f in findings if f.remediation and f.remediation.patch),
        "left_out": sum(
            1
            for f in report.findings
            if f.remediation and any("left out" in note for note in f.remediation.manual)
        ),
        "per_finding": (planned - started) / len(findings),
        "combined": done - planned,
        "patch_lines": patch.count("\n"),
    }


def _whole(self: Any, path: str) -> Any:
    """``Workspace.parsed`` as it was: every text parsed whole (once per distinct text)."""
    from iam_prune.fixes.text.parsed import parse_text

    return parse_text(path, self.texts[path])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="iam-prune-bench-fixes-") as folder:
        root = Path(folder)
        names = generate(root)
        (root / "unused.json").write_text(json.dumps(names))
        size = sum(p.stat().st_size for p in root.glob("*.tf"))
        print(
            f"fixes: {PLAIN} plain users + {COUNTED} in a count list ({size / 1024:.0f} KB), "
            f"{len(names)} unused"
        )
        whole = children.run_child("bench.fixes", "whole", root)
        partial = children.run_child("bench.fixes", "reparse", root)
    print(f"  {'':32} {'per finding':>12} {'combined':>10} {'patched':>8} {'left out':>9}")
    for label, figures in (("baseline (parsed whole)", whole), ("reparse", partial)):
        print(
            f"  {label:32.32} {figures['per_finding']:>11.3f}s {figures['combined']:>9.3f}s "
            f"{figures['patched']:>5}/{figures['findings']} {figures['left_out']:>9}"
        )
    ratio = partial["per_finding"] / whole["per_finding"]
    lines = partial["patch_lines"]
    print(f"  per finding: {ratio:.2f}x the baseline; combined patch {lines} lines")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]))))
    else:
        main()
