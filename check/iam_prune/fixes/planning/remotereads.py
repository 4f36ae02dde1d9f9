"""Root outputs a change removes that another root reads through its state.

An output of a root module is read by nothing in the configuration, so a change may take one
away with the user it names; but another root may read it as
``data.terraform_remote_state.<x>.outputs.<name>``, and its next ``terraform plan`` then fails
("This object does not have an attribute named ..."). That root is not one the change edits,
so a person has to change it first: there is no patch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.text.edits import removed
from iam_prune.model import FileEdit, RemoteOutputRead, SourceSpan


def remote_readers(
    workspace: Workspace, edits: Sequence[FileEdit], reads: Sequence[RemoteOutputRead]
) -> list[str]:
    """A problem for every read, in any file iam-prune read, of a root output ``edits``
    remove (by name: which state a reader opens is not worked out)."""
    if not reads:
        return []
    problems = []
    for name, span in _removed_outputs(workspace, edits):
        for read in reads:
            if read.output in (name, None) and read.file != span.file:
                what = f"the output `{name}`" if read.output else f"every output (`{name}` too)"
                problems.append(
                    f"{read.file}:{read.line} reads {what} of a root module through "
                    f"`terraform_remote_state`, and the change removes `output.{name}` "
                    f"({span.file}:{span.line}); change that reader first"
                )
    return problems


def _removed_outputs(
    workspace: Workspace, edits: Sequence[FileEdit]
) -> Iterator[tuple[str, SourceSpan]]:
    edited = {edit.file for edit in edits}
    for directory in workspace.roots():
        for parsed in workspace.config_files(directory):
            if parsed.path not in edited:
                continue
            for block in parsed.blocks:
                if block.block_type == "output" and block.labels and removed(block.span, edits):
                    yield block.labels[0], block.span
