"""The README's configuration example works when copied, as a newcomer would copy it."""

from __future__ import annotations

import re
from pathlib import Path

from iam_prune.config import CONFIG_FILE, build

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("## Configuration", 1)[1]
    match = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the Configuration section has no TOML example"
    return match.group(1)


def test_the_readme_configuration_example_builds_settings(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / CONFIG_FILE).write_text(_example(), encoding="utf-8")
    settings = build({}, tmp_path)
    assert [d.name for d in settings.terraform_dirs] == ["infra", "iam"]
    assert [t.role_arn for t in settings.targets] == ["arn:aws:iam::111111111111:role/iam-prune"]
    assert settings.accounts == ("prod-*",)
    assert [e.user for e in settings.exemptions] == ["svc-legacy-*"]
