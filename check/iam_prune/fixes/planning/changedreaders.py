"""What reads a resource that a removal changes in place.

A shared membership that loses the user (``aws_iam_group_membership.users``, an element taken
out or a walk that reaches one name fewer) is an update of that resource, which is the point.
What reads the resource changes with it, and nothing evaluates how: a ``replace_triggered_by``
replaces another resource, ``length(...users)`` writes another number, a module output hands
the members to its callers. Such a reader keeps the change from being a patch; only
``depends_on`` (an order, not a value) and the outputs of a root module (``terraform plan``
shows their new values, and nothing in the configuration reads them) do not.
"""

from __future__ import annotations

from collections.abc import Sequence

from iam_prune.fixes.evaluation.compare import Change
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.checks import edited
from iam_prune.fixes.planning.resolve import located
from iam_prune.fixes.text.edits import removed
from iam_prune.model import FileEdit


def changed_readers(
    workspace: Workspace,
    change: Change,
    in_place: set[str],
    edits: Sequence[FileEdit],
    roots: Sequence[str],
) -> list[str]:
    """A note (file:line) for every block that reads a resource the change updates in place
    as a patch may (a membership losing the user: ``in_place``, or one the edits rewrite);
    any other update is refused by ``check`` already."""
    changed: dict[str, set[str]] = {}
    for address in change.changed:
        facts = change.facts(address)
        if facts.kind == "resource" and (address in in_place or edited(facts, edits)):
            changed.setdefault(facts.directory, set()).add(facts.config)
    called = workspace.called_directories() if changed else set()
    found: list[str] = []
    for directory, configs in sorted(changed.items()):
        for reading in located(workspace, [directory], configs):
            path, use = reading.file, reading.use
            config = use.traversal.address
            block = use.block
            if config not in configs or ".".join(block.labels) == config:
                continue
            if use.path[:1] == ("depends_on",) or removed(block.span, edits):
                continue
            if block.block_type == "output" and directory in roots and directory not in called:
                continue
            note = (
                f"{path}:{use.traversal.span.line}: `{use.block_name}` reads `{config}`, which "
                "this removal changes in place (it loses the user); it would change too"
            )
            if note not in found:
                found.append(note)
    return found
