"""Terraform values as Python values, plus where each collection element was written.

Strings, numbers, bools and null are plain ``str``/``int``/``float``/``bool``/``None``.
Collections are ``Seq`` (list, tuple, set) and ``Obj`` (map, object); each element keeps the
span of the literal element or entry that supplied it (its *origin*), through variables,
locals, ``.tfvars``, functions and ``for`` expressions, because removing one ``for_each``
instance means editing exactly that element. ``Unknown`` stands for a value that cannot be
known without Terraform (a resource attribute, a missing variable), with the reason why.

Maps and objects iterate in lexical key order and sets of strings in lexical order, as in
Terraform, so instance order and addresses come out the way ``terraform plan`` shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Literal, TypeAlias

from iam_prune.model import SourceSpan

Origin: TypeAlias = SourceSpan | None
SeqKind = Literal["list", "tuple", "set"]
ObjKind = Literal["map", "object"]


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known statically; ``reason`` says why, for a person."""

    reason: str


@dataclass(frozen=True)
class Seq:
    """A list, tuple or set. ``origins[i]`` is where ``items[i]`` was written, if known."""

    kind: SeqKind
    items: tuple[Value, ...]
    origins: tuple[Origin, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if len(self.origins) != len(self.items):
            object.__setattr__(self, "origins", _pad(self.origins, len(self.items)))

    def pairs(self) -> Iterator[tuple[Value, Origin]]:
        return zip(self.items, self.origins, strict=True)


@dataclass(frozen=True)
class Obj:
    """A map or object, keys in lexical order. ``origins[i]`` is where entry ``i`` was written."""

    kind: ObjKind
    keys: tuple[str, ...]
    items: tuple[Value, ...]
    origins: tuple[Origin, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if len(self.origins) != len(self.items):
            object.__setattr__(self, "origins", _pad(self.origins, len(self.items)))

    def get(self, key: str) -> tuple[Value, Origin] | None:
        index = self._positions().get(key)
        return None if index is None else (self.items[index], self.origins[index])

    def _positions(self) -> dict[str, int]:
        """Where each key is (the first, should one be written twice), built on first use: a
        lookup in a big map is one probe, not a scan."""
        positions: dict[str, int] | None = self.__dict__.get("_by_key")
        if positions is None:
            positions = {}
            for index, key in enumerate(self.keys):
                positions.setdefault(key, index)
            object.__setattr__(self, "_by_key", positions)
        return positions

    def entries(self) -> Iterator[tuple[str, Value, Origin]]:
        return zip(self.keys, self.items, self.origins, strict=True)


Value: TypeAlias = str | int | float | bool | Seq | Obj | Unknown | None


def _pad(origins: tuple[Origin, ...], length: int) -> tuple[Origin, ...]:
    return (origins + (None,) * length)[:length]


def make_seq(kind: SeqKind, items: Iterable[Value], origins: Iterable[Origin] | None = None) -> Seq:
    """A sequence; for a set, duplicates are dropped (the first keeps its origin) and strings
    and numbers are put in Terraform's order."""
    values = tuple(items)
    spans = _pad(tuple(origins) if origins is not None else (), len(values))
    if kind != "set":
        return Seq(kind, values, spans)
    # One hash probe per element (a big literal set is common in for_each); Python's equality
    # is the set's (``1 == 1.0``, as in Terraform's number type). The first of equal values
    # keeps its origin. A NaN equals nothing, not even itself: each one stays.
    if all(type(value) is str for value in values):  # the common case, in one pass of C
        first: dict[Value, Origin] = dict(zip(reversed(values), reversed(spans), strict=True))
        ordered = sorted(first.items(), key=itemgetter(0))
        return Seq("set", tuple(v for v, _ in ordered), tuple(o for _, o in ordered))
    unique: list[tuple[Value, Origin]] = []
    seen: set[Value] = set()
    for value, origin in zip(values, spans, strict=True):
        if isinstance(value, float) and value != value:
            unique.append((value, origin))
        elif value not in seen:
            seen.add(value)
            unique.append((value, origin))
    if all(isinstance(v, str) for v, _ in unique):
        unique.sort(key=lambda pair: str(pair[0]))
    elif all(is_number(v) for v, _ in unique):
        unique.sort(key=lambda pair: float(pair[0]))  # type: ignore[arg-type]
    return Seq("set", tuple(v for v, _ in unique), tuple(o for _, o in unique))


def make_obj(kind: ObjKind, entries: Iterable[tuple[str, Value, Origin]]) -> Obj:
    """A map or object; a later entry with the same key replaces an earlier one."""
    by_key: dict[str, tuple[Value, Origin]] = {}
    for key, value, origin in entries:
        by_key[key] = (value, origin)
    keys = tuple(sorted(by_key))
    return Obj(kind, keys, tuple(by_key[k][0] for k in keys), tuple(by_key[k][1] for k in keys))


def is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def first_unknown(values: Iterable[Value]) -> Unknown | None:
    """The first ``Unknown`` among ``values`` (not looking inside collections)."""
    return next((v for v in values if isinstance(v, Unknown)), None)


def deep_unknown(value: Value) -> Unknown | None:
    """The first ``Unknown`` in ``value`` or anywhere inside it."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Seq | Obj):
        for item in value.items:
            found = deep_unknown(item)
            if found is not None:
                return found
    return None


def type_name(value: Value) -> str:
    """Terraform's word for the value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if is_number(value):
        return "number"
    if isinstance(value, Seq | Obj):
        return value.kind
    return "unknown"


def a_type(value: Value) -> str:
    """The type with its article, for messages: "an object", "a string"."""
    name = type_name(value)
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def format_number(number: int | float) -> str:
    """A number as Terraform writes it in a string: ``3``, ``2.5``."""
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)


def to_string(value: Value) -> str | Unknown:
    """Terraform's automatic conversion to string (in templates and string arguments)."""
    if isinstance(value, Unknown | str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if value is None:
        return Unknown("a null value cannot be used in a string (Terraform rejects it)")
    return Unknown(f"{a_type(value)} cannot be used as a string (Terraform rejects it)")


def to_number(value: Value) -> int | float | Unknown:
    """Terraform's automatic conversion to number (``count``, indexes, arithmetic)."""
    if isinstance(value, Unknown):
        return value
    if is_number(value):
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return Unknown(f'"{value}" is not a number (Terraform rejects it)')
        return int(number) if number.is_integer() else number
    return Unknown(f"{a_type(value)} is not a number (Terraform rejects it)")


def to_bool(value: Value) -> bool | Unknown:
    """Terraform's automatic conversion to bool (conditions)."""
    if isinstance(value, Unknown | bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    return Unknown(f"{a_type(value)} is not a bool (Terraform rejects it)")


def plain(value: Value) -> object:
    """The value as plain Python (lists, dicts), without origins: for tests and messages."""
    if isinstance(value, Seq):
        return [plain(item) for item in value.items]
    if isinstance(value, Obj):
        return {key: plain(item) for key, item, _ in value.entries()}
    return value
