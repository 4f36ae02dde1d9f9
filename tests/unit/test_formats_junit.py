"""JUnit XML read the way GitHub's JUnit reporters read it.

No XSD: the common ones reject the ``file``/``line`` test-case attributes the readers use.
The tests parse with ``xml.etree`` and look at testsuite/testcase/failure/skipped/error and
the attributes mikepenz/action-junit-report, EnricoMi and dorny/test-reporter consume.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st
from report_builders import (
    ACCOUNT,
    OTHER_ACCOUNT,
    full_report,
    huge_report,
    incomplete_report,
    removal,
    report,
    simple,
    two_account_report,
)

from iam_prune.formats import junit
from iam_prune.model import Report, Status


def parse(report_: Report) -> ET.Element:
    return ET.fromstring(junit.render(report_))


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_one_suite_per_account_and_one_case_per_finding() -> None:
    root = parse(two_account_report())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [f"iam-prune {ACCOUNT}", f"iam-prune {OTHER_ACCOUNT}"]
    assert [c.get("classname") for s in suites for c in s.iter("testcase")] == [
        f"iam-prune.{ACCOUNT}",
        f"iam-prune.{OTHER_ACCOUNT}",
    ]


def test_every_status_maps_to_its_outcome() -> None:
    root = parse(full_report())
    found = cases(root)
    assert set(found) == {"alice", "carol", "dave", "erin", "frank", "gina", "henry"}
    failed = {n for n, c in found.items() if c.find("failure") is not None}
    skipped = {n for n, c in found.items() if c.find("skipped") is not None}
    assert failed == {"alice", "carol"}
    assert skipped == {"dave", "erin"}
    assert root.findall(".//error") == []
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("7", "2", "2")


def test_removal_failure_has_reason_patch_and_location() -> None:
    alice = cases(parse(full_report()))["alice"]
    assert alice.get("file") == "infra/users.tf"
    assert alice.get("line") == "10"
    failure = alice.find("failure")
    assert failure is not None
    assert failure.get("message") == "console password never used and no access keys"
    assert failure.get("type") == "remove-from-code"
    assert (failure.text or "").startswith("--- a/infra/users.tf\n+++ b/infra/users.tf\n")
    assert '-resource "aws_iam_user" "alice" {' in (failure.text or "")


def test_unmanaged_failure_lists_the_commands() -> None:
    carol = cases(parse(full_report()))["carol"]
    assert carol.get("file") is None
    failure = carol.find("failure")
    assert failure is not None
    assert failure.text == (
        "aws iam delete-login-profile --user-name carol\naws iam delete-user --user-name carol"
    )


def test_skipped_cases_carry_the_reason() -> None:
    erin = cases(parse(full_report()))["erin"]
    skipped = erin.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "exempt by tag iam-prune:exempt: break-glass account"


def test_grace_and_not_deployed_pass_with_a_note() -> None:
    found = cases(parse(full_report()))
    assert found["frank"].findtext("system-out") == "created 2 days ago; unused so far"
    gina = found["gina"]
    assert gina.findtext("system-out") == "declared in Terraform but not in this account"
    assert (gina.get("file"), gina.get("line")) == ("infra/users.tf", "40")
    assert len(found["henry"]) == 0


def test_incomplete_report_adds_an_error_case() -> None:
    root = parse(incomplete_report())
    run = cases(root)[junit.RUN_CASE_NAME]
    error = run.find("error")
    assert error is not None
    assert error.get("message") == "2 sources failed: the report is incomplete"
    assert "terraform infra/broken.tf:3:5: Unexpected token '}'" in (error.text or "")
    assert f"aws [{ACCOUNT}]: AccessDenied" in (error.text or "")
    assert root.get("errors") == "1"


def test_complete_report_has_no_run_case() -> None:
    assert junit.RUN_CASE_NAME not in cases(parse(full_report()))


def test_incomplete_report_without_accounts_still_fails() -> None:
    nothing = Report(
        tool_version="0.1.0",
        generated_at=full_report().generated_at,
        settings=full_report().settings,
        accounts=(),
        errors=incomplete_report().errors,
    )
    root = parse(nothing)
    assert list(cases(root)) == [junit.RUN_CASE_NAME]


def test_small_reports_are_not_truncated() -> None:
    assert junit.TRUNCATION_NOTE not in junit.render(full_report())


def test_huge_report_fits_by_shortening_outputs() -> None:
    big = huge_report(200)
    xml = junit.render(big)
    assert len(xml.encode("utf-8")) <= junit.MAX_BYTES
    root = ET.fromstring(xml)
    failures = root.findall(".//failure")
    assert len(failures) == 200
    texts = [f.text or "" for f in failures]
    assert all(t.endswith(junit.TRUNCATION_NOTE) for t in texts)
    assert all(t.startswith("--- a/infra/users.tf\n") for t in texts)
    # Nothing was shortened more than needed: one more line each would not fit.
    assert len(xml.encode("utf-8")) > junit.MAX_BYTES - 200 * 80


def test_multibyte_outputs_are_measured_in_bytes() -> None:
    accented = "--- a/x.tf\n+++ b/x.tf\n" + "-éééééééééé\n" * 100
    wide = report(removal(f"u{i}", patch=accented) for i in range(20))
    whole = junit.render(wide, max_bytes=10**9)
    # A limit the text fits in characters but not in bytes.
    limit = (len(whole) + len(whole.encode("utf-8"))) // 2
    xml = junit.render(wide, max_bytes=limit)
    assert len(xml.encode("utf-8")) <= limit
    assert junit.TRUNCATION_NOTE in xml
    assert len(ET.fromstring(xml).findall(".//failure")) == 20


def test_when_nothing_can_fit_the_document_stays_whole() -> None:
    xml = junit.render(huge_report(50), max_bytes=500)
    root = ET.fromstring(xml)
    assert len(root.findall(".//failure")) == 50
    assert {f.text for f in root.iter("failure")} == {junit.TRUNCATION_NOTE}


def test_a_failure_without_reason_is_still_a_failure() -> None:
    root = parse(report([simple("x", Status.DELETE_UNMANAGED, "")]))
    failure = cases(root)["x"].find("failure")
    assert failure is not None
    assert failure.get("message") == "delete-unmanaged"


@settings(max_examples=80, deadline=None)
@given(
    user=st.text(min_size=1, max_size=40),
    reason=st.text(max_size=200),
    status=st.sampled_from(list(Status)),
)
def test_arbitrary_text_never_breaks_the_xml(user: str, reason: str, status: Status) -> None:
    root = parse(report([simple(user, status, reason)]))
    found = list(root.iter("testcase"))
    assert len(found) == 1
    assert found[0].get("classname") == f"iam-prune.{ACCOUNT}"
    assert (found[0].find("failure") is not None) == status.is_failure
    assert (found[0].find("skipped") is not None) == status.is_skipped
