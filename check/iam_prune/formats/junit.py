"""JUnit XML, for the test reporters teams already wire into CI.

Each account is a test suite and each user a test case, so a reporter shows the unused users
as failing tests with the diff (or the CLI commands) as the failure output, and the readers
that understand ``file``/``line`` on a test case (mikepenz/action-junit-report, EnricoMi)
annotate the declaration in the ``.tf`` file.

Two rules come from how those readers behave:

* An incomplete run adds a test case in error, so a partial view never looks like a clean pass.
* dorny/test-reporter refuses reports over 65,535 bytes. When the XML would be larger, the
  failure outputs are shortened, all to the same length, each ending in a note pointing at the
  JSON report, until it fits. The XML itself is never cut: a truncated document parses nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from junit_xml import TestCase, TestSuite, to_xml_report_string

from iam_prune.formats.interface import isoformat
from iam_prune.model import AccountResult, Finding, Report, ReportError, Status

MAX_BYTES: Final = 65_535
TRUNCATION_NOTE: Final = "… truncated, see the JSON report"
RUN_CASE_NAME: Final = "iam-prune run complete"


def render(report: Report, *, max_bytes: int = MAX_BYTES) -> str:
    """The report as JUnit XML, no larger than ``max_bytes`` in UTF-8 whenever that is possible.

    If even empty failure outputs do not fit (tens of thousands of users), the smallest
    complete document is returned: a reader rejecting it is better than one misreading it.
    """
    document = _Document(report)
    xml = document.xml(cap=None)
    if _size(xml) <= max_bytes:
        return xml
    smallest = document.xml(cap=0)
    if _size(smallest) > max_bytes:
        return smallest
    return _largest_fitting(document, max_bytes, smallest)


def _largest_fitting(document: _Document, max_bytes: int, smallest: str) -> str:
    """Binary search for the longest per-output length that keeps the XML within the limit.

    The size only grows with the allowed length, so the search is exact.
    """
    best, low, high = smallest, 1, document.longest_output - 1
    while low <= high:
        middle = (low + high) // 2
        xml = document.xml(cap=middle)
        if _size(xml) <= max_bytes:
            best, low = xml, middle + 1
        else:
            high = middle - 1
    return best


def _size(xml: str) -> int:
    return len(xml.encode("utf-8"))


@dataclass(frozen=True)
class _Document:
    """The report, ready to be written as XML with the long outputs shortened to ``cap``."""

    report: Report

    @property
    def longest_output(self) -> int:
        outputs = [_failure_output(f) for f in self.report.findings]
        outputs.append(_errors_output(self.report.errors))
        return max((len(o) for o in outputs if o), default=0)

    def xml(self, cap: int | None) -> str:
        suites = [_account_suite(a, self.report, cap) for a in self.report.accounts]
        if not self.report.complete:
            suites.append(_run_suite(self.report, cap))
        xml: str = to_xml_report_string(suites, prettyprint=True)
        return xml


def _account_suite(account: AccountResult, report: Report, cap: int | None) -> Any:
    classname = f"iam-prune.{account.account_id}"
    cases = [_finding_case(f, classname, cap) for f in account.findings]
    return TestSuite(
        _xml_text(f"iam-prune {account.account_id}"),
        cases,
        timestamp=isoformat(report.generated_at),
    )


def _finding_case(finding: Finding, classname: str, cap: int | None) -> Any:
    first = finding.declarations[0] if finding.declarations else None
    case = TestCase(
        _xml_text(finding.user) or "(unnamed user)",
        classname=_xml_text(classname),
        file=None if first is None else _xml_text(first.file),
        line=None if first is None else first.line,
    )
    message = _xml_text(finding.reason) or finding.status.value
    if finding.status.is_failure:
        output = _shorten(_failure_output(finding), cap)
        case.add_failure_info(message=message, output=output, failure_type=finding.status.value)
    elif finding.status.is_skipped:
        case.add_skipped_info(message=message)
    elif finding.status in (Status.GRACE, Status.NOT_DEPLOYED):
        case.stdout = message
    return case


def _run_suite(report: Report, cap: int | None) -> Any:
    """A suite holding one case in error that lists what failed, so the run cannot pass."""
    count = len(report.errors)
    case = TestCase(RUN_CASE_NAME, classname="iam-prune")
    case.add_error_info(
        message=f"{count} source{'s' if count != 1 else ''} failed: the report is incomplete",
        output=_shorten(_errors_output(report.errors), cap),
        error_type="incomplete",
    )
    return TestSuite("iam-prune", [case], timestamp=isoformat(report.generated_at))


def _failure_output(finding: Finding) -> str | None:
    """The diff for code to remove, the ordered commands for an unmanaged user."""
    remediation = finding.remediation
    if remediation is None:
        return None
    if remediation.patch:
        return _xml_text(remediation.patch)
    if remediation.commands:
        return _xml_text("\n".join(remediation.commands))
    return None


def _errors_output(errors: tuple[ReportError, ...]) -> str:
    lines = []
    for error in errors:
        where = error.where()
        prefix = f"{error.source.value} {where}".rstrip()
        if error.account_id:
            prefix += f" [{error.account_id}]"
        lines.append(f"{prefix}: {error.message}")
    return _xml_text("\n".join(lines))


def _shorten(output: str | None, cap: int | None) -> str | None:
    """``output`` cut to at most ``cap`` characters, at a line end when there is one."""
    if output is None or cap is None or len(output) <= cap:
        return output
    cut = output.rfind("\n", 0, cap + 1)
    kept = output[: cut if cut > 0 else cap]
    return f"{kept}\n{TRUNCATION_NOTE}" if kept else TRUNCATION_NOTE


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (one makes the file unparsable)."""
    return "".join(ch for ch in text if _xml_char(ord(ch)))


def _xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
