"""The Terraform functions people use to build user names and ``for_each`` collections.

Each takes evaluated arguments and returns a value; collection functions carry element
origins along (``keys(local.users)`` still knows where each user's entry is written). An
unknown argument makes the result unknown; a function that is not here makes an unknown whose
reason names it, so a person sees what stopped the evaluation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence

from iam_prune.terraform import decoding, reshape
from iam_prune.terraform.rejection import Rejected
from iam_prune.terraform.values import (
    Obj,
    ObjKind,
    Origin,
    Seq,
    SeqKind,
    Unknown,
    Value,
    a_type,
    first_unknown,
    make_obj,
    make_seq,
    plain,
    to_bool,
    to_number,
    to_string,
)

Function = Callable[[Sequence[Value]], Value]
_FORMAT_VERB = re.compile(r"%(?:(%)|([-+ #0]*)(\d*)(?:\.(\d+))?([sdvqftbxXoe]))")
_REPLACEMENT_GROUP = re.compile(r"\$(?:\$|(\d+)|\{(\w+)\})")


class _Rejected(Exception):
    """An argument Terraform itself would reject; the message says which."""


class _UnknownInside(Exception):
    """An unknown element inside a collection argument: the result is unknown too."""

    def __init__(self, unknown: Unknown) -> None:
        super().__init__(unknown.reason)
        self.unknown = unknown


def call(name: str, args: Sequence[Value]) -> Value:
    """``name(args...)``, or ``Unknown`` when it cannot be evaluated here."""
    function = _FUNCTIONS.get(name)
    if function is None:
        return Unknown(f"the function `{name}` is not evaluated by iam-prune")
    unknown = first_unknown(args)
    if unknown is not None:
        return unknown
    arity = _ARITY.get(name)
    if arity is not None and not arity[0] <= len(args) <= arity[1]:
        return Unknown(f"`{name}` was given {len(args)} arguments (Terraform rejects it)")
    try:
        return function(args)
    except _UnknownInside as inside:
        return inside.unknown
    except (_Rejected, decoding.DecodeError, reshape.ReshapeError) as error:
        return Rejected(f"{name}(): {error}")


# --------------------------------------------------------------------------- helpers


def _string(value: Value) -> str:
    if isinstance(value, Unknown):
        raise _UnknownInside(value)
    converted = to_string(value)
    if isinstance(converted, Unknown):
        raise _Rejected(converted.reason)
    return converted


def _int(value: Value) -> int:
    converted = to_number(value)
    if isinstance(converted, Unknown) or not float(converted).is_integer():
        raise _Rejected(f"{plain(value)!r} is not a whole number")
    return int(converted)


def _seq(value: Value) -> Seq:
    if not isinstance(value, Seq):
        raise _Rejected(f"{a_type(value)} is not a list, tuple or set")
    return value


def _obj(value: Value) -> Obj:
    if not isinstance(value, Obj):
        raise _Rejected(f"{a_type(value)} is not a map or object")
    return value


def _string_function(transform: Callable[[str], str]) -> Function:
    return lambda args: transform(_string(args[0]))


def _check_known(values: Sequence[Value]) -> None:
    """Comparing or ordering needs every element: one unknown makes the result unknown."""
    unknown = first_unknown(values)
    if unknown is not None:
        raise _UnknownInside(unknown)


# --------------------------------------------------------------------------- strings


def _format(args: Sequence[Value]) -> Value:
    template = _string(args[0])
    values = list(args[1:])
    pieces: list[str] = []
    position = 0
    used = 0
    for match in _FORMAT_VERB.finditer(template):
        pieces.append(template[position : match.start()])
        position = match.end()
        if match[1]:
            pieces.append("%")
            continue
        if used >= len(values):
            raise _Rejected("not enough arguments for the format string")
        _check_known([values[used]])
        pieces.append(_format_one(values[used], match[2], match[3], match[4], match[5]))
        used += 1
    pieces.append(template[position:])
    return "".join(pieces)


def _format_one(value: Value, flags: str, width: str, precision: str, verb: str) -> str:
    if verb == "q":
        text = json.dumps(_string(value), ensure_ascii=False)
    elif verb == "v":
        text = _string(value) if not isinstance(value, Seq | Obj) else _json(value)
    elif verb == "s":
        text = _string(value)
    elif verb in "dbxXo":
        number = _int(value)
        text = format(number, {"d": "d", "b": "b", "x": "x", "X": "X", "o": "o"}[verb])
    else:
        number_value = to_number(value)
        if isinstance(number_value, Unknown):
            raise _Rejected(number_value.reason)
        digits = int(precision) if precision else 6
        text = format(float(number_value), f".{digits}{verb}")
    if "+" in flags and verb == "d" and not text.startswith("-"):
        text = "+" + text
    size = int(width) if width else 0
    if "-" in flags:
        return text.ljust(size)
    if "0" in flags and verb not in "sqv":
        sign = text[0] if text[:1] in "+-" else ""
        return sign + text[len(sign) :].rjust(size - len(sign), "0")
    return text.rjust(size)


def _json(value: Value) -> str:
    return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)


def _join(args: Sequence[Value]) -> Value:
    separator = _string(args[0])
    items: list[Value] = [item for arg in args[1:] for item in _seq(arg).items]
    _check_known(items)
    if any(item is None for item in items):
        raise _Rejected("a list element is null")
    return separator.join(_string(item) for item in items)


def _replace(args: Sequence[Value]) -> Value:
    text, search, replacement = (_string(arg) for arg in args)
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        try:
            pattern = re.compile(search[1:-1])
        except re.error as error:
            raise _Rejected(f"the pattern {search} is not a regular expression: {error}") from None
        python_replacement = _REPLACEMENT_GROUP.sub(
            _python_group, replacement.replace("\\", "\\\\")
        )
        return pattern.sub(python_replacement, text)
    return text.replace(search, replacement)


def _python_group(match: re.Match[str]) -> str:
    # RE2's `$1`, `${1}`, `${name}` and `$$` in Python's replacement syntax.
    group = match[1] or match[2]
    return "$" if group is None else f"\\g<{group}>"


def _split(args: Sequence[Value]) -> Value:
    separator, text = _string(args[0]), _string(args[1])
    return make_seq("list", text.split(separator) if separator else list(text))


def _substr(args: Sequence[Value]) -> Value:
    text, offset, length = _string(args[0]), _int(args[1]), _int(args[2])
    start = offset if offset >= 0 else len(text) + offset
    return text[start:] if length == -1 else text[start : start + length]


def _trim(args: Sequence[Value]) -> Value:
    return _string(args[0]).strip(_string(args[1]))


# --------------------------------------------------------------------------- collections


def _length(args: Sequence[Value]) -> Value:
    (value,) = args
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Seq | Obj):
        return len(value.items)
    raise _Rejected(f"{a_type(value)} has no length")


def _concat(args: Sequence[Value]) -> Value:
    seqs = [_seq(arg) for arg in args]
    kind: SeqKind = "list" if all(s.kind == "list" for s in seqs) else "tuple"
    return make_seq(kind, [i for s in seqs for i in s.items], [o for s in seqs for o in s.origins])


def _merge(args: Sequence[Value]) -> Value:
    maps = [_obj(arg) for arg in args if arg is not None]
    kind: ObjKind = "map" if maps and all(m.kind == "map" for m in maps) else "object"
    return make_obj(kind, (entry for m in maps for entry in m.entries()))


def _toset(args: Sequence[Value]) -> Value:
    seq = _seq(args[0])
    _check_known(seq.items)
    return make_seq("set", _unify(seq.items), seq.origins)


def _unify(items: Sequence[Value]) -> list[Value]:
    """Mixed strings and numbers or bools become strings, as Terraform unifies element types."""
    primitive = all(isinstance(i, str | int | float | bool) for i in items)
    if primitive and any(isinstance(i, str) for i in items):
        return [_string(i) for i in items]
    return list(items)


def _tolist(args: Sequence[Value]) -> Value:
    seq = _seq(args[0])
    return make_seq("list", _unify(seq.items), seq.origins)


def _tomap(args: Sequence[Value]) -> Value:
    obj = _obj(args[0])
    return make_obj("map", obj.entries())


def _keys(args: Sequence[Value]) -> Value:
    obj = _obj(args[0])
    return make_seq("list", obj.keys, obj.origins)


def _values(args: Sequence[Value]) -> Value:
    obj = _obj(args[0])
    return make_seq("list", obj.items, obj.origins)


def _lookup(args: Sequence[Value]) -> Value:
    obj = _obj(args[0])
    key = _string(args[1])
    found = obj.get(key)
    if found is not None:
        return found[0]
    if len(args) == 3:
        return args[2]
    raise _Rejected(f'the map has no key "{key}"')


def _element(args: Sequence[Value]) -> Value:
    seq = _seq(args[0])
    if not seq.items:
        raise _Rejected("the list is empty")
    return seq.items[_int(args[1]) % len(seq.items)]


def _flatten(args: Sequence[Value]) -> Value:
    items: list[Value] = []
    origins: list[Origin] = []

    def walk(seq: Seq) -> None:
        for item, origin in seq.pairs():
            if isinstance(item, Seq):
                walk(item)
            else:
                _check_known([item])
                items.append(item)
                origins.append(origin)

    walk(_seq(args[0]))
    return make_seq("tuple", items, origins)


def _distinct(args: Sequence[Value]) -> Value:
    seq = _seq(args[0])
    _check_known(seq.items)
    items: list[Value] = []
    origins: list[Origin] = []
    for item, origin in seq.pairs():
        if all(item != seen for seen in items):
            items.append(item)
            origins.append(origin)
    return make_seq("list", items, origins)


def _set_items(arg: Value) -> list[tuple[Value, Origin]]:
    seq = _seq(arg)
    _check_known(seq.items)
    return list(zip(_unify(seq.items), seq.origins, strict=True))


def _setsubtract(args: Sequence[Value]) -> Value:
    """The elements of the first set that the second has not (``setsubtract(all, disabled)``:
    the common way to take users out of a list without editing it)."""
    taken = [item for item, _ in _set_items(args[1])]
    kept = [(item, origin) for item, origin in _set_items(args[0]) if item not in taken]
    return make_seq("set", [k[0] for k in kept], [k[1] for k in kept])


def _setunion(args: Sequence[Value]) -> Value:
    pairs = [pair for arg in args for pair in _set_items(arg)]
    return make_seq("set", [p[0] for p in pairs], [p[1] for p in pairs])


def _setintersection(args: Sequence[Value]) -> Value:
    others = [[item for item, _ in _set_items(arg)] for arg in args[1:]]
    kept = [(i, o) for i, o in _set_items(args[0]) if all(i in other for other in others)]
    return make_seq("set", [k[0] for k in kept], [k[1] for k in kept])


def _contains(args: Sequence[Value]) -> Value:
    seq = _seq(args[0])
    _check_known([*seq.items, args[1]])
    return any(item == args[1] for item in seq.items)


def _truth(combine: Callable[[Iterable[bool]], bool]) -> Function:
    """``alltrue``/``anytrue``: every element a bool (``"true"``/``"false"`` convert), as in a
    variable's ``validation`` over its elements."""

    def apply(args: Sequence[Value]) -> Value:
        seq = _seq(args[0])
        _check_known(seq.items)
        flags = [to_bool(item) for item in seq.items]
        if any(isinstance(flag, Unknown) for flag in flags):
            raise _Rejected("an element is not a bool")
        return combine(flag is True for flag in flags)

    return apply


