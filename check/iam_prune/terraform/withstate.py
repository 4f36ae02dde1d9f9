"""Static declarations corrected by the Terraform state, where the state knows better.

Static evaluation cannot name ``"pet-${random_pet.x.id}"`` or expand a ``for_each`` over a
data source, but the state records every instance's address and its user's name. For a
resource whose names or instances could not all be evaluated, the state's instances replace
the static guess (``via="state"``); where static names were evaluated and the state disagrees,
the state wins, silently: it is what exists. The state reader is someone else's module; it is
used through the small protocol below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Protocol

from iam_prune.model import Declaration
from iam_prune.terraform.walk import Found


class StateInstanceLike(Protocol):
    """One resource instance in the state: its full address and its IAM user's name."""

    @property
    def address(self) -> str: ...

    @property
    def name(self) -> str: ...


class StateLookup(Protocol):
    """Instances in the state by configuration address (instance keys removed)."""

    def instances(self, config_address: str) -> Sequence[StateInstanceLike]: ...


def merge(found: Iterable[Found], state: StateLookup | None) -> list[Declaration]:
    """The declarations, with state instances substituted where the state knows better."""
    groups: dict[str, list[Found]] = {}
    for item in found:
        groups.setdefault(item.config_address, []).append(item)
    merged: list[Declaration] = []
    for config_address, group in groups.items():
        instances = tuple(state.instances(config_address)) if state is not None else ()
        if not instances:
            merged.extend(item.declaration for item in group)
        elif any(item.declaration.name is None or not item.certain for item in group):
            merged.extend(_from_state(group, instances))
        else:
            merged.extend(_corrected(group, instances))
    return merged


def _from_state(
    group: list[Found], instances: Sequence[StateInstanceLike]
) -> Iterable[Declaration]:
    template = group[0].declaration
    # An instance whose address static expansion also found keeps that key's origin.
    key_spans = {item.declaration.address: item.declaration.key_span for item in group}
    for instance in instances:
        yield replace(
            template,
            address=instance.address,
            name=instance.name,
            via="state",
            unresolved_reason=None,
            key_span=key_spans.get(instance.address),
        )


def _corrected(group: list[Found], instances: Sequence[StateInstanceLike]) -> Iterable[Declaration]:
    names = {instance.address: instance.name for instance in instances}
    for item in group:
        declaration = item.declaration
        recorded = names.get(declaration.address)
        if recorded is None or recorded == declaration.name:
            yield declaration
        else:
            yield replace(declaration, name=recorded, via="state")
