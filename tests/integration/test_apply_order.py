"""The two-step apply a patch asks for when a policy attachment loses the user in place.

Terraform deletes the user before it updates an ``aws_iam_policy_attachment`` that no longer
names it, and IAM refuses to delete a user that a managed policy is still attached to (moto
too). A plain ``terraform apply`` of such a patch fails, every time; the ``manual`` step the
remediation carries (apply the attachment alone first) is what makes it go through. Both
halves are asserted, so that the note is dropped when Terraform or the provider stop needing
it. Needs ``terraform`` and the provider mirror, like the plan tier.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from terraform_plan import PROVIDER_FILE, Terraform, provider_block, unavailable

from iam_prune.fixes import plan
from iam_prune.terraform import load

CODE = """\
resource "aws_iam_user" "ann" {
  name = "ann"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_policy" "read" {
  name   = "read"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = "*" }]
  })
}

resource "aws_iam_policy_attachment" "read" {
  name       = "read"
  users      = [aws_iam_user.ann.name, aws_iam_user.bob.name]
  policy_arn = aws_iam_policy.read.arn
}
"""
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _applied(terraform: Terraform, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return terraform.run(root, ["apply", "-no-color", "-input=false", "-auto-approve", *args], KEYS)


def test_a_patch_taking_a_user_out_of_a_policy_attachment_applies_in_the_steps_it_gives(
    aws: str, tmp_path: Path
) -> None:
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    source, root = tmp_path / "source", tmp_path / "root"
    source.mkdir()
    (source / "main.tf").write_text(CODE, encoding="utf-8")
    model = load([source], source, use_cache=False)
    remediation = plan.retire(tuple(d for d in model.declarations if d.name == "bob"), model)
    assert remediation.patch is not None
    steps = [m for m in remediation.manual if m.startswith("Apply in two steps")]
    assert len(steps) == 1, remediation.manual
    first = re.search(r"`terraform apply ([^`]+)`", steps[0])
    assert first is not None
    targets = shlex.split(first[1])
    assert targets == ["-target=aws_iam_policy_attachment.read"]

    shutil.copytree(source, root)
    (root / PROVIDER_FILE).write_text(provider_block(aws), encoding="utf-8")
    terraform = Terraform.offline(tmp_path / "home")
    assert terraform.run(root, ["init", "-no-color", "-input=false"], KEYS).returncode == 0
    original = _applied(terraform, root)
    assert original.returncode == 0, original.stdout[-2000:] + original.stderr[-2000:]
    subprocess.run(["git", "init", "-q", "."], cwd=root, check=True)
    subprocess.run(["git", "apply", "-"], cwd=root, input=remediation.patch, text=True, check=True)

    plain = _applied(terraform, root)
    assert plain.returncode != 0 and "DeleteConflict" in plain.stderr, plain.stderr[-2000:]

    targeted = _applied(terraform, root, *targets)
    assert targeted.returncode == 0, targeted.stderr[-2000:]
    rest = _applied(terraform, root)
    assert rest.returncode == 0, rest.stderr[-2000:]
    settled = terraform.run(root, ["plan", "-no-color", "-detailed-exitcode"], KEYS)
    assert settled.returncode == 0, settled.stdout[-2000:]
