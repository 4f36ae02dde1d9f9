"""JUnit XML read the way GitHub's JUnit reporters read it.

No XSD: the common ones reject the ``file``/``line`` test-case attributes the readers use.
The tests parse with ``xml.etree`` and look at testsuite/testcase/failure/skipped/error and
the attributes mikepenz/action-junit-report, EnricoMi and dorny/test-reporter consume.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from report_builders import (
    ACCOUNT,
    OTHER_ACCOUNT,
    declaration,
    full_report,
    huge_report,
    incomplete_report,
    patch_for,
    removal,
    report,
    simple,
    two_account_report,
)

from iam_prune.formats import junit
from iam_prune.model import Note, Report, Status


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


def test_skipped_cases_say_whether_review_or_exemption() -> None:
    found = cases(parse(full_report()))
    dave = found["dave"].find("skipped")
    erin = found["erin"].find("skipped")
    assert dave is not None and erin is not None
    assert (
        dave.get("message") == "needs-review: holds an SSH public key whose use AWS does not report"
    )
    assert erin.get("message", "").startswith("exempt: exempt by tag")


def test_grace_and_not_deployed_pass_with_a_note() -> None:
    found = cases(parse(full_report()))
    assert found["frank"].findtext("system-out") == "created 2 days ago; unused so far"
    gina = found["gina"]
    assert gina.findtext("system-out") == "declared in Terraform but not in this account"
    assert (gina.get("file"), gina.get("line")) == ("infra/users.tf", "40")
    assert len(found["henry"]) == 0


def test_each_error_is_its_own_case_in_error_with_its_place() -> None:
    root = parse(incomplete_report())
    suite = root.findall("testsuite")[-1]
    assert suite.get("name") == junit.ERRORS_SUITE
    errors = list(suite.iter("testcase"))
    assert [c.get("name") for c in errors] == [
        "error 1: terraform infra/broken.tf:3:5",
        f"error 2: aws {ACCOUNT}",
    ]
    assert (errors[0].get("file"), errors[0].get("line")) == ("infra/broken.tf", "3")
    first = errors[0].find("error")
    assert first is not None
    assert (first.get("type"), first.get("message")) == ("terraform", "Unexpected token '}'")
    second = errors[1].find("error")
    assert second is not None
    assert second.text == f"account {ACCOUNT}: AccessDenied: iam:ListSSHPublicKeys"
    assert root.get("errors") == "2"


def test_complete_report_has_no_error_suite() -> None:
    root = parse(full_report())
    assert junit.ERRORS_SUITE not in [s.get("name") for s in root.findall("testsuite")]


def test_incomplete_report_without_accounts_still_fails() -> None:
    nothing = Report(
        tool_version="0.1.0",
        generated_at=full_report().generated_at,
        settings=full_report().settings,
        accounts=(),
        errors=incomplete_report().errors[:1],
    )
    root = parse(nothing)
    assert list(cases(root)) == ["error 1: terraform infra/broken.tf:3:5"]
    assert root.get("errors") == "1"


def test_suite_time_is_the_account_scan_time() -> None:
    timed = replace(full_report(), accounts=(replace(full_report().accounts[0], seconds=2.5),))
    root = parse(timed)
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("time") == "2.500"
    assert root.get("time") == "2.500"


def test_a_report_that_does_not_say_how_long_gives_no_time_rather_than_zero() -> None:
    """A report read back from JSON (``merge``) has no scan times: 0.000 s would be a claim."""
    untimed = replace(full_report(), accounts=(replace(full_report().accounts[0], seconds=None),))
    root = parse(untimed)
    assert [s.get("time") for s in root.iter("testsuite")] == [None]
    assert root.get("time") is None


def test_notes_reach_system_out() -> None:
    noted = replace(
        full_report(),
        notes=(Note("module `git::x`: IAM users it creates are not seen", file="main.tf", line=4),),
        accounts=(
            replace(
                full_report().accounts[0],
                findings=(replace(removal("alice"), notes=("the count list became for_each",)),),
            ),
        ),
    )
    root = parse(noted)
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.findtext("system-out") == (
        "note: main.tf:4: module `git::x`: IAM users it creates are not seen"
    )
    assert cases(root)["alice"].findtext("system-out") == "note: the count list became for_each"


def test_small_reports_keep_every_output() -> None:
    xml = junit.render(full_report())
    assert junit.LEFT_OUT not in xml
    assert junit.LEFT_OUT_PROPERTY not in xml


def failure_texts(root: ET.Element) -> list[str]:
    return [f.text or "" for f in root.iter("failure")]


def test_over_the_limit_outputs_stay_whole_for_as_many_failures_as_fit() -> None:
    big = huge_report(200)  # about 6 KB of diff each
    xml = junit.render(big)
    assert len(xml.encode("utf-8")) <= junit.MAX_BYTES
    root = ET.fromstring(xml)
    texts = failure_texts(root)
    assert len(texts) == 200  # every user is still a failing case
    note = junit.LEFT_OUT
    whole = [t for t in texts if t != note]
    assert 0 < len(whole) < 200
    for n, text in enumerate(whole):  # in order, each diff whole
        assert text == patch_for(f"user{n:04d}", line=10 + n, body_lines=60)
    suite = root.find("testsuite")
    assert suite is not None
    left_out = 200 - len(whole)
    prop = suite.find(f"properties/property[@name='{junit.LEFT_OUT_PROPERTY}']")
    assert prop is not None and prop.get("value") == str(left_out)
    assert f"{left_out} failure outputs left out" in (suite.findtext("system-out") or "")
    # Nothing was left out that would have fit: one more diff is over the limit.
    assert len(xml.encode("utf-8")) + 6_000 > junit.MAX_BYTES


def test_a_reader_without_a_limit_gets_every_output() -> None:
    root = ET.fromstring(junit.render(huge_report(200), max_bytes=10**9))
    assert junit.LEFT_OUT not in failure_texts(root)


def test_multibyte_outputs_are_measured_in_bytes() -> None:
    accented = "--- a/x.tf\n+++ b/x.tf\n" + "-éééééééééé\n" * 100
    wide = report(removal(f"u{i}", patch=accented) for i in range(20))
    whole = junit.render(wide, max_bytes=10**9)
    # A limit the text fits in characters but not in bytes.
    limit = (len(whole) + len(whole.encode("utf-8"))) // 2
    xml = junit.render(wide, max_bytes=limit)
    assert len(xml.encode("utf-8")) <= limit
    assert junit.LEFT_OUT in xml
    assert len(ET.fromstring(xml).findall(".//failure")) == 20


def test_when_nothing_can_fit_the_document_stays_whole() -> None:
    xml = junit.render(huge_report(50), max_bytes=500)
    root = ET.fromstring(xml)
    assert len(root.findall(".//failure")) == 50
    assert set(failure_texts(root)) == {junit.LEFT_OUT}


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


def test_passing_users_are_counted_before_any_diff_is_cut() -> None:
    from report_builders import account, removal, report, simple

    findings = [removal(f"gone{i}") for i in range(3)]
    findings += [simple(f"new{i}", Status.GRACE, "created yesterday") for i in range(1_500)]
    findings += [simple(f"busy{i}", Status.IN_USE, "used yesterday") for i in range(500)]
    xml = junit.render(report(accounts=(account(findings),)))
    assert len(xml.encode("utf-8")) <= junit.MAX_BYTES
    assert junit.LEFT_OUT not in xml  # every diff whole
    root = ET.fromstring(xml)
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == ["gone0", "gone1", "gone2", "1,500 users grace", "500 users in-use"]
    assert "counted, not listed" in (root.findtext("testsuite/system-out") or "")


def test_a_note_of_the_whole_run_is_written_once_not_per_account() -> None:
    """Forty accounts each carrying the run's notes pushed the diffs out of the file."""
    run_note = Note("module `git::https://example.com/iam.git`: IAM users it creates are not seen")
    own = Note("alias read failed", account_id=OTHER_ACCOUNT)
    root = parse(replace(two_account_report(), notes=(run_note, own)))
    outs = [s.findtext("system-out") or "" for s in root.iter("testsuite")]
    assert sum(run_note.message in out for out in outs) == 1
    assert run_note.message in outs[0]
    assert own.message in outs[1] and own.message not in outs[0]


def test_a_file_too_large_even_without_diffs_says_it_is_over_the_cap() -> None:
    many = report(
        [
            removal(f"user{i:04d}", line=10 + i, patch=patch_for(f"user{i:04d}", line=10 + i))
            for i in range(400)
        ]
    )
    xml = junit.render(many)
    assert len(xml.encode()) > junit.MAX_BYTES  # 400 cases cannot fit: never cut, never dropped
    (out,) = [s.findtext("system-out") for s in ET.fromstring(xml).iter("testsuite")]
    assert out is not None and "still over 65,535 bytes" in out
    assert "to keep this file under" not in out

    fitting = junit.render(report([removal(f"u{i}", patch=patch_for(f"u{i}")) for i in range(60)]))
    assert len(fitting.encode()) <= junit.MAX_BYTES and "still over" not in fitting


def test_a_path_with_a_newline_or_tab_reads_back_as_written() -> None:
    path = "infra/new\nline/tab\there.tf"
    finding = replace(removal("bob"), declarations=(declaration("bob", file=path),))
    (case,) = parse(report([finding])).iter("testcase")
    assert case.get("file") == path
