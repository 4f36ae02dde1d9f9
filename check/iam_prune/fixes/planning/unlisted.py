"""The dependents whose instances iam-prune cannot list, named so ``destroys`` is not silently
short.

A block whose ``for_each`` or ``count`` cannot be evaluated (a filter over a resource's
attributes, a function iam-prune does not model, an input known only at plan time) has one
``[*]`` instance before the change and after it: comparing them shows nothing gone, yet
``terraform plan`` may destroy the retired user's instances of it. Such a block is a
dependent of the change when it reads a resource the change destroys instances of, or its
``for_each``/``count`` reads what the destroyed resources' own ``for_each``/``count`` read
(``local.humans`` filtered in a way iam-prune cannot follow). Each gets a note naming it
with its file and line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from iam_prune.fixes.evaluation.compare import Change
from iam_prune.fixes.evaluation.instances import Facts
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.terraform.addresses import WILDCARD
from iam_prune.terraform.references import traversals
from iam_prune.terraform.syntax import Block

_KEYS = ("for_each", "count")


def unlisted_notes(workspace: Workspace, change: Change | None) -> list[str]:
    """A note for every resource block that depends on what ``change`` destroys and whose
    instances could not be listed."""
    if change is None or not change.destroyed:
        return []
    gone: dict[tuple[str, str], set[str]] = {}
    for address in change.destroyed:
        facts = change.before.get(address)
        if facts is None or facts.kind != "resource" or WILDCARD in address:
            continue
        prefix = address[: address.rindex(facts.config)]
        gone.setdefault((prefix, facts.directory), set()).add(facts.config)
    notes = []
    unknown = _unlisted(change.before)
    for (prefix, directory), configs in sorted(gone.items()):
        blocks = workspace.blocks(directory)
        keyed_by = {a for config in configs for b in blocks.get(config, ()) for a in _key_reads(b)}
        order = {path: n for n, path in enumerate(workspace.files(directory))}
        candidates = [c for c in unknown.get(prefix, ()) if c in blocks and c not in configs]
        candidates.sort(
            key=lambda c: (order.get(blocks[c][0].span.file, -1), blocks[c][0].span.start)
        )
        for config in candidates:
            found = blocks[config]
            for block in found:
                if _reads(block, configs) or keyed_by & set(_key_reads(block)):
                    span = block.span
                    notes.append(
                        f"{span.file}:{span.line}: the instances of `{prefix}{config}` could "
                        "not be listed from the code, and it depends on what this change "
                        "removes; `terraform plan` shows which of them go."
                    )
                    break
    return notes


@dataclass(frozen=True)
class _Unlisted:
    """What a tree could not list (its one ``[*]`` instance of a block): the resources by
    module instance prefix, and every such resource or module call by directory and address."""

    by_prefix: dict[str, set[str]]
    blocks: set[tuple[str, str]]


#: The last few trees' unlisted blocks: every finding of a run asks about the same tree.
_KNOWN: list[tuple[Mapping[str, Facts], _Unlisted]] = []


def _unlisted_of(before: Mapping[str, Facts]) -> _Unlisted:
    """One pass over a tree, once per tree."""
    for known, found in _KNOWN:
        if known is before:
            return found
    found = _Unlisted({}, set())
    for address, facts in before.items():
        if not address.endswith(WILDCARD):
            continue
        found.blocks.add((facts.directory, facts.config))
        if facts.kind == "resource":
            prefix = address[: address.rindex(facts.config)]
            if address == f"{prefix}{facts.config}{WILDCARD}":
                found.by_prefix.setdefault(prefix, set()).add(facts.config)
    _KNOWN.append((before, found))
    del _KNOWN[:-4]
    return found


def _unlisted(before: Mapping[str, Facts]) -> dict[str, set[str]]:
    """The resources (by module instance prefix) whose instances the tree could not list."""
    return _unlisted_of(before).by_prefix


def unlisted_blocks(before: Mapping[str, Facts]) -> set[tuple[str, str]]:
    """``(directory, config)`` of every resource or module call of the tree whose instances
    could not be listed, in any module instance."""
    return _unlisted_of(before).blocks


def _place(block: Block, order: Mapping[str, int]) -> tuple[int, int]:
    """Where a block is, in file order."""
    return order.get(block.span.file, -1), block.span.start


def _reads(block: Block, configs: set[str]) -> bool:
    return any(t.address in configs for a in block.attributes for t in traversals(a.value)) or any(
        _reads(inner, configs) for inner in block.blocks
    )


def _key_reads(block: Block) -> Iterator[str]:
    """What a block's ``for_each``/``count`` refers to (``local.x``, ``data.y.z``)."""
    for name in _KEYS:
        attribute = block.attribute(name)
        if attribute is not None:
            yield from (t.address for t in traversals(attribute.value))
