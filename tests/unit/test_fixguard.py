"""Which errors stop `fix`: those about a folder it touches, or about nothing in particular."""

from __future__ import annotations

from dataclasses import replace

from report_builders import declaration, report

from iam_prune.fixguard import blockers
from iam_prune.model import ErrorSource, ReportError, TerraformModel

MODEL = TerraformModel(declarations=(), sources=(("infra/users.tf", "x"), ("infra/access.tf", "y")))
EDITED = ["infra/users.tf"]


def refusals(*errors: ReportError, model: TerraformModel = MODEL) -> list[str]:
    return blockers(report([], report_errors=errors), model, EDITED)


def test_a_broken_file_in_a_folder_the_fix_reads_stops_it() -> None:
    error = ReportError(ErrorSource.TERRAFORM, "unclosed block", file="infra/locals.tf", line=3)
    assert refusals(error) == ["infra/locals.tf:3: unclosed block"]


def test_an_unlisted_folder_above_or_below_stops_it() -> None:
    below = ReportError(ErrorSource.TERRAFORM, "cannot read the folder", file="infra/team")
    above = ReportError(ErrorSource.TERRAFORM, "cannot read the folder", file=".")
    assert len(refusals(below, above)) == 2


def test_errors_elsewhere_and_aws_errors_do_not_stop_it() -> None:
    elsewhere = ReportError(ErrorSource.TERRAFORM, "unclosed", file="other/main.tf", line=1)
    sibling_file = ReportError(ErrorSource.TERRAFORM, "unclosed", file="infra/team/x.tf")
    aws = ReportError(ErrorSource.AWS, "denied", account_id="123456789012")
    assert refusals(elsewhere, sibling_file, aws) == []


def test_an_error_without_a_file_stops_it_unless_it_sums_up_unnamed_declarations() -> None:
    state = ReportError(ErrorSource.STATE, "s3://b/k: access denied")
    assert refusals(state) == ["s3://b/k: access denied"]
    summary = ReportError(
        ErrorSource.TERRAFORM, "2 IAM user declarations could not be named statically"
    )
    assert refusals(summary) == []


def test_a_declaration_that_could_not_be_named_in_a_touched_folder_stops_it() -> None:
    unnamed = replace(declaration("pet", file="infra/pets.tf"), name=None)
    elsewhere = replace(declaration("cat", file="other/pets.tf"), name=None)
    model = TerraformModel(declarations=(unnamed, elsewhere), sources=MODEL.sources)
    (reason,) = refusals(model=model)
    assert reason.startswith("infra/pets.tf:")
    assert "aws_iam_user.pet" in reason


def test_nothing_to_write_is_never_refused() -> None:
    error = ReportError(ErrorSource.TERRAFORM, "unclosed block", file="infra/locals.tf", line=3)
    assert blockers(report([], report_errors=(error,)), MODEL, []) == []
