"""JUnit XML, for the test reporters teams already wire into CI.

Each account is a test suite and each user a test case, so a reporter shows the unused users
as failing tests with the diff (or the CLI commands) as the failure output, and the readers
that understand ``file``/``line`` on a test case (mikepenz/action-junit-report, EnricoMi)
annotate the declaration in the ``.tf`` file. Needs-review and exempt users are both skipped,
told apart by the message's first word; the suite's ``time`` is how long the account's scan
really took; notes go to ``system-out`` (the run's own notes once, in the first suite).

Two rules come from how those readers behave:

* Every error of an incomplete run is a test case in error, with its file and line when it has
  them, so a partial view never looks like a clean pass and each problem is annotated.
* dorny/test-reporter refuses reports over 65,535 bytes (``max_bytes``). A diff cut in the
  middle helps nobody, so failure outputs are kept whole, in order, for as many failures as
  fit; the others say where the output is, and each suite counts how many were left out.
  Before any output is cut, users that pass (and then skipped ones) are counted per account
  and status, one case each, instead of listed. The XML itself is never cut: a truncated
  document parses nowhere.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any, Final
from xml.sax.saxutils import escape

from junit_xml import TestCase, TestSuite

from iam_prune.formats.interface import isoformat
from iam_prune.model import AccountResult, Finding, Note, Report, ReportError, Status

MAX_BYTES: Final = 65_535
ERRORS_SUITE: Final = "iam-prune errors"
LEFT_OUT_PROPERTY: Final = "iam-prune.outputs-left-out"


#: What a failure whose output did not fit says instead (short: it is said once per such
#: failure, hundreds of times); the suite's ``system-out`` says once how many and why.
LEFT_OUT: Final = "left out to fit: see --patch or the JSON report"


def render(report: Report, *, max_bytes: int = MAX_BYTES) -> str:
    """The report as JUnit XML, no larger than ``max_bytes`` in UTF-8 whenever that is possible.

    If the cases alone do not fit (failures and errors are always listed, about 260 bytes
    each: some 250 of them), the smallest complete document is returned and its suites say it
    is over: a reader rejecting it is better than one misreading it.
    """
    # Whole failure outputs matter more than a case for every user that passes: count the
    # passing users, then the skipped ones, before any output is left out.
    for counted in _COUNTED_LEVELS:
        document = _Document(report, max_bytes, counted)
        everything = document.xml(document.all_outputs)
        if _size(everything) <= max_bytes:
            return everything
    shown = document.fitting_outputs()
    xml = document.xml(shown)
    while _size(xml) > max_bytes and shown:  # the cost estimate was short: give back the last
        shown = shown[:-1]
        xml = document.xml(shown)
    if _size(xml) > max_bytes:
        xml = replace(document, over=True).xml(shown)
    return xml


def _size(xml: str) -> int:
    return len(xml.encode("utf-8"))


@dataclass(frozen=True)
class _Document:
    """The report, ready to be written with the failure outputs of some findings only."""

    report: Report
    max_bytes: int
    #: Statuses whose users are counted per account rather than listed one case each.
    counted: frozenset[Status] = frozenset()
    #: Over ``max_bytes`` even with every output left out: the suites say so.
    over: bool = False

    @property
    def outputs(self) -> list[tuple[int, str]]:
        """Every failure output, by the finding's position in the report."""
        found = []
        for position, finding in enumerate(self.report.findings):
            output = _failure_output(finding) if finding.status.is_failure else None
            if output:
                found.append((position, output))
        return found

    @property
    def all_outputs(self) -> tuple[int, ...]:
        return tuple(position for position, _ in self.outputs)

    def fitting_outputs(self) -> tuple[int, ...]:
        """The outputs to keep whole, in report order, while the estimated size allows."""
        room = self.max_bytes - _size(self.xml(()))
        instead = _xml_size(LEFT_OUT)
        shown = []
        for position, output in self.outputs:
            cost = _xml_size(output) - instead
            if cost <= room:
                shown.append(position)
                room -= cost
        return tuple(shown)

    def xml(self, shown: Collection[int]) -> str:
        root = ET.Element("testsuites")
        # The attributes junit-10.xsd allows on <testsuites> (no "skipped" there).
        totals = {"disabled": 0, "errors": 0, "failures": 0, "tests": 0}
        seconds: float | None = None
        position = 0
        for number, account in enumerate(self.report.accounts):
            suite, position = self._account_suite(account, position, shown, first=number == 0)
            root.append(suite)
        if self.report.errors or (self.report.notes and not self.report.accounts):
            root.append(_errors_suite(self.report))
        for suite in root:
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
            if suite.get("time") is not None:
                seconds = (seconds or 0.0) + float(suite.get("time", "0"))
        for key, value in totals.items():
            root.set(key, str(value))
        if seconds is not None:  # a report read back from JSON does not say: no time, not 0
            root.set("time", f"{seconds:.3f}")
        # ElementTree writes a newline or tab in an attribute (a file path may hold one) as a
        # character reference; minidom's pretty printer wrote it raw, and every XML parser
        # reads a raw one back as a space: the file named in the report did not exist.
        ET.indent(root, space="\t")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")

    def _account_suite(
        self, account: AccountResult, position: int, shown: Collection[int], *, first: bool
    ) -> tuple[ET.Element, int]:
        classname = _xml_text(f"iam-prune.{account.account_id}")
        cases = []
        left_out = 0
        tally: dict[Status, int] = {}
        for finding in account.findings:
            if finding.status in self.counted:
                tally[finding.status] = tally.get(finding.status, 0) + 1
                position += 1
                continue
            whole = position in shown
            if finding.status.is_failure and _failure_output(finding) and not whole:
                left_out += 1
            cases.append(self._finding_case(finding, classname, whole))
            position += 1
        cases += [_tally_case(status, count, classname) for status, count in tally.items()]
        # A note of the whole run (no account) is said once, in the first suite: repeated in
        # every account's suite it took the room of diffs.
        notes = [
            n
            for n in self.report.notes
            if n.account_id == account.account_id or (n.account_id is None and first)
        ]
        stdout = [f"note: {_note_text(n)}" for n in notes]
        if tally:
            stdout.append(
                f"users that are {', '.join(s.value for s in tally)} are counted, not listed,"
                f" to keep this file under {self.max_bytes:,} bytes: the JSON report lists them"
            )
        if left_out:
            outputs = f"{left_out} failure output{'s' if left_out != 1 else ''} left out"
            stdout.append(
                f"{outputs} to keep this file under {self.max_bytes:,} bytes: the combined"
                " patch (--patch) and the JSON report hold them"
                if not self.over
                else f"{outputs}, and this file is still over {self.max_bytes:,} bytes (one"
                " case per failure); the combined patch (--patch) and the JSON report hold"
                " them"
            )
        suite = TestSuite(
            _xml_text(f"iam-prune {account.account_id}"),
            cases,
            timestamp=isoformat(self.report.generated_at),
            properties={LEFT_OUT_PROPERTY: str(left_out)} if left_out else None,
            stdout="\n".join(stdout) or None,
        )
        element: ET.Element = suite.build_xml_doc()
        if account.seconds is not None:
            element.set("time", f"{account.seconds:.3f}")
        else:
            element.attrib.pop("time", None)
        return element, position

    def _finding_case(self, finding: Finding, classname: str, whole: bool) -> Any:
        first = finding.declarations[0] if finding.declarations else None
        case = TestCase(
            _xml_text(finding.user) or "(unnamed user)",
            classname=classname,
            file=None if first is None else _xml_text(first.file),
            line=None if first is None else first.line,
        )
        reason = _xml_text(finding.reason)
        if finding.status.is_failure:
            output = _failure_output(finding)
            if output and not whole:
                output = LEFT_OUT
            failure_type = finding.status.value
            case.add_failure_info(
                message=reason or failure_type, output=output, failure_type=failure_type
            )
        elif finding.status.is_skipped:
            case.add_skipped_info(message=f"{finding.status.value}: {reason}".rstrip(": "))
        stdout = [reason] if finding.status in (Status.GRACE, Status.NOT_DEPLOYED) else []
        stdout += [f"note: {_xml_text(n)}" for n in finding.notes]
        if stdout:
            case.stdout = "\n".join(stdout)
        return case


