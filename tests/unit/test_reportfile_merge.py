"""Reports read back from JSON, and merged: round trip, refusals with reasons."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from report_builders import (
    ACCOUNT,
    OTHER_ACCOUNT,
    SETTINGS,
    account,
    full_report,
    incomplete_report,
    removal,
    report,
    unmanaged,
)

from iam_prune.formats import json as json_format
from iam_prune.merge import MergeError, combine
from iam_prune.model import ErrorSource, Finding, Note, Report, ReportError, RunInfo
from iam_prune.reportfile import ReportFileError, from_document, load_report


def _write(path: Path, rep: Report) -> Path:
    path.write_text(json_format.render(rep), encoding="utf-8")
    return path


@pytest.mark.parametrize("build", [full_report, incomplete_report])
def test_a_report_reads_back_to_the_same_json(tmp_path: Path, build: Callable[[], Report]) -> None:
    rep = replace(
        build(),
        notes=(Note("module not read", "infra/x.tf", 3),),
        run=RunInfo(url="https://example.invalid/run/1", sha="abc"),
        sources=("a.json",),
    )
    loaded = load_report(_write(tmp_path / "r.json", rep))
    assert json_format.render(loaded) == json_format.render(rep)
    assert loaded.findings[1].fingerprint(ACCOUNT) == rep.findings[1].fingerprint(ACCOUNT)


def test_another_schema_version_is_refused_with_the_reason(tmp_path: Path) -> None:
    doc = json_format.to_document(full_report())
    doc["schema"] = "iam-prune/report/v2"
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ReportFileError, match=r"v2\.json: report format 'iam-prune/report/v2'.*v1"):
        load_report(path)


def test_a_report_that_breaks_the_schema_names_the_place(tmp_path: Path) -> None:
    doc = json_format.to_document(full_report())
    doc["accounts"][0]["account_id"] = "12345"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(
        ReportFileError, match=r"bad\.json: does not match .* at accounts/0/account_id"
    ):
        load_report(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("{not json", r"j\.json:1:2: not JSON"), ("[]", "JSON object"), ("{}", "no 'schema' key")],
)
def test_what_is_not_a_report_says_so(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "j.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReportFileError, match=expected):
        load_report(path)


def test_a_missing_file_is_a_report_file_error(tmp_path: Path) -> None:
    with pytest.raises(ReportFileError, match="cannot read"):
        load_report(tmp_path / "nope.json")


def _shard(account_id: str, *findings: Finding, errors: tuple[ReportError, ...] = ()) -> Report:
    return report(accounts=(account(findings, account_id=account_id),), report_errors=errors)


def test_merge_joins_accounts_by_id_keeps_shared_errors_once_and_lists_sources() -> None:
    parse = ReportError(ErrorSource.TERRAFORM, "bad", file="infra/x.tf", line=1)
    denied = ReportError(ErrorSource.AWS, "denied", account_id=OTHER_ACCOUNT)
    first = _shard(OTHER_ACCOUNT, unmanaged("bob"), errors=(parse, denied))
    second = replace(
        _shard(ACCOUNT, removal("alice"), errors=(parse,)),
        generated_at=first.generated_at + timedelta(minutes=5),
    )
    merged = combine([("b.json", first), ("a.json", second)])
    assert [a.account_id for a in merged.accounts] == sorted([ACCOUNT, OTHER_ACCOUNT])
    assert merged.errors == (parse, denied)
    assert merged.complete is False
    assert merged.sources == ("b.json", "a.json")
    assert merged.generated_at == second.generated_at


def test_merge_is_complete_when_every_input_is() -> None:
    merged = combine([("a", _shard(ACCOUNT)), ("b", _shard(OTHER_ACCOUNT))])
    assert merged.complete is True


def test_an_input_that_says_it_is_incomplete_keeps_the_merge_incomplete(tmp_path: Path) -> None:
    """Only the errors make a report incomplete; a file that says ``complete: false`` without
    naming one must not turn complete by being read back and merged."""
    doc = json_format.to_document(_shard(ACCOUNT))
    doc["complete"] = False
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_report(path)
    assert loaded.complete is False
    assert loaded.errors[0].message == f"{path}: says it is incomplete, without naming an error"
    merged = combine([(str(path), loaded), ("b.json", _shard(OTHER_ACCOUNT))])
    assert merged.complete is False
    assert json.loads(json_format.render(merged))["complete"] is False


def test_the_same_account_twice_is_an_error_naming_both_inputs() -> None:
    with pytest.raises(MergeError, match=f"account {ACCOUNT} is in both a.json and b.json"):
        combine([("a.json", _shard(ACCOUNT)), ("b.json", _shard(ACCOUNT))])


def test_reports_under_other_rules_or_versions_are_refused() -> None:
    other_rules = replace(_shard(OTHER_ACCOUNT), settings=replace(SETTINGS, inactive_days=30))
    with pytest.raises(MergeError, match="other settings"):
        combine([("a", _shard(ACCOUNT)), ("b", other_rules)])
    other_version = replace(_shard(OTHER_ACCOUNT), tool_version="9.9.9")
    with pytest.raises(MergeError, match=r"iam-prune 9\.9\.9"):
        combine([("a", _shard(ACCOUNT)), ("b", other_version)])


def test_merge_fails_on_touched_findings_as_the_scan_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shards of a pull request's check are one check: ``--fail-on touched`` narrows the
    merged findings to the pull request's files, as it narrows a scan's."""
    from iam_prune.cli import main
    from iam_prune.delivery import EXIT_CLEAN, EXIT_FINDINGS
    from iam_prune.publish import github_touched

    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "a.json", _shard(ACCOUNT, removal("bob")))  # bob: infra/users.tf
    _write(tmp_path / "b.json", _shard(OTHER_ACCOUNT))
    argv = ["merge", "a.json", "b.json", "--fail-on", "touched"]
    files: list[frozenset[str]] = []

    def changed(_root: Path) -> frozenset[str]:
        return files[-1]

    monkeypatch.setattr(github_touched, "pull_request_files", changed)
    files.append(frozenset({"README.md"}))
    assert main(argv) == EXIT_CLEAN
    files.append(frozenset({"infra/users.tf"}))
    assert main(argv) == EXIT_FINDINGS


