"""Where retiring one declared user instance starts: which text to take away first.

Which edit removes exactly one instance depends on how the instance is made:

* a single resource: its block;
* a ``for_each`` instance: its key, where the collection is written (an inline literal, a
  ``locals`` entry, a variable's default, a ``.tfvars`` entry);
* a ``count`` instance: its list element, which is only right for the last one (the others
  would shift), so a migration to ``for_each`` is tried after it;
* a user inside a module: the module instance (the call, or its key), when the module exists
  for the user, or else the user's block inside the module.

Each is only a candidate: ``settle`` grows it and checks that it destroys what it should.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iam_prune.model import Declaration, FileEdit, SourceSpan
from iam_prune.terraform.scan import is_data_file

# One step of an instance address: `module.name` or `type.name`, with an optional key.
_STEP = re.compile(r'([\w-]+)\.([\w-]+)(\[(?:"(?:[^"\\]|\\.)*"|\d+|\*)\])?(?:\.|$)')


@dataclass(frozen=True)
class Step:
    """``module.team["x"]`` → kind ``module``, name ``team``, key ``["x"]``."""

    kind: str
    name: str
    key: str


@dataclass(frozen=True)
class Address:
    """An instance address cut into its module steps and its resource."""

    modules: tuple[Step, ...]
    resource: Step


def parse_address(address: str) -> Address | None:
    steps: list[Step] = []
    position = 0
    while position < len(address):
        match = _STEP.match(address, position)
        if match is None:
            return None
        steps.append(Step(match[1], match[2], match[3] or ""))
        position = match.end()
    if not steps or any(s.kind != "module" for s in steps[:-1]):
        return None
    return Address(tuple(steps[:-1]), steps[-1])


@dataclass(frozen=True)
class Start:
    """A first edit, and how a person would say what it removes."""

    edits: tuple[FileEdit, ...]
    what: str
    level: str  # "block", "key", "count", "module" (the module instance), "inner" (in a module)


def removal(span: SourceSpan) -> FileEdit:
    """Taking away exactly what ``span`` covers (a block, an element, an entry)."""
    return FileEdit(span.file, span.start, span.end)


def starts(decl: Declaration) -> tuple[list[Start], str | None]:
    """The candidate first edits for ``decl``, most specific first, or why there is none."""
    address = parse_address(decl.address)
    if address is None:
        return [], f"`{decl.address}` is not an address iam-prune can read"
    key = address.resource.key
    if key == "[*]" or any(m.key == "[*]" for m in address.modules):
        return [], "its instances could not be listed from the code"
    if decl.module_calls and decl.span == decl.module_calls[-1]:  # the iam-user module
        return _in_module(decl, address), None
    if key and address.modules and not address.modules[-1].key and decl.key_span is None:
        # `count = 1` in a module called once per person: the call, or the whole block.
        return _in_module(decl, address), None
    if key:
        return _keyed(decl, key)
    if address.modules:
        return _in_module(decl, address), None
    return [Start((removal(decl.span),), f"the `{decl.address}` block", "block")], None


def _keyed(decl: Declaration, key: str) -> tuple[list[Start], str | None]:
    """By its key or list element; where the code does not write one (``count = 1``,
    ``for_each`` over a data source), only the whole block is left, which is right when the
    block makes this one instance only."""
    where = decl.key_span
    if where is not None:
        if key.startswith('["'):
            written = f" ({where.file}:{where.line})" if is_data_file(where.file) else ""
            return [Start((removal(where),), f"its key {key}{written}", "key")], None
        return [Start((removal(where),), "its element of the `count` list", "count")], None
    resource = decl.address.rsplit(".", 2)
    label = ".".join(resource[-2:]).split("[")[0]
    why = "place where its key is written" if key.startswith('["') else "list element for its index"
    what = f"the whole `{label}` block (the code has no {why})"
    return [Start((removal(decl.span),), what, "block")], None


def _in_module(decl: Declaration, address: Address) -> list[Start]:
    innermost = address.modules[-1]
    call = decl.module_calls[-1] if decl.module_calls else None
    candidates: list[Start] = []
    label = f"module.{innermost.name}{innermost.key}"
    if innermost.key and decl.key_span is not None:
        what = "key" if innermost.key.startswith('["') else "element of the `count` list"
        candidates.append(Start((removal(decl.key_span),), f"the {what} of `{label}`", "module"))
    elif call is not None:
        what = f'the `module "{innermost.name}"` call'
        if innermost.key:  # `count = 1`, `for_each` over a data source: the whole call or nothing
            what = (
                f'the whole `module "{innermost.name}"` call '
                f"(the code has no key or list element for `{label}`)"
            )
        candidates.append(Start((removal(call),), what, "module"))
    if call is None or decl.span != call:  # a block of its own inside the module
        candidates.append(
            Start(
                (removal(decl.span),),
                f"the `{address.resource.kind}.{address.resource.name}` block",
                "inner",
            )
        )
    return candidates