def _coalesce(args: Sequence[Value]) -> Value:
    for arg in args:
        if arg is not None and arg != "":
            return arg
    raise _Rejected("no non-null, non-empty argument")


def _zipmap(args: Sequence[Value]) -> Value:
    keys, values = _seq(args[0]), _seq(args[1])
    if len(keys.items) != len(values.items):
        raise _Rejected("the two lists differ in length")
    _check_known(keys.items)
    entries = [
        (_string(k), v, o) for k, v, o in zip(keys.items, values.items, keys.origins, strict=True)
    ]
    return make_obj("map", entries)


def _sort(args: Sequence[Value]) -> Value:
    seq = _seq(args[0])
    _check_known(seq.items)
    pairs = sorted(((_string(i), o) for i, o in seq.pairs()), key=lambda pair: pair[0])
    return make_seq("list", [p[0] for p in pairs], [p[1] for p in pairs])


def _tonumber(args: Sequence[Value]) -> Value:
    if args[0] is None:
        return None
    number = to_number(args[0])
    if isinstance(number, Unknown):
        raise _Rejected(number.reason)
    return number


def _tobool(args: Sequence[Value]) -> Value:
    if args[0] is None:
        return None
    converted = to_bool(args[0])
    if isinstance(converted, Unknown):
        raise _Rejected(converted.reason)
    return converted