def test_a_shard_that_failed_on_its_configuration_is_merged_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run that fails before it reads its settings writes a report without them (not the
    defaults, which the merge would call other rules and refuse, losing the shard's error)."""
    from iam_prune.cli import main
    from iam_prune.delivery import EXIT_ERROR

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".iam-prune.toml").write_text("inactive_days = 90\ngrace_days = -1\n")
    assert main(["scan", "--json", "failed.json"]) == EXIT_ERROR
    failed = json.loads((tmp_path / "failed.json").read_text())
    assert "settings" not in failed and failed["complete"] is False
    from_document(failed)  # validates against the schema
    good = replace(_shard(ACCOUNT), settings=replace(SETTINGS, inactive_days=90))
    _write(tmp_path / "good.json", good)
    capsys.readouterr()
    assert main(["merge", "good.json", "failed.json", "--json", "merged.json"]) == EXIT_ERROR
    merged = load_report(tmp_path / "merged.json")
    assert merged.settings == good.settings
    assert [e.message for e in merged.errors] == [failed["errors"][0]["message"]]
    assert "other settings" not in capsys.readouterr().err


def test_what_a_report_leaves_out_stays_out_when_read_back(tmp_path: Path) -> None:
    """A valid report without the optional facts (another producer's, an older one): reading
    it back must not invent them. An empty exemption source broke the schema on the way out;
    a missing call count became 0 calls."""
    doc = {
        "schema": "iam-prune/report/v1",
        "tool": {"name": "iam-prune", "version": "0.1.0"},
        "generated_at": "2026-12-01T10:00:00Z",
        "complete": True,
        "errors": [],
        "accounts": [
            {
                "account_id": ACCOUNT,
                "inventory": {"source": "credential-report", "users": 2},
                "findings": [
                    {
                        "user": "x",
                        "status": "exempt",
                        "reason": "r",
                        "declarations": [],
                        "exemption": {"reason": "legal hold"},
                    }
                ],
            }
        ],
    }
    path = tmp_path / "minimal.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    again = json_format.to_document(load_report(path))
    from_document(again)  # valid against the schema
    account = again["accounts"][0]
    assert "api_calls" not in account["inventory"]
    assert account["findings"][0]["exemption"] == {"reason": "legal hold", "expires": None}
    assert "settings" not in again
