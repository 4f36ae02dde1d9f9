"""Errors as values: what Terraform itself would refuse, told apart from what is unknown.

Evaluation never raises: what it cannot know is an ``Unknown`` with a reason. ``try`` and
``can`` need one distinction more: an expression Terraform rejects (a missing attribute, an
index out of range, a function refusing its argument) makes ``try`` move on and ``can``
answer false, while a value that is merely unknown until apply leaves both unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from iam_prune.terraform.values import Unknown, Value

REJECTS = "(Terraform rejects it)"
"""How a reason says that Terraform refuses the expression (conversions and operators)."""


@dataclass(frozen=True)
class Rejected(Unknown):
    """An expression that Terraform evaluates to an error."""


def is_rejected(value: Value) -> bool:
    """Whether ``value`` stands for an error rather than for a value not known yet."""
    return isinstance(value, Rejected) or (isinstance(value, Unknown) and REJECTS in value.reason)
