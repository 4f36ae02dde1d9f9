"""Resource and module addresses written exactly as Terraform writes them.

A live user is matched to code by name, but people (and ``terraform state`` commands) find an
instance by its address: ``aws_iam_user.dev["eli"]``, ``aws_iam_user.intern[1]``,
``module.team["x"].aws_iam_user.this``. String keys are quoted the way Terraform quotes them
(HCL string syntax, template introducers doubled); ``[*]`` stands for instances whose keys
cannot be known statically, as OpenTofu writes such placeholders.
"""

from __future__ import annotations

import re

WILDCARD = "[*]"
_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+|\*)\]')


def instance_key(key: str | int) -> str:
    """``["eli"]`` for a string key, ``[1]`` for a number."""
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{quote(key)}]"


def quote(text: str) -> str:
    """``text`` as an HCL quoted string, as Terraform renders instance keys."""
    if _PLAIN_KEY.fullmatch(text):  # nearly every key: nothing to escape
        return f'"{text}"'
    out: list[str] = ['"']
    for position, char in enumerate(text):
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char in "$%":
            out.append(char)
            if text[position + 1 : position + 2] == "{":
                out.append(char)
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}
#: Keys written as they are: printable ASCII without quotes, backslashes, ``$`` or ``%``.
_PLAIN_KEY = re.compile(r"[ !#&-\[\]-~]*")


def without_keys(address: str) -> str:
    """The configuration address: every instance key removed
    (``module.team["x"].aws_iam_user.this[0]`` → ``module.team.aws_iam_user.this``)."""
    return _KEY.sub("", address)
