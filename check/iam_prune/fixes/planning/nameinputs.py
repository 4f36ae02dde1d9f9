"""Variables and locals that are nothing but a user's name: they go with the user's block.

``variable "carol_name" { default = "carol" }`` read as ``name = var.carol_name`` is the
user's declaration's input, written apart from it. Once the user's block goes, the variable
names nobody, and a value left behind that writes the user's name is what a later reader (or
iam-prune) would take for a live user. So when the user's own block is removed whole, a variable
of a root module that only that block reads, and whose default or ``.tfvars`` setting is the
name as a whole string, goes with it, and so does every ``.tfvars`` line setting it (a value
for a variable nobody declares draws a warning, or an error in a ``-var-file``). A ``locals``
entry of the user's module that is the name, read by the user's block alone, goes likewise.

A variable that anything else reads stays (removing it would break that reader, and references
to variables are not followed like references to resources), and so does its default's
mention of the user: a person decides. A variable of a module others call is left alone: its
callers may set it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.starts import removal
from iam_prune.model import Declaration, FileEdit, SourceSpan
from iam_prune.terraform import scan
from iam_prune.terraform.references import directory_of
from iam_prune.terraform.syntax import Attribute, Block, Literal, ParsedFile


@dataclass(frozen=True)
class NameInput:
    """A variable that names the user and is read by ``owner`` alone: ``edits`` take it (and
    its ``.tfvars`` settings) away, when a change removes ``owner`` whole."""

    owner: SourceSpan
    edits: tuple[FileEdit, ...]


def name_inputs(workspace: Workspace, decl: Declaration) -> tuple[NameInput, ...]:
    """The root variables that write ``decl``'s user name, in a default or a ``.tfvars``
    setting, and that nothing but the user's own block reads."""
    name = decl.name
    if not name:
        return ()
    found: dict[tuple[str, int], NameInput] = {}
    for path, block in _naming_variables(workspace, name):
        directory = directory_of(path)
        if directory != decl.module_dir or (path, block.span.start) in found:
            continue
        variable = f"var.{block.labels[0]}"
        if not _read_only_by(workspace, directory, variable, block.span, decl.span):
            continue
        if _shared_setting(workspace, directory, block.labels[0]):
            continue
        settings = _settings(workspace, directory, block.labels[0])
        edits = (removal(block.span), *(removal(a.span) for a in settings))
        found[(path, block.span.start)] = NameInput(decl.span, edits)
    for path, block, entry in _naming_locals(workspace, decl.module_dir, name):
        if _read_only_by(workspace, decl.module_dir, f"local.{entry.name}", entry.span, decl.span):
            alone = len(block.attributes) == 1 and not block.blocks
            gone = removal(block.span if alone else entry.span)  # no empty `locals {}` left
            found[(path, entry.span.start)] = NameInput(decl.span, (gone,))
    return tuple(found.values())


def _naming_locals(
    workspace: Workspace, directory: str, name: str
) -> Iterator[tuple[str, Block, Attribute]]:
    """Every ``locals`` entry of the directory that is ``name`` as a whole string."""
    for path in workspace.may_name(name):
        if directory_of(path) != directory or not scan.is_config_file(path):
            continue
        parsed = workspace.parsed(path)
        if not isinstance(parsed, ParsedFile):
            continue
        for block in parsed.blocks:
            if block.block_type == "locals":
                yield from ((path, block, a) for a in block.attributes if _is_name(a, name))


def _naming_variables(workspace: Workspace, name: str) -> Iterator[tuple[str, Block]]:
    """Every root variable (its file and block) whose default, or a setting of it in a
    variables file, is ``name``."""
    called = workspace.called_directories()
    for path in workspace.may_name(name):
        parsed = workspace.parsed(path)
        if not isinstance(parsed, ParsedFile):
            continue
        if scan.is_config_file(path):
            if directory_of(path) in called:
                continue
            for block in parsed.blocks:
                if _is_variable(block) and _is_name(block.attribute("default"), name):
                    yield path, block
            continue
        variables = {a.name for a in parsed.attributes if _is_name(a, name)}
        if not variables:
            continue
        where = workspace.roots() if path in workspace.var_files else [directory_of(path)]
        for directory in where:
            if directory not in called:
                yield from _declarations(workspace, directory, variables)


def _read_only_by(
    workspace: Workspace, directory: str, value: str, own: SourceSpan, owner: SourceSpan
) -> bool:
    """Whether every read of ``value`` (``var.x``, ``local.x``) in its module is inside
    ``owner`` (or ``own``, where it is written: a variable's validation), and there is at
    least one."""
    pattern = re.compile(rf"(?<![\w.-]){re.escape(value)}(?![\w-])")
    reads = 0
    for path in workspace.files(directory):
        text = workspace.text(path)
        if text is None or not scan.is_config_file(path):
            continue
        for match in pattern.finditer(text):
            start = match.start()
            if _holds(own, path, start):
                continue
            if not _holds(owner, path, start):
                return False
            reads += 1
    return reads > 0


def _shared_setting(workspace: Workspace, directory: str, variable: str) -> bool:
    """Whether a ``--var-file`` sets the variable and another root declares one of that name:
    the line sets that root's variable too."""
    if not any(a.name == variable for a in _in_files(workspace, workspace.var_files)):
        return False
    others = [d for d in workspace.roots() if d != directory]
    return any(True for d in others for _ in _declarations(workspace, d, {variable}))


def _holds(span: SourceSpan, path: str, offset: int) -> bool:
    return span.file == path and span.start <= offset < span.end


def _settings(workspace: Workspace, directory: str, variable: str) -> list[Attribute]:
    """Every setting of ``variable`` in the variables files the root in ``directory`` reads."""
    automatic = [p for p in workspace.files(directory) if scan.is_auto_vars_file(_base(p))]
    paths = dict.fromkeys([*automatic, *workspace.var_files])
    return [a for a in _in_files(workspace, paths) if a.name == variable]


def _in_files(workspace: Workspace, paths: Iterable[str]) -> Iterator[Attribute]:
    """The settings of the variables files ``paths``."""
    for path in paths:
        if workspace.text(path) is None:
            continue
        parsed = workspace.parsed(path)
        if isinstance(parsed, ParsedFile):
            yield from parsed.attributes


def _declarations(
    workspace: Workspace, directory: str, variables: set[str]
) -> Iterator[tuple[str, Block]]:
    for path in workspace.files(directory):
        if not scan.is_config_file(path):
            continue
        parsed = workspace.parsed(path)
        if isinstance(parsed, ParsedFile):
            for block in parsed.blocks:
                if _is_variable(block) and block.labels[0] in variables:
                    yield path, block


def _is_variable(block: Block) -> bool:
    return block.block_type == "variable" and len(block.labels) == 1


def _base(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _is_name(attribute: Attribute | None, name: str) -> bool:
    return (
        attribute is not None
        and isinstance(attribute.value, Literal)
        and attribute.value.value == name
    )
