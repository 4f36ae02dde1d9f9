"""Sensitive values are hidden in the patches reports show, on context, removed and repeated
added lines; everything else in the patch, and the combined patch, stays as it was."""

from __future__ import annotations

from datetime import UTC, datetime

from report_builders import report

from iam_prune.fixes.text.patch import unified_diff
from iam_prune.model import Finding, Remediation, Report, Status, TerraformModel
from iam_prune.redaction import HIDDEN, redact

USER = 'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n'


def redacted_patch(old: dict[str, str], new: dict[str, str], **extra: str) -> tuple[str, str]:
    patch = unified_diff(old, new)
    sources = tuple(sorted({**old, **extra}.items()))
    finding = Finding(
        user="bob",
        status=Status.REMOVE_FROM_CODE,
        reason="never used",
        remediation=Remediation(patch=patch),
    )
    shown = redact(with_combined(report([finding]), patch), TerraformModel((), sources=sources))
    assert shown.combined_patch == patch
    (after,) = shown.findings
    assert after.remediation is not None and after.remediation.patch is not None
    return patch, after.remediation.patch


def with_combined(r: Report, patch: str) -> Report:
    from dataclasses import replace

    return replace(r, combined_patch=patch, generated_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_a_sensitive_variable_default_next_to_the_block_is_hidden_in_context() -> None:
    variable = 'variable "bob_temp" {\n  default   = "Hunter2!"\n  sensitive = true\n}\n'
    plain = 'variable "team" {\n  default = "platform"\n}\n'
    old = {"main.tf": USER + "\n" + variable + "\n" + plain}
    new = {"main.tf": variable + "\n" + plain}
    exact, shown = redacted_patch(old, new)
    assert "Hunter2!" in exact
    assert "Hunter2!" not in shown
    assert f"   default   = {HIDDEN}\n" in shown
    assert shown.replace(HIDDEN, '"Hunter2!"') == exact  # nothing else changed


def test_a_removed_sensitive_output_and_a_multi_line_default_are_hidden() -> None:
    output = 'output "bob_key" {\n  value     = "AKIA-EXAMPLE"\n  sensitive = true\n}\n'
    lines = (
        'variable "keys" {\n  sensitive = true\n  default = [\n    "k-one",\n    "k-two",\n  ]\n}\n'
    )
    old = {"main.tf": USER + "\n" + output + "\n" + lines}
    new = {"main.tf": ""}
    exact, shown = redacted_patch(old, new)
    for secret in ("AKIA-EXAMPLE", "k-one", "k-two"):
        assert secret in exact
        assert secret not in shown
    assert "-  sensitive = true\n" in shown


def test_provider_sensitive_attributes_are_hidden() -> None:
    key = 'resource "aws_iam_access_key" "bob" {\n  user   = "bob"\n  secret = "wJalrX"\n}\n'
    old = {"main.tf": USER + "\n" + key}
    new = {"main.tf": ""}
    exact, shown = redacted_patch(old, new)
    assert "wJalrX" in exact
    assert "wJalrX" not in shown
    assert '-  user   = "bob"\n' in shown


def test_a_tfvars_value_of_a_sensitive_variable_is_hidden() -> None:
    variables = (
        'variable "users" {\n  type = map(string)\n}\n'
        'variable "db_password" {\n  sensitive = true\n}\n'
    )
    tfvars = 'users = {\n  bob = "bob"\n}\ndb_password = "tfvars-secret"\n'
    old = {"env/terraform.tfvars": tfvars}
    new = {"env/terraform.tfvars": 'users = {\n}\ndb_password = "tfvars-secret"\n'}
    exact, shown = redacted_patch(old, new, **{"env/variables.tf": variables})
    assert "tfvars-secret" in exact
    assert "tfvars-secret" not in shown
    assert '-  bob = "bob"\n' in shown


def test_an_added_line_repeating_a_sensitive_line_is_hidden_too() -> None:
    variable = 'variable "p" {\n  default   = "s3cret-value"\n  sensitive = true\n}\n'
    old = {"main.tf": USER + variable}
    new = {
        "main.tf": '# moved\nvariable "p" {\n  default   = "s3cret-value"\n  sensitive = true\n}\n'
    }
    exact, shown = redacted_patch(old, new)
    assert "s3cret-value" in exact
    assert "s3cret-value" not in shown


def test_nothing_sensitive_leaves_the_report_as_it_was() -> None:
    old = {"main.tf": USER + 'variable "team" {\n  default = "platform"\n}\n'}
    new = {"main.tf": 'variable "team" {\n  default = "platform"\n}\n'}
    exact, shown = redacted_patch(old, new)
    assert shown == exact
