"""Reading ``.iam-prune.toml``: its keys checked for name and type, and where each one is.

tomllib gives values without positions; a person fixing a bad value needs the line, so the
file's keys and ``[[exempt]]`` headers are located from its text (:class:`Where`). What the
values mean is :mod:`iam_prune.config`'s.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Place:
    """A config file, and the line in it when known."""

    file: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)


class ConfigError(Exception):
    """The configuration is invalid; the message names the key, ``place`` the file and line
    a value came from (``None`` for a flag: the message names it)."""

    def __init__(self, message: str, place: Place | None = None) -> None:
        super().__init__(f"{place}: {message}" if place else message)
        self.message = message
        self.place = place


#: Keys a config file may hold, with the type each must have.
_SCALAR_KEYS: dict[str, type | tuple[type, ...]] = {
    "terraform_dirs": list,
    "var_files": list,
    "state": str,
    "cache": bool,
    "inactive_days": int,
    "grace_days": int,
    "fail_on": str,
    "json": str,
    "junit": str,
    "markdown": str,
    "report_wait": (int, float),
    "profile": str,
    "role_arns": list,
    "external_id": str,
    "role_session_name": str,
    "exempt": list,
    "sarif": str,
    "organization": bool,
    "role_name": str,
    "ous": list,
    "accounts": list,
    "exclude_accounts": list,
    "shard": str,
    "concurrency": int,
}
EXEMPT_KEYS = ("user", "reason", "until")
_STRING_LISTS = ("terraform_dirs", "var_files", "role_arns", "ous", "accounts", "exclude_accounts")


@dataclass(frozen=True)
class Where:
    """The lines of a config file's keys, for errors: tomllib gives values, not positions."""

    path: Path
    keys: Mapping[str, int] = field(default_factory=dict)  # a top-level key → its line
    exempt: tuple[int, ...] = ()  # the line of each ``[[exempt]]`` header

    @classmethod
    def of(cls, path: Path, text: str) -> Where:
        """Top-level keys are the ``key =`` lines before the first table header; a line
        inside a multi-line string that reads like one can only make a line number wrong,
        never an error."""
        keys: dict[str, int] = {}
        exempt: list[int] = []
        top = True
        for number, line in enumerate(text.splitlines(), start=1):
            if _TABLE.match(line):
                top = False
                if found := _HEADER.match(line):
                    name = found.group(2).strip("\"'")
                    if name == "exempt" and found.group(1) == "[[":
                        exempt.append(number)
                    else:  # `[exempt]`, `[[exemptions]]`: the line of a typo
                        keys.setdefault(name, number)
            elif top and (found := _KEY.match(line)):
                keys.setdefault(found.group(1).strip("\"'"), number)
        return cls(path, keys, tuple(exempt))

    def at(self, key: str) -> Place:
        return Place(self.path, self.keys.get(key))

    def entry(self, number: int) -> Place:
        """``[[exempt]]`` entry ``number`` (from 1): its header's line, or the ``exempt = [...]``
        line when the entries are inline tables."""
        if number <= len(self.exempt):
            return Place(self.path, self.exempt[number - 1])
        return self.at("exempt")


_TABLE = re.compile(r"\s*\[")
#: A table header's brackets and its (first) name: ``[name]``, ``[[name]]``, ``[name.part]``.
_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*[\].]")
#: ``key =``, or a dotted key's first part (``grace.days = 3`` sets the table ``grace``).
_KEY = re.compile(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*[=.]")


def unknown_key(key: str, known: Any, place: Place, subject: str = "") -> ConfigError:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ConfigError(f"{subject}unknown key {key!r}{hint}", place)


#: How tomllib places a syntax error in its message (it has no attributes for it before 3.14).
_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")


def read_file(path: Path) -> tuple[dict[str, Any], Where]:
    """The parsed and checked contents of a config file, and where its keys are."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", Place(path)) from error
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"not UTF-8 text (byte {error.start}); TOML files are UTF-8", Place(path)
        ) from error
    except tomllib.TOMLDecodeError as error:
        found = _TOML_AT.search(str(error))
        line = int(found.group(1)) if found else None
        raise ConfigError(str(error), Place(path, line)) from error
    where = Where.of(path, text)
    for key, value in data.items():
        if key not in _SCALAR_KEYS:
            raise unknown_key(key, _SCALAR_KEYS, where.at(key))
        expected = _SCALAR_KEYS[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(f"{key!r} has the wrong type ({type(value).__name__})", where.at(key))
        if key in _STRING_LISTS and not all(isinstance(item, str) for item in value):  # type: ignore[attr-defined]
            raise ConfigError(f"{key!r} must be a list of strings", where.at(key))
    return data, where
