"""``transpose`` and ``one``: functions that regroup or unwrap collections.

Group memberships are often written per user and turned around with ``transpose``
(``{ alice = ["ops"] }`` becomes ``{ ops = ["alice"] }``), and per-person modules expose
``one(aws_iam_user.this[*].name)``. Both keep element origins: a transposed list element is
still where the user's membership is written.
"""

from __future__ import annotations

from iam_prune.terraform.values import (
    Obj,
    Origin,
    Seq,
    Unknown,
    Value,
    a_type,
    make_obj,
    make_seq,
    to_string,
)


class ReshapeError(Exception):
    """An argument Terraform rejects."""


def transpose(value: Value) -> Value:
    """A map of lists of strings turned around: each string becomes a key listing the keys
    whose lists held it, in the keys' (lexical) order."""
    if not isinstance(value, Obj):
        raise ReshapeError(f"{a_type(value)} is not a map of lists of strings")
    groups: dict[str, tuple[list[Value], list[Origin]]] = {}
    for key, members, _ in value.entries():
        if isinstance(members, Unknown):
            return members
        if not isinstance(members, Seq):
            raise ReshapeError(f'the value of "{key}" is {a_type(members)}, not a list')
        for member, origin in members.pairs():
            text = to_string(member)
            if isinstance(text, Unknown):
                return text
            keys, origins = groups.setdefault(text, ([], []))
            keys.append(key)
            origins.append(origin)
    return make_obj(
        "map", ((k, make_seq("list", keys, origins), None) for k, (keys, origins) in groups.items())
    )


def one(value: Value) -> Value:
    """The only element of a list, set or tuple; ``null`` when it is empty."""
    if not isinstance(value, Seq):
        raise ReshapeError(f"{a_type(value)} is not a list, set or tuple")
    if len(value.items) > 1:
        raise ReshapeError(f"it has {len(value.items)} elements, and may have zero or one")
    return value.items[0] if value.items else None
