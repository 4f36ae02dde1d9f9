"""How the terminal report is shaped for where it goes: colour, width."""

from __future__ import annotations

import io

import pytest

from iam_prune import terminal
from iam_prune.formats import text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "choice", "expected"),
    [
        ({}, "auto", True),
        ({"NO_COLOR": "1"}, "auto", False),
        ({"NO_COLOR": ""}, "auto", True),  # no-color.org: set and not empty
        ({"TERM": "dumb"}, "auto", False),
        ({"NO_COLOR": "1"}, "always", True),  # an explicit flag wins
        ({}, "never", False),
    ],
)
def test_colour_follows_no_color_and_the_flag(
    env: dict[str, str], choice: str, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("NO_COLOR", "TERM"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert terminal.use_color(choice, Terminal()) is expected


def test_no_colour_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert terminal.use_color("auto", io.StringIO()) is False


def test_width_is_the_terminal_s_or_the_log_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert terminal.width(io.StringIO()) == text.DEFAULT_WIDTH
    monkeypatch.setenv("COLUMNS", "72")
    assert terminal.width(Terminal()) == 72
