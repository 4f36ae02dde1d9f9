"""Who picks from a module output that a removal changes but keeps.

A module that others call and whose output loses an element or entry (the user's) still
answers every read of it whole; a read that picks from it by position would name the next
user once the list is shorter, and one that picks by key names an entry that may be gone.
Such a read keeps the change from being a patch, with its file:line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.positions import use_read_whole
from iam_prune.fixes.text.edits import inside, removed
from iam_prune.model import FileEdit
from iam_prune.terraform.references import directory_of
from iam_prune.terraform.syntax import ParsedFile


def output_readers(workspace: Workspace, edits: Sequence[FileEdit]) -> list[str]:
    """A note (file:line) for every block that picks by position from an output the edits
    change but keep (an element or entry of it taken out, a list rewritten) in a module that
    others call."""
    found: list[str] = []
    called = workspace.called_directories()
    for file in sorted({e.file for e in edits}):
        directory = directory_of(file)
        parsed = workspace.parsed(file) if workspace.text(file) is not None else None
        if directory not in called or not isinstance(parsed, ParsedFile):
            continue
        for block in parsed.blocks:
            if block.block_type != "output" or not block.labels or removed(block.span, edits):
                continue
            if not any(inside(e, block.span) for e in edits):
                continue
            for caller, label in workspace.callers(directory):
                found += _module_output_readers(workspace, caller, label, block.labels[0])
    return list(dict.fromkeys(found))


def _module_output_readers(
    workspace: Workspace, directory: str, label: str, output: str
) -> list[str]:
    """The reads of ``module.<label>.<output>`` in ``directory`` that pick from it by
    position (``positions``): the list or map keeps everything but what goes with the user,
    so a read of it whole loses just that."""
    found = []
    for path, use in workspace.uses(directory):
        traversal = use.traversal
        if traversal.address != f"module.{label}" or traversal.attribute not in (output, None):
            continue
        if not use_read_whole(workspace, directory, use):
            written = workspace.texts[path][traversal.span.start : traversal.span.end]
            key = _picked_key(written, output)
            what = (
                f"the entry {key} from `module.{label}.{output}`, whose entries this removal "
                "changes"
                if key
                else f"from `module.{label}.{output}` by position, which this removal changes"
            )
            found.append(f"{path}:{traversal.span.line}: `{use.block_name}` picks {what}")
    return found


def _picked_key(written: str, output: str) -> str | None:
    """The string key a read (``module.x.names["bob"]``, as written) picks from the output,
    as written; ``None`` for a position, a computed key or no pick at all."""
    pick = rf'\.\s*{re.escape(output)}\s*\[\s*("(?:[^"\\]|\\.)*")\s*\]'
    match = re.search(pick, written)
    return match[1] if match else None