def _tostring(args: Sequence[Value]) -> Value:
    return None if args[0] is None else _string(args[0])


_FUNCTIONS: dict[str, Function] = {
    "lower": _string_function(str.lower),
    "upper": _string_function(str.upper),
    "trimspace": _string_function(str.strip),
    "title": _string_function(lambda s: re.sub(r"\b\w", lambda m: m[0].upper(), s)),
    "format": _format,
    "join": _join,
    "replace": _replace,
    "split": _split,
    "substr": _substr,
    "trim": _trim,
    "trimprefix": lambda args: _string(args[0]).removeprefix(_string(args[1])),
    "trimsuffix": lambda args: _string(args[0]).removesuffix(_string(args[1])),
    "length": _length,
    "concat": _concat,
    "merge": _merge,
    "toset": _toset,
    "tolist": _tolist,
    "tomap": _tomap,
    "keys": _keys,
    "values": _values,
    "lookup": _lookup,
    "element": _element,
    "flatten": _flatten,
    "distinct": _distinct,
    "contains": _contains,
    "alltrue": _truth(all),
    "anytrue": _truth(any),
    "setsubtract": _setsubtract,
    "setunion": _setunion,
    "setintersection": _setintersection,
    "coalesce": _coalesce,
    "zipmap": _zipmap,
    "sort": _sort,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "transpose": lambda args: reshape.transpose(args[0]),
    "one": lambda args: reshape.one(args[0]),
    "jsondecode": lambda args: decoding.jsondecode(_string(args[0])),
    "yamldecode": lambda args: decoding.yamldecode(_string(args[0])),
    "csvdecode": lambda args: decoding.csvdecode(_string(args[0])),
}

# (fewest, most) arguments, where Terraform fixes them.
_ARITY: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("lower", "upper", "trimspace", "title", "length", "toset", "tolist"), (1, 1)),
    **dict.fromkeys(("tomap", "keys", "values", "flatten", "distinct", "sort"), (1, 1)),
    **dict.fromkeys(("tostring", "tonumber", "tobool", "transpose", "one"), (1, 1)),
    **dict.fromkeys(("jsondecode", "yamldecode", "csvdecode", "alltrue", "anytrue"), (1, 1)),
    "format": (1, 1_000),
    "join": (2, 1_000),
    "replace": (3, 3),
    "split": (2, 2),
    "substr": (3, 3),
    "trim": (2, 2),
    "trimprefix": (2, 2),
    "trimsuffix": (2, 2),
    "concat": (1, 1_000),
    "merge": (0, 1_000),
    "lookup": (2, 3),
    "element": (2, 2),
    "contains": (2, 2),
    "setsubtract": (2, 2),
    "setunion": (1, 1_000),
    "setintersection": (1, 1_000),
    "coalesce": (1, 1_000),
    "zipmap": (2, 2),
}
