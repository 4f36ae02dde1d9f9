"""Which values a fix's edits change, and where those values are handed on.

An edit inside a variable's default, a ``.tfvars`` value, a ``locals`` entry or a local
module's input changes that value for everything that reads it. ``readers`` judges those
readers and ``rejectedvalues`` the new values; both start from what is here: the values
changed (with the keys taken out of an object, when that is all), the module variables they
are handed to whole, and the locals that read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from iam_prune.fixes.evaluation.workspace import Workspace, joined
from iam_prune.fixes.text.edits import inside, removed
from iam_prune.fixes.text.holding import holding as blocks_holding
from iam_prune.model import FileEdit
from iam_prune.terraform import scan
from iam_prune.terraform.moduleconfig import is_local_source, source_of
from iam_prune.terraform.references import block_name, directory_of
from iam_prune.terraform.syntax import Attribute, Block, ParsedFile
from iam_prune.terraform.walk import CALL_META


@dataclass(frozen=True)
class Edited:
    """A value the edits change: ``var.x`` or ``local.x`` in a module directory, and, when
    all they do is take entries out of its object, the keys of those entries (``None``: it
    changes in other ways, a list element, say, which shifts every index after it)."""

    directory: str
    name: str
    removed: frozenset[str] | None

    @property
    def pattern(self) -> re.Pattern[str]:
        """Where the value is read, with the key read from it right after, if any."""
        return re.compile(
            rf"(?<![\w.-]){re.escape(self.name)}(?![\w-])"
            r'(?:\s*\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\.([A-Za-z_][\w-]*))?'
        )

    def read_by(self, text: str) -> bool:
        """Whether ``text`` reads what changes: the value, or a key taken away from it. Another
        entry of an object read by its literal key stays what it was."""
        return any(
            self.removed is None or not key or key in self.removed for key in self._keys(text)
        )

    def _keys(self, text: str) -> Iterator[str | None]:
        """For each read, the literal key read from it right after: ``None`` for the whole
        value, ``""`` for a key or position iam-prune cannot read (``[var.k]``, a template)."""
        for match in self.pattern.finditer(text):
            key = match[1] if match[1] is not None else match[2]
            if key is not None and ("${" in key or "%{" in key):
                key = ""  # a template: any key, the removed one too
            if key is None and re.match(r"\s*\[", text[match.end() :]):
                key = ""  # `[var.k]`, `[0]`: a computed key or a position
            yield key


def all_edited(
    workspace: Workspace, edits: Sequence[FileEdit], roots: Sequence[str]
) -> list[Edited]:
    """The values the edits change, and the module variables they are passed to whole, and
    the locals that read any of them."""
    pending = edited_values(workspace, edits, roots)
    seen = {(e.directory, e.name) for e in pending}
    found: list[Edited] = []
    while pending:
        edited = pending.pop(0)
        found.append(edited)
        for path in workspace.files(edited.directory):
            parsed = workspace.parsed(path) if scan.is_config_file(path) else None
            if not isinstance(parsed, ParsedFile):
                continue
            for block in parsed.blocks:
                more = list(passed_whole(workspace, edited.directory, block, edited).values())
                if block.block_type == "locals":
                    more += [
                        Edited(edited.directory, f"local.{a.name}", None)
                        for a in block.attributes
                        if edited.read_by(a.expression_text)
                    ]
                for item in more:
                    if (item.directory, item.name) not in seen:
                        seen.add((item.directory, item.name))
                        pending.append(item)
    return found


def passed_whole(
    workspace: Workspace, directory: str, block: Block, edited: Edited
) -> dict[str, Edited]:
    """The arguments of a local module call that are the edited value exactly, or converted
    by a function that keeps its elements and keys (``toset(local.ops)``), each as the module
    variable it sets (in the module's directory, with the same keys removed)."""
    target = module_directory(workspace, directory, block)
    if target is None:
        return {}
    declared = {
        variable.labels[0]
        for parsed in workspace.config_files(target)
        for variable in parsed.blocks
        if variable.block_type == "variable" and len(variable.labels) == 1
    }
    return {
        a.name: Edited(target, f"var.{a.name}", edited.removed)
        for a in block.attributes
        if a.name in declared and _hands_on(a.expression_text, edited.name)
    }


#: Conversions that keep a value's elements and keys, so that the variable given it loses
#: what the value loses: ``users = toset(local.ops)``.
_KEEPING = ("toset", "tolist", "tomap", "distinct", "sort", "compact")


def _hands_on(written: str, name: str) -> bool:
    """Whether ``written`` is ``name``, or ``name`` given to one of :data:`_KEEPING`."""
    text = "".join(written.split())
    return text == name or any(text == f"{function}({name})" for function in _KEEPING)


def module_directory(workspace: Workspace, directory: str, block: Block) -> str | None:
    """The directory of the local module a ``module`` block calls, when its texts are known."""
    if block.block_type != "module" or not block.labels:
        return None
    source = source_of(block)
    if source is None or not is_local_source(source):
        return None
    target = joined(directory, source)
    return target if workspace.knows(target) else None


def unread_inputs(workspace: Workspace, edits: Sequence[FileEdit]) -> list[str]:
    """A note (file:line) for every input of a module call the edits change (an element taken
    out of ``group_users = [...]``) whose module iam-prune cannot read: a registry module, one
    not in the repository. What it makes of the value is unknown, so it is a person's call."""
    found: list[str] = []
    for edit in edits:
        parsed = workspace.parsed(edit.file) if scan.is_config_file(edit.file) else None
        if not isinstance(parsed, ParsedFile):
            continue
        directory = directory_of(edit.file)
        for block in blocks_holding(parsed.blocks, [(edit.start, edit.end)]):
            if block.block_type != "module" or removed(block.span, (edit,)):
                continue
            if module_directory(workspace, directory, block) is not None:
                continue
            for attribute in _inputs_edited(block, edit):
                note = (
                    f"{edit.file}:{attribute.span.line}: `{block_name(block)}` is given "
                    f"`{attribute.name}`, which this removal changes, and iam-prune cannot read "
                    f"its module (`{source_of(block)}`) to see what that changes; change it by hand"
                )
                if note not in found:
                    found.append(note)
    return found


def _inputs_edited(block: Block, edit: FileEdit) -> Iterator[Attribute]:
    """The arguments of a module call that ``edit`` changes without removing them."""
    for attribute in block.attributes:
        if attribute.name in CALL_META:
            continue
        if inside(edit, attribute.span) and not removed(attribute.span, (edit,)):
            yield attribute


def edited_values(
    workspace: Workspace, edits: Sequence[FileEdit], roots: Sequence[str]
) -> list[Edited]:
    """Every value the edits change, with the keys they take out of it when that is all."""
    removed: dict[tuple[str, str], frozenset[str] | None] = {}
    for edit in edits:
        for directory, name, attribute in _edited_names(workspace, edit, roots):
            key = _entry_key(attribute, edit)
            known = removed.get((directory, name), frozenset())
            both = None if key is None or known is None else known | {key}
            removed[(directory, name)] = both
    return [Edited(directory, name, keys) for (directory, name), keys in removed.items()]


def _entry_key(attribute: Attribute | None, edit: FileEdit) -> str | None:
    """The key of the entry of ``attribute``'s object that ``edit`` takes away, if that is what
    it does."""
    if attribute is None or edit.replacement:
        return None
    for entry in attribute.entries:
        if (entry.span.start, entry.span.end) == (edit.start, edit.end):
            return entry.key
    return None


def _edited_names(
    workspace: Workspace, edit: FileEdit, roots: Sequence[str]
) -> Iterator[tuple[str, str, Attribute | None]]:
    """``(directory, "var.x", attribute)`` or ``(directory, "local.x", attribute)`` for a value
    the edit changes, and the attribute that writes it (not one it removes whole: what refers
    to that is left dangling, and followed)."""
    text = workspace.text(edit.file)
    if text is None:
        return
    parsed = workspace.parsed(edit.file)
    if not isinstance(parsed, ParsedFile):
        return
    directory = directory_of(edit.file)
    if not scan.is_config_file(edit.file):  # a variables file
        where = list(roots) if edit.file in workspace.var_files else [directory]
        for attribute in parsed.attributes:
            if inside(edit, attribute.span) and not removed(attribute.span, (edit,)):
                for root in where:
                    yield root, f"var.{attribute.name}", attribute
        return
    # The block the edit lies in, found by its place (HCL blocks do not overlap).
    around = [(edit.start, edit.end)]
    blocks = parsed.blocks if edit.file.endswith(".json") else blocks_holding(parsed.blocks, around)
    for block in blocks:
        if not inside(edit, block.span) or removed(block.span, (edit,)):
            continue
        if block.block_type == "variable" and block.labels:
            holding = (a for a in block.attributes if inside(edit, a.span))
            yield directory, f"var.{block.labels[0]}", next(holding, None)
        elif block.block_type == "locals":
            for attribute in block.attributes:
                if inside(edit, attribute.span) and not removed(attribute.span, (edit,)):
                    yield directory, f"local.{attribute.name}", attribute
        elif block.block_type == "module":
            # An input of a local module: the value of its variable in every instance.
            target = module_directory(workspace, directory, block)
            if target is not None:
                for attribute in _inputs_edited(block, edit):
                    yield target, f"var.{attribute.name}", attribute
