"""The instances of an edited configuration, evaluated again only where the edit reaches.

Checking a fix compares what the configuration makes before and after its edits. Evaluating
the edited copy whole costs the whole module for every candidate edit of every finding, in a
root of thousands of files most of it untouched. Here the original's tree is the starting
point: the names the edit rewrites, and every name that reads them (:mod:`depends`), are
evaluated again in each module instance of their directory; a module call among them is
expanded again, and an instance whose inputs changed is evaluated whole below it. The rest is
the original's, shared (:class:`Overlay`).

It gives the same tree as evaluating the edited copy whole (a differential test holds it to
that), and declines (``None``) where following names is not sound: an edited override or
variables file, a text that does not parse, a module call whose instances come or go.
"""

from __future__ import annotations

from dataclasses import replace

from iam_prune.fixes.evaluation.depends import followable, rewritten
from iam_prune.fixes.evaluation.instances import (
    Facts,
    Overlay,
    Tree,
    Walked,
    child_facts,
    expansions,
    moves_of,
    put_resources,
    walk,
)
from iam_prune.fixes.evaluation.reach import spread
from iam_prune.fixes.evaluation.scopes import Scope, instances_of
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.terraform.references import directory_of
from iam_prune.terraform.syntax import ParsedFile

_NOT_RESOURCES = ("data.", "module.", "var.", "local.", "output.")


def retree(before: Tree, workspace: Workspace) -> Tree | None:
    """The tree of the root ``before`` describes, in ``workspace`` (an edited copy of the
    workspace ``before`` was evaluated in); ``None`` when only a whole evaluation will do."""
    walked, original = before.walked, workspace.parent
    if walked is None or original is None or original.parent is not None:
        return None
    if not followable(workspace.changed):
        return None
    dirty = _dirty(original, workspace)
    if dirty is None:
        return None
    changes: dict[str, Facts | None] = {}
    view = Overlay(before.instances, changes)
    made = dict(walked.made)
    moves = dict(walked.moves)
    redone: list[str] = []
    for address, old in walked.scopes.items():
        if any(address.startswith(prefix) for prefix in redone):
            continue
        names = dirty.get(old.directory, set())
        edited = workspace.unchanged(old.directory) is None
        if not names and not edited:
            continue
        gathered = workspace.config(old.directory)
        names_in = replace(old.names, config=gathered, _variables={}, _locals={})
        scope = Scope(address, old.directory, names_in)
        resources = {n for n in names if not n.startswith(_NOT_RESOURCES)}
        if resources:
            for config in resources:
                for gone in made.pop((address, config), ()):
                    changes[gone] = None
            found = expansions(workspace, scope, view, made, only=resources)
            put_resources(scope, found, workspace, changes, made)
        if edited:
            moves[address] = list(moves_of(workspace, scope))
        calls = {call.labels[0]: call for call in scope.names.config.calls}
        for label in sorted(n.removeprefix("module.") for n in names if n.startswith("module.")):
            call = calls.get(label)
            children = list(instances_of(workspace, scope, call)) if call is not None else []
            was_made = list(dict.fromkeys(made.get((address, f"module.{label}"), ())))
            if [c.address for c in children] != was_made:
                return None  # module instances come or go: the whole tree is evaluated
            stack = walked.stacks[address]
            for child in children:
                opaque = child.scope is None or child.scope.directory in stack
                facts = child_facts(workspace, scope, child, opaque=opaque)
                was = before.instances.get(child.address)
                changes[child.address] = facts
                if was is not None and _alike(was, facts):
                    continue
                if opaque or child.scope is None:
                    return None  # what an opaque module makes is not listed either way
                prefix = child.scope.address
                _forget(prefix, walked, made, moves, changes)
                redone.append(prefix)
                into = Walked(made=made, moves=moves)
                walk(workspace, child.scope, (*stack, child.scope.directory), changes, into)
    flat = {old: new for pairs in moves.values() for old, new in pairs}
    return Tree(before.root, Overlay(before.instances, changes), flat, before.scopes, None)


def _alike(was: Facts, now: Facts) -> bool:
    """Whether a module instance is given the same: then what it makes differs only where its
    own directory's texts do."""
    return (was.kind, was.fingerprint, was.source) == (now.kind, now.fingerprint, now.source)


def _forget(
    prefix: str,
    walked: Walked,
    made: dict[tuple[str, str], list[str]],
    moves: dict[str, list[tuple[str, str]]],
    changes: dict[str, Facts | None],
) -> None:
    """Take out everything the original made below the module instance ``prefix``."""
    for key in [k for k in made if k[0].startswith(prefix)]:
        for gone in made.pop(key):
            changes.setdefault(gone, None)
    for scope in [s for s in walked.scopes if s.startswith(prefix)]:
        moves.pop(scope, None)


def _dirty(original: Workspace, edited: Workspace) -> dict[str, set[str]] | None:
    """For each directory, the names whose units the edits rewrite and every name that reads
    one (within the directory, and in the callers of a module whose output is among them);
    ``None`` when an edited text does not parse."""
    pending: dict[str, set[str]] = {}
    for path in edited.changed:
        (parses, old), (parses_too, new) = _version(original, path), _version(edited, path)
        if not (parses and parses_too):
            return None
        pending.setdefault(directory_of(path), set()).update(rewritten(old, new))
    return spread(pending, original.graph, original.callers)


def _version(workspace: Workspace, path: str) -> tuple[bool, tuple[ParsedFile, str] | None]:
    """Whether a file parses (or is not there), and its parse and text when it is."""
    text = workspace.text(path)
    if text is None:
        return True, None
    parsed = workspace.parsed(path)
    return (True, (parsed, text)) if isinstance(parsed, ParsedFile) else (False, None)
