"""A JSON reader that remembers where every value and object member is in the text.

The ``json`` module gives values without positions, but a fix removes one member of a
``.tf.json`` file by its character range, and a declaration is reported at its line. This is a
small recursive-descent scanner over the same grammar; strings are decoded by ``json``
itself, so escapes mean exactly what they mean to ``json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_DECODER = json.JSONDecoder()
_WORDS: dict[str, bool | None] = {"true": True, "false": False, "null": None}

Kind = Literal["object", "array", "string", "number", "literal"]


@dataclass(frozen=True)
class JsonMember:
    """``"key": value`` of an object; ``start`` is the key's opening quote."""

    key: str
    start: int
    key_end: int
    value: JsonValue

    @property
    def end(self) -> int:
        return self.value.end


@dataclass(frozen=True)
class JsonValue:
    """One value and the range ``[start, end)`` it occupies."""

    kind: Kind
    start: int
    end: int
    scalar: str | int | float | bool | None = None
    members: tuple[JsonMember, ...] = ()
    items: tuple[JsonValue, ...] = ()


class JsonSyntaxError(ValueError):
    """The text is not JSON; ``position`` is the ``str`` index where reading failed."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def scan(text: str) -> JsonValue:
    """The JSON document in ``text`` with positions. Raises ``JsonSyntaxError``."""
    start = 1 if text.startswith("\ufeff") else 0
    position = _skip(text, start)
    value = _value(text, position)
    position = _skip(text, value.end)
    if position != len(text):
        raise JsonSyntaxError("unexpected text after the JSON value", position)
    return value


def _skip(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return position if match is None else match.end()


def _value(text: str, position: int) -> JsonValue:
    if position >= len(text):
        raise JsonSyntaxError("unexpected end of file", position)
    char = text[position]
    if char == "{":
        return _object(text, position)
    if char == "[":
        return _array(text, position)
    if char == '"':
        value, end = _string(text, position)
        return JsonValue("string", position, end, value)
    number = _NUMBER.match(text, position)
    if number is not None:
        literal = number.group()
        parsed: int | float = float(literal) if any(c in literal for c in ".eE") else int(literal)
        return JsonValue("number", position, number.end(), parsed)
    for word, meaning in _WORDS.items():
        if text.startswith(word, position):
            return JsonValue("literal", position, position + len(word), meaning)
    raise JsonSyntaxError(f"unexpected `{char}`", position)


def _string(text: str, position: int) -> tuple[str, int]:
    try:
        value, end = _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as error:
        raise JsonSyntaxError(error.msg, error.pos) from error
    return str(value), int(end)


def _object(text: str, start: int) -> JsonValue:
    members: list[JsonMember] = []
    position = _skip(text, start + 1)
    if text.startswith("}", position):
        return JsonValue("object", start, position + 1)
    while True:
        if not text.startswith('"', position):
            raise JsonSyntaxError("expected a member name in double quotes", position)
        key, key_end = _string(text, position)
        colon = _skip(text, key_end)
        if not text.startswith(":", colon):
            raise JsonSyntaxError("expected `:`", colon)
        value = _value(text, _skip(text, colon + 1))
        members.append(JsonMember(key, position, key_end, value))
        position = _skip(text, value.end)
        if text.startswith("}", position):
            return JsonValue("object", start, position + 1, members=tuple(members))
        if not text.startswith(",", position):
            raise JsonSyntaxError("expected `,` or `}`", position)
        position = _skip(text, position + 1)


def _array(text: str, start: int) -> JsonValue:
    items: list[JsonValue] = []
    position = _skip(text, start + 1)
    if text.startswith("]", position):
        return JsonValue("array", start, position + 1)
    while True:
        item = _value(text, position)
        items.append(item)
        position = _skip(text, item.end)
        if text.startswith("]", position):
            return JsonValue("array", start, position + 1, items=tuple(items))
        if not text.startswith(",", position):
            raise JsonSyntaxError("expected `,` or `]`", position)
        position = _skip(text, position + 1)
