"""The module instances of a workspace: a root module with its variable files, and every
instance of every module call below it, each with what ``var.*`` and ``local.*`` mean in it."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from iam_prune.fixes.evaluation.workspace import Workspace, joined
from iam_prune.terraform import scan
from iam_prune.terraform.dataorigins import DataText
from iam_prune.terraform.evaluate import attribute
from iam_prune.terraform.expansion import Expanded, expand, keyed_by_resource, keyed_like
from iam_prune.terraform.instances import Instance, root_inputs, tfvars_order
from iam_prune.terraform.moduleconfig import is_iam_user_module, is_local_source, source_of
from iam_prune.terraform.references import directory_of
from iam_prune.terraform.syntax import Block, ParsedFile
from iam_prune.terraform.walk import call_arguments, call_inputs

_ROOT_MISSING = "no value is given in terraform.tfvars, *.auto.tfvars or --var-file"


@dataclass(frozen=True)
class Scope:
    """One module instance: ``address`` is its path as it prefixes resource addresses (``""``
    for a root, ``module.team["x"].`` below), ``names`` what ``var.*``/``local.*`` mean in it."""

    address: str
    directory: str
    names: Instance


@dataclass(frozen=True)
class Child:
    """One instance of a module call: a ``Scope`` when its directory's texts are known, else
    only its address and where it comes from (``opaque``)."""

    address: str
    label: str
    expanded: Expanded
    call: Block
    source: str
    scope: Scope | None

    @property
    def is_iam_user_module(self) -> bool:
        return is_iam_user_module(self.source)


def root_scope(workspace: Workspace, directory: str) -> Scope:
    """The root module in ``directory``, with its variable files as Terraform reads them:
    ``terraform.tfvars``, ``*.auto.tfvars`` in order, then every ``--var-file``."""
    config = workspace.config(directory)
    unread = [p for p in workspace.unread_var_files if directory_of(p) == directory]
    names = {PurePosixPath(p).name: p for p in (*workspace.files(directory), *unread)}
    automatic = [names[n] for n in tfvars_order(n for n in names if scan.is_auto_vars_file(n))]
    inputs: list[ParsedFile | str] = []
    for path in (*automatic, *workspace.var_file_order):
        if path in workspace.unread_var_files:  # it may set any variable: as the load had it
            inputs.append(path)
        elif path in workspace.texts and isinstance(parsed := workspace.parsed(path), ParsedFile):
            inputs.append(parsed)
    instance = Instance(
        config,
        "",
        "",
        root_inputs(inputs),
        missing=_ROOT_MISSING,
        root_path=Path(directory),
        reader=_reader(workspace),
    )
    return Scope("", directory, instance)


def _reader(workspace: Workspace) -> Callable[[Path], str | None]:
    """What ``file()`` reads in a workspace: the texts of the data files the load read (a
    users list in YAML), as edited, so that removing an entry there is evaluated like an edit
    of a ``.tf`` file. Paths are relative to the root module, as Terraform runs there."""

    def read(path: Path) -> str | None:
        file = posixpath.normpath(path.as_posix())
        text = workspace.texts.get(file)
        return None if text is None else DataText(text, file)

    return read


def children(workspace: Workspace, scope: Scope) -> Iterator[Child]:
    """Every instance of every module call in ``scope``, in source order of the calls."""
    for call in scope.names.config.calls:
        yield from instances_of(workspace, scope, call)


def instances_of(workspace: Workspace, scope: Scope, call: Block) -> Iterator[Child]:
    """The instances of one module call in ``scope``."""
    source = source_of(call)
    if source is None:
        return
    label = call.labels[0]
    target = joined(scope.directory, source) if is_local_source(source) else None
    keyed = _keyed_by_resource(workspace, scope, call, frozenset())
    for expanded in keyed or expand(call, scope.names, call_arguments(call)):
        address = f"{scope.address}module.{label}{expanded.suffix}"
        child = None
        if target is not None and workspace.knows(target):
            child = _child(workspace, scope, call, expanded, address, target)
        yield Child(address, label, expanded, call, source, child)


def _keyed_by_resource(
    workspace: Workspace, scope: Scope, block: Block, seen: frozenset[str]
) -> list[Expanded] | None:
    """The instances of ``block`` (a module call, or a resource it is keyed by in turn) whose
    ``for_each`` is a resource of the same module (``for_each = aws_iam_user.u``): one per
    instance of that resource, with its key and where the key is written. ``None`` when the
    for_each is not such a resource, or its instances cannot all be listed (the call is then
    expanded as any other, unknown when it is)."""
    other = keyed_by_resource(block, scope.names)
    if other is None or other in seen:
        return None
    resources = [
        b for b in workspace.blocks(scope.directory).get(other, []) if b.block_type == "resource"
    ]
    if len(resources) != 1:
        return None
    (resource,) = resources
    found = _keyed_by_resource(workspace, scope, resource, seen | {other})
    if found is None:
        found = list(expand(resource, scope.names, tuple(a.value for a in resource.attributes)))
    keys = [_each_key(expanded) for expanded in found]
    if not found or any(key is None for key in keys):
        return None
    return [
        keyed_like(key, other, expanded.origin)
        for key, expanded in zip(keys, found, strict=True)
        if key is not None
    ]


def _each_key(expanded: Expanded) -> str | None:
    """The ``each.key`` of a ``for_each`` instance, when it is known."""
    each = expanded.bindings.get("each")
    key = attribute(each, "key") if each is not None and expanded.certain else None
    return key if isinstance(key, str) else None


def scope_at(workspace: Workspace, root: str, prefix: str) -> Scope | None:
    """The module instance at ``prefix`` (``module.a["x"].``) under the root module in
    directory ``root``; ``None`` when it is not there or not known."""
    scope = root_scope(workspace, root)
    while scope.address != prefix:
        following = next(
            (c for c in children(workspace, scope) if prefix.startswith(c.address + ".")), None
        )
        if following is None or following.scope is None:
            return None
        scope = following.scope
    return scope


def _child(
    workspace: Workspace,
    parent: Scope,
    call: Block,
    expanded: Expanded,
    address: str,
    directory: str,
) -> Scope:
    label = call.labels[0]
    instance = Instance(
        workspace.config(directory),
        address=f"{address}.",
        config_address=f"{parent.names.config_address}module.{label}.",
        inputs=call_inputs(call, parent.names, expanded),
        calls=(*parent.names.calls, call.span),
        key_origin=expanded.origin if expanded.suffix else parent.names.key_origin,
        missing=f'the call of module "{label}" does not set it',
        root_path=parent.names.root_path,
        reader=parent.names.reader,
    )
    return Scope(f"{address}.", directory, instance)
