"""Which names of a module an edit changes, and which names read them.

Terraform evaluates a module as a graph: what a resource makes depends on the variables,
locals, data sources, resources and module calls its expressions name, and on nothing else in
its module. An edit rewrites the text of a few named *units* (a resource block, one local, a
variable, an output); what the module makes can only change for the units that read those,
transitively, and across modules for the callers that read a changed output (a changed call,
in turn, changes what its module makes with the inputs it gives). This finds those names, so
that an edited configuration is evaluated again only where it can differ from the original.

Reads are found in the text, not in the syntax: every dotted word of a unit's source counts as
a read of the unit of that name, declared or not (an edit may declare it). That is a superset
of the real references (a word in a string or a comment counts too): it costs some
evaluation, and misses no dependency, in templates, heredocs and JSON strings alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from iam_prune.fixes.evaluation.mentions import sub_runs
from iam_prune.terraform import scan
from iam_prune.terraform.moduleconfig import is_override_file
from iam_prune.terraform.references import declarations
from iam_prune.terraform.reparse import differing
from iam_prune.terraform.syntax import ParsedFile


@dataclass(frozen=True)
class Unit:
    """A named piece of a module's configuration, with its source text."""

    name: str
    text: str


def units(parsed: ParsedFile, text: str) -> Iterator[Unit]:
    """The named units of one file: resources (``type.name``), ``data.t.n``, ``module.x``,
    ``var.x``, ``output.x`` and each ``local.x`` of a ``locals`` block. Other blocks
    (``terraform``, ``provider``, ``moved``, ...) make no instance and are read by no one."""
    for block in parsed.blocks:
        for name, span in declarations(block):
            yield Unit(name, text[span.start : span.end])


class Graph:
    """The units of one directory's original texts, and which names read which."""

    def __init__(self, files: Mapping[str, tuple[ParsedFile, str]]) -> None:
        self.readers: dict[str, set[str]] = {}
        for parsed, text in files.values():
            for unit in units(parsed, text):
                for word in sub_runs(unit.text):
                    if "." in word and word != unit.name:
                        self.readers.setdefault(word, set()).add(unit.name)

    def closure(self, seeds: set[str]) -> set[str]:
        """``seeds`` and every name that reads one of them, however indirectly."""
        found = set(seeds)
        pending = list(seeds)
        while pending:
            for reader in self.readers.get(pending.pop(), ()):
                if reader not in found:
                    found.add(reader)
                    pending.append(reader)
        return found


def rewritten(
    before: tuple[ParsedFile, str] | None, after: tuple[ParsedFile, str] | None
) -> set[str]:
    """The names whose units differ between two versions of one file (added, removed or
    written differently; a unit that only moved within the file is the same)."""

    def texts(version: tuple[ParsedFile, str] | None) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        if version is not None:
            for unit in units(*version):
                found.setdefault(unit.name, []).append(unit.text)
        return found

    if before is not None and after is not None:  # the blocks both share read the same
        (old_parse, old_text), (new_parse, new_text) = before, after
        old_parse, new_parse = differing(old_parse, new_parse)
        before, after = (old_parse, old_text), (new_parse, new_text)
    old, new = texts(before), texts(after)
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def followable(paths: frozenset[str]) -> bool:
    """Whether edits to ``paths`` can be followed name by name: plain configuration files.
    An edited override file changes blocks of other files argument by argument, and an edited
    variables file (or a file a function reads) changes values no unit's text shows; both are
    evaluated whole."""
    return all(scan.is_config_file(p) and not is_override_file(p) for p in paths)