#: What is counted instead of listed, level by level, when the listing is too large: first
#: the users that pass, then the skipped ones; failures and errors are always listed.
_PASSING: Final = frozenset({Status.IN_USE, Status.GRACE, Status.NOT_DEPLOYED})
_COUNTED_LEVELS: Final = (
    frozenset[Status](),
    _PASSING,
    _PASSING | {Status.NEEDS_REVIEW, Status.EXEMPT},
)


def _tally_case(status: Status, count: int, classname: str) -> Any:
    """One case standing for ``count`` users of one status, passing or skipped like them."""
    case = TestCase(f"{count:,} users {status.value}", classname=classname)
    if status.is_skipped:
        case.add_skipped_info(message=f"{status.value}: {count:,} users, listed in the JSON report")
    return case


def _errors_suite(report: Report) -> ET.Element:
    """One case in error per report error, so each is annotated where it happened and the run
    cannot pass; with no account suite, the notes of the run are its ``system-out``."""
    cases = [_error_case(number, error) for number, error in enumerate(report.errors, start=1)]
    notes = [f"note: {_note_text(n)}" for n in report.notes if not report.accounts]
    suite = TestSuite(
        ERRORS_SUITE,
        cases,
        timestamp=isoformat(report.generated_at),
        stdout="\n".join(notes) or None,
    )
    element: ET.Element = suite.build_xml_doc()
    element.attrib.pop("time", None)  # no account's scan: nothing was timed
    return element


def _error_case(number: int, error: ReportError) -> Any:
    where = error.where() or error.account_id or "run"
    case = TestCase(
        _xml_text(f"error {number}: {error.source.value} {where}"),
        classname="iam-prune.errors",
        file=_xml_text(error.file) if error.file else None,
        line=error.line,
    )
    message = _xml_text(error.message) or "failed"
    detail = message if not error.account_id else f"account {error.account_id}: {message}"
    case.add_error_info(message=message, output=detail, error_type=error.source.value)
    return case


def _note_text(note: Note) -> str:
    where = note.where()
    return _xml_text(f"{where}: {note.message}" if where else note.message)


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


def _xml_size(text: str) -> int:
    """Bytes ``text`` takes as XML character data (minidom escapes these four)."""
    return _size(escape(text, {'"': "&quot;"}))


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
