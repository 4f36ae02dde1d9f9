"""Data sources that a change would make Terraform read only while applying.

A data source waits for what its ``depends_on`` names (a module call's ``depends_on`` counts for
every data source in the module, and in the modules it calls). When any of that has a change
pending, Terraform does not read the data during ``plan``: its value is unknown until apply,
and every resource reading it shows as changing. Taking one user's key out of
``aws_iam_user.team`` is such a change for ``depends_on = [aws_iam_user.team]``, so the plan
would show an update of, say, a policy built from a policy document, which the change does not
touch. A name that the change removes whole is taken out of the ``depends_on`` by the change
itself and waits for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from iam_prune.fixes.evaluation.compare import Change
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.edited import module_directory
from iam_prune.fixes.text.edits import removed
from iam_prune.model import FileEdit
from iam_prune.terraform import scan
from iam_prune.terraform.references import block_name, traversals
from iam_prune.terraform.syntax import Block, ParsedFile


def deferred_reads(workspace: Workspace, edits: Sequence[FileEdit], change: Change) -> list[str]:
    """A note (file:line) for every data source, or module call holding one, whose
    ``depends_on`` names something with instances the change destroys or changes, and that
    the ``edits`` leave there (``workspace`` is the original: its files are parsed already,
    and only those that mention what changes and write ``depends_on`` are read)."""
    pending: dict[str, set[str]] = {}
    for address in (*change.destroyed, *change.changed, *change.modules):
        facts = change.facts(address)
        pending.setdefault(facts.directory, set()).add(facts.config)
    found: list[str] = []
    for directory, configs in sorted(pending.items()):
        # The word index names the files that mention what changes; few write depends_on.
        for path in workspace.mentioning(configs, workspace.files(directory)):
            text = workspace.text(path)
            if text is None or "depends_on" not in text or not scan.is_config_file(path):
                continue
            parsed = workspace.parsed(path)
            if not isinstance(parsed, ParsedFile):
                continue
            for block in parsed.blocks:
                waits = block.attribute("depends_on")
                if waits is None or block.block_type not in ("data", "module"):
                    continue
                if removed(block.span, edits):
                    continue
                named = [
                    t.address
                    for t in traversals(waits.value, text)
                    if t.address in configs and not removed(t.span, edits)
                ]
                if not named:
                    continue
                if block.block_type == "module" and not holds_data(
                    workspace, directory, block, frozenset()
                ):
                    continue
                found.append(
                    f"{path}:{waits.span.line}: `{block_name(block)}` waits for "
                    f"`{named[0]}` (`depends_on`), which this change changes, so Terraform would "
                    "read its data only while applying, and what reads that data would show as "
                    "changing in the plan"
                )
    return found


def holds_data(workspace: Workspace, directory: str, call: Block, seen: frozenset[str]) -> bool:
    """Whether the module a call reaches declares a data source, itself or in the modules it
    calls (one iam-prune cannot read may)."""
    target = module_directory(workspace, directory, call)
    if target is None:
        return True
    if target in seen:
        return False  # a module that calls itself: Terraform refuses it anyway
    for parsed in workspace.config_files(target):
        for block in parsed.blocks:
            if block.block_type == "data":
                return True
            if block.block_type == "module" and holds_data(
                workspace, target, block, seen | {target}
            ):
                return True
    return False
