"""Evaluating part of a big module, and proving, edit by edit, that the part was enough.

A root of thousands of files holds a few dozen that the findings concern; evaluating all of
them (parsing each first) costs more than everything else a scan does. So a run may evaluate
only a chosen part of a big directory (:class:`Reach`, chosen by
:mod:`iam_prune.fixes.planning.relevant`): the files that declare, mention or name the users,
those their blocks read, and so on. Whatever the choice, a check is what makes it sound: before
an edited configuration is evaluated, :func:`check` works out every name the edits can change
(the names they rewrite and all that read them, as the re-evaluation does) and asks the word
index of *all* the texts where those names are written. An edit whose effects reach a file left
out raises :class:`OutOfReach`, and the planner starts again with every file evaluated: the
part gives exactly what the whole gives, or it is not used.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from iam_prune.fixes.evaluation.depends import Graph, rewritten
from iam_prune.terraform import scan
from iam_prune.terraform.references import declares, directory_of
from iam_prune.terraform.syntax import ParsedFile, ParseError


class OutOfReach(Exception):
    """An edit changes what a file the evaluation left out makes (the message says which)."""


@dataclass(frozen=True)
class Reach:
    """The files evaluated in each directory evaluated in part (``partial``); every other
    directory is evaluated whole."""

    paths: frozenset[str]
    partial: frozenset[str]

    def left_out(self, directory: str, paths: Collection[str]) -> list[str]:
        """Those of ``paths`` in ``directory`` that are not evaluated."""
        if directory not in self.partial:
            return []
        return sorted(p for p in paths if directory_of(p) == directory and p not in self.paths)


Callers = Callable[[str], list[tuple[str, str]]]


def spread(
    pending: dict[str, set[str]], graph: Callable[[str], Graph], callers: Callers
) -> dict[str, set[str]]:
    """For each directory, ``pending``'s names and every name that reads one, within the
    directory and in the callers of a module whose output is among them."""
    dirty: dict[str, set[str]] = {}
    while pending:
        directory, seeds = pending.popitem()
        known = dirty.get(directory, set())
        grown = graph(directory).closure(seeds | known)
        if grown == known:
            continue
        dirty[directory] = grown
        if any(name.startswith("output.") for name in grown - known):
            for caller, label in callers(directory):
                pending.setdefault(caller, set()).add(f"module.{label}")
    return dirty


class Texts(Protocol):
    """What :func:`check` reads of a workspace (``evaluation.workspace.Workspace``)."""

    @property
    def texts(self) -> Mapping[str, str]: ...
    @property
    def var_files(self) -> tuple[str, ...]: ...
    def parsed(self, path: str) -> ParsedFile | ParseError: ...


def check(
    reach: Reach,
    original: Texts,
    edited: Texts,
    changed: Collection[str],
    *,
    graph: Callable[[str], Graph],
    callers: Callers,
    words: Callable[[str], set[str] | None],
    strings: Callable[[str], set[str] | None],
    files: Callable[[str], list[str]],
    calls: Callable[[str], list[tuple[str, str]]],
) -> None:
    """Raise :class:`OutOfReach` when the edits to ``changed`` (paths of ``edited`` whose
    texts differ from ``original``'s) can change what a file left out of ``reach`` makes.

    ``words(name)`` is the word index of every original text, ``strings(text)`` the string
    index, ``files(directory)`` every file of a directory, evaluated or not, and
    ``calls(directory)`` the directory and label of each local module call there."""
    seeds: dict[str, set[str]] = {}
    for path in sorted(changed):
        directory = directory_of(path)
        if path in original.texts and path not in reach.paths and directory in reach.partial:
            raise OutOfReach(f"the edit of {path}, a file not evaluated")
        if path in original.var_files:
            for root in reach.partial:  # a --var-file sets the variables of every root
                seeds.setdefault(root, set()).update(_variables(original, edited, path))
        elif scan.is_auto_vars_file(posixpath.basename(path)):
            seeds.setdefault(directory, set()).update(_variables(original, edited, path))
        elif scan.is_config_file(path):
            seeds.setdefault(directory, set()).update(_rewritten(original, edited, path))
        else:  # a file `file()` reads: the blocks that name it read it
            _readers_of_data(reach, path, original, strings, files, seeds)
    dirty = spread({d: names for d, names in seeds.items() if names}, graph, callers)
    for directory, names in sorted(dirty.items()):
        for label in sorted(n.removeprefix("module.") for n in names if n.startswith("module.")):
            for target, called in calls(directory):
                if called == label:
                    _whole(reach, target, files, calls, set())
        if directory not in reach.partial:
            continue
        for name in sorted(names):
            found = words(name)
            if found is None:
                raise OutOfReach(f"`{name}` cannot be looked up in the word index")
            outside = reach.left_out(directory, found)
            if outside:
                raise OutOfReach(f"{outside[0]} reads `{name}`, which the edit changes")


def _whole(
    reach: Reach,
    directory: str,
    files: Callable[[str], list[str]],
    calls: Callable[[str], list[tuple[str, str]]],
    seen: set[str],
) -> None:
    """A module call that changes may take its instances away, with everything in them:
    every file of the module, and of the modules it calls, must be evaluated."""
    if directory in seen:
        return
    seen.add(directory)
    outside = reach.left_out(directory, files(directory))
    if outside:
        raise OutOfReach(f"{outside[0]} is in a module instance the edit changes")
    for target, _ in calls(directory):
        _whole(reach, target, files, calls, seen)


def _version(workspace: Texts, path: str) -> tuple[ParsedFile, str] | None:
    text = workspace.texts.get(path)
    if text is None:
        return None
    parsed = workspace.parsed(path)
    return (parsed, text) if isinstance(parsed, ParsedFile) else None


def _rewritten(original: Texts, edited: Texts, path: str) -> set[str]:
    """The names an edit of a configuration file rewrites (an edit that breaks the file is
    refused before its evaluation is read)."""
    return rewritten(_version(original, path), _version(edited, path))


def _variables(original: Texts, edited: Texts, path: str) -> set[str]:
    """``var.x`` for every variable a variables file sets, before or after the edit."""
    names: set[str] = set()
    for workspace in (original, edited):
        found = _version(workspace, path)
        if found is not None:
            names.update(f"var.{attribute.name}" for attribute in found[0].attributes)
    return names


def _readers_of_data(
    reach: Reach,
    path: str,
    original: Texts,
    strings: Callable[[str], set[str] | None],
    files: Callable[[str], list[str]],
    seeds: dict[str, set[str]],
) -> None:
    """The names declared in the files that can read the data file ``path``: they write its
    name in a string (``file("${path.module}/users.yaml")``)."""
    readers = strings(posixpath.basename(path))
    if readers is None:
        raise OutOfReach(f"no index says which files read {path}")
    for directory in reach.partial:
        outside = reach.left_out(directory, readers & set(files(directory)))
        if outside:
            raise OutOfReach(f"{outside[0]} may read {path}, which the edit changes")
    for reader in sorted(readers):
        found = _version(original, reader) if scan.is_config_file(reader) else None
        if found is not None:
            seeds.setdefault(directory_of(reader), set()).update(declares(found[0]))
