"""The composite action's shell steps, run in bash with a stand-in ``iam-prune``.

What is checked is the wiring GitHub cannot be asked about offline: publishing runs whatever
the scan exited with, a failed publish never changes the result, and the action exits with
the scan's code. ``${{ inputs.* }}`` and ``${{ steps.*.outputs.* }}`` are filled in the way
the runner does, from the inputs' defaults and each step's ``GITHUB_OUTPUT``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")

STAND_IN = """#!/usr/bin/env bash
echo "$*" >> "${CALLS}"
if [[ "$1" == "scan" ]]; then
  if [[ "${SCAN_WRITES}" == "yes" ]]; then
    echo '{}' > report.json
    printf 'json-path=report.json\\nexit-code=%s\\n' "${SCAN_CODE}" >> "${GITHUB_OUTPUT}"
  fi
  exit "${SCAN_CODE}"
fi
exit "${PUBLISH_CODE}"
"""


def run_action(
    tmp_path: Path,
    scan_code: int,
    publish_code: int,
    writes: bool = True,
    given: dict[str, str] | None = None,
) -> tuple[int, list[str], str]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs["github-token"] = "token-value"
    inputs.update(given or {})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "iam-prune"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)
    (bin_dir / "python").symlink_to(sys.executable)  # the action's venv has its python
    calls = tmp_path / "calls"
    outputs: dict[str, dict[str, str]] = {"install": {"bin": str(bin_dir)}}
    printed = ""
    code = 0
    for step in action["runs"]["steps"]:
        if "run" not in step or step.get("id") == "install":
            continue
        output_file = tmp_path / f"{step.get('id', 'last')}.out"
        output_file.write_text("")
        env = {
            "PATH": os.environ["PATH"],
            "GITHUB_OUTPUT": str(output_file),
            "CALLS": str(calls),
            "SCAN_CODE": str(scan_code),
            "PUBLISH_CODE": str(publish_code),
            "SCAN_WRITES": "yes" if writes else "no",
        }
        for key, value in (step.get("env") or {}).items():
            env[key] = EXPRESSION.sub(lambda m: _value(m.group(1), inputs, outputs), str(value))
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        printed += done.stdout
        code = done.returncode
        if code != 0:
            break  # a failed step stops a composite action
        outputs[step.get("id", "last")] = dict(
            line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
        )
    return code, calls.read_text().splitlines() if calls.exists() else [], printed


def _value(expression: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    if expression.startswith("inputs."):
        return inputs[expression.removeprefix("inputs.")]
    match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
    if match:
        return outputs.get(match.group(1), {}).get(match.group(2), "")
    raise AssertionError(f"unexpected expression {expression}")


@pytest.mark.parametrize("scan_code", [0, 1, 2])
@pytest.mark.parametrize("publish_code", [0, 2])
def test_publish_runs_after_any_scan_and_never_changes_the_result(
    tmp_path: Path, scan_code: int, publish_code: int
) -> None:
    code, calls, printed = run_action(tmp_path, scan_code, publish_code)
    assert code == scan_code
    assert calls[0].startswith("scan ")
    assert calls[1] == "publish --report=report.json --comment-mode=update --issue-label=iam-prune"
    assert ("publishing on GitHub failed" in printed) == (publish_code != 0)


def test_without_a_report_nothing_is_published_and_the_run_fails(tmp_path: Path) -> None:
    code, calls, printed = run_action(tmp_path, 1, 0, writes=False)
    assert code == 2  # exit 1 without a report is no finding: it could not run
    assert [c.split()[0] for c in calls] == ["scan"]
    assert "nothing published on GitHub" in printed


def test_inputs_reach_publish_as_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = yaml.safe_load

    def with_inputs(text: Any) -> Any:
        action = original(text)
        action["inputs"]["suggestions"]["default"] = "false"
        action["inputs"]["tracking-issue"]["default"] = "false"
        action["inputs"]["comment-mode"]["default"] = "hide"
        action["inputs"]["comment-key"]["default"] = "prod"
        return action

    monkeypatch.setattr(yaml, "safe_load", with_inputs)
    _, calls, _ = run_action(tmp_path, 0, 0)
    assert calls[1] == (
        "publish --report=report.json --comment-mode=hide --issue-label=iam-prune"
        " --comment-key=prod --no-suggestions --no-tracking-issue"
    )


@pytest.mark.parametrize(
    ("config", "given", "expected"),
    [
        (None, "", ["--terraform-dir=."]),  # nothing anywhere: the repository root
        ('terraform_dirs = ["infra"]\n', "", []),  # the config file's, read by iam-prune
        ("inactive_days = 90\n", "", ["--terraform-dir=."]),
        ("terraform_dirs = [\n", "", ["--terraform-dir=."]),  # broken: iam-prune says why
        ('terraform_dirs = ["infra"]\n', "a b", ["--terraform-dir=a", "--terraform-dir=b"]),
    ],
)
def test_the_terraform_dirs_input_defers_to_the_config_file(
    tmp_path: Path, config: str | None, given: str, expected: list[str]
) -> None:
    if config is not None:
        (tmp_path / ".iam-prune.toml").write_text(config, encoding="utf-8")
    _, calls, _ = run_action(tmp_path, 0, 0, given={"terraform-dirs": given})
    flags = [flag for flag in calls[0].split() if flag.startswith("--terraform-dir")]
    assert flags == expected
