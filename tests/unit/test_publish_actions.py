"""GitHub Actions files: step outputs (heredoc for multi-line values) and the summary cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from iam_prune.publish import actions


def _parse_outputs(text: str) -> dict[str, str]:
    """Read GITHUB_OUTPUT the way the runner does."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            values[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def test_outputs_round_trip_including_multi_line_values(tmp_path: Path) -> None:
    target = tmp_path / "out"
    values = {"findings": "3", "complete": "false", "note": "line one\nline two"}
    assert actions.write_outputs(values, {"GITHUB_OUTPUT": str(target)})
    assert _parse_outputs(target.read_text()) == values


def test_outputs_without_the_variable_write_nothing(tmp_path: Path) -> None:
    assert not actions.write_outputs({"a": "b"}, {})


def test_summary_is_appended_and_capped(tmp_path: Path) -> None:
    target = tmp_path / "summary"
    env = {"GITHUB_STEP_SUMMARY": str(target)}
    assert actions.append_summary("# one", env)
    assert actions.append_summary("# two", env)
    assert target.read_text() == "# one\n# two\n"
    assert not actions.append_summary("x" * (actions.SUMMARY_LIMIT + 1), env)
    assert target.read_text() == "# one\n# two\n"


def test_run_info_links_to_the_run_only_inside_actions() -> None:
    from iam_prune.publish.actions import run_info

    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://ghe.example.com/",
        "GITHUB_REPOSITORY": "acme/infra",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SHA": "abc123",
        "GITHUB_EVENT_NAME": "pull_request",
    }
    info = run_info(env)
    assert info is not None
    assert info.url == "https://ghe.example.com/acme/infra/actions/runs/42"
    assert (info.repository, info.sha, info.event) == ("acme/infra", "abc123", "pull_request")
    assert run_info({**env, "GITHUB_RUN_ID": ""}) is not None
    assert run_info({**env, "GITHUB_RUN_ID": ""}).url is None  # type: ignore[union-attr]
    assert run_info({k: v for k, v in env.items() if k != "GITHUB_ACTIONS"}) is None


def test_commands_are_stopped_with_a_new_token_each_time_in_actions_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with actions.commands_off({}):
        print("::error::outside Actions nothing is added")
    assert capsys.readouterr().out == "::error::outside Actions nothing is added\n"

    tokens = []
    for _ in range(2):
        with actions.commands_off({"GITHUB_ACTIONS": "true"}):
            print("::add-mask::secret")
        stop, text, resume = capsys.readouterr().out.splitlines()
        token = stop.removeprefix("::stop-commands::")
        assert text == "::add-mask::secret" and resume == f"::{token}::"
        tokens.append(token)
    assert len(set(tokens)) == 2 and all(len(t) == 32 for t in tokens)


def test_the_summary_counts_what_the_step_wrote_before(tmp_path: Path) -> None:
    target = tmp_path / "summary"
    target.write_bytes(b"x" * 1000)
    env = {"GITHUB_STEP_SUMMARY": str(target)}
    assert actions.summary_room(env) == actions.SUMMARY_BUDGET - 1000
    assert not actions.append_summary("y" * (actions.SUMMARY_BUDGET - 999), env)
    assert actions.append_summary("y" * (actions.SUMMARY_BUDGET - 1000), env)
    assert target.stat().st_size == actions.SUMMARY_LIMIT


def test_a_scan_fits_its_report_in_what_is_left_of_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another step's 900 KB already there: the report shrinks to the rest, not to 1 MiB."""
    from report_builders import scaled_report

    from iam_prune.config import FailOn
    from iam_prune.delivery import write_reports

    summary = tmp_path / "summary.md"
    summary.write_bytes(b"earlier\n" * 112_500)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs"))

    write_reports(scaled_report(2000), {}, FailOn.FINDINGS)

    written = summary.read_bytes()
    assert len(written) <= actions.SUMMARY_LIMIT
    assert written.startswith(b"earlier\n") and b"iam-prune" in written[900_000:]
