"""The texts a fix may edit, parsed on demand, and the module instances they make.

A fix is checked by evaluating the configuration twice, before and after its edits, and
comparing the resource instances (what ``terraform plan`` compares with the state). The loader
has walked the tree once already, but its walk is over files on disk as they were; here the
same evaluation pieces (``ModuleConfig``, ``Instance``, ``expand``) run over texts, so that an
edited text is evaluated exactly like the original. Only the directories in the model's
``sources`` are known: a module whose files are not there is *opaque*, and what it holds is
not listed.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from iam_prune.fixes.evaluation import derive
from iam_prune.fixes.evaluation.depends import Graph
from iam_prune.fixes.evaluation.mentions import Mentions
from iam_prune.fixes.evaluation.reach import Reach, check
from iam_prune.fixes.evaluation.shared import Shared
from iam_prune.fixes.text.holding import words
from iam_prune.fixes.text.parsed import parse_text
from iam_prune.model import TerraformModel
from iam_prune.terraform import scan
from iam_prune.terraform.moduleconfig import (
    ModuleConfig,
    from_blocks,
    is_override_file,
    local_sources,
)
from iam_prune.terraform.references import Use, declares, directory_of, uses
from iam_prune.terraform.syntax import Block, ParsedFile, ParseError


class Workspace:
    """File texts by repository-relative path, possibly edited, and what they parse into."""

    def __init__(
        self,
        texts: Mapping[str, str],
        var_files: Sequence[str] = (),
        original: Mapping[str, str] | None = None,
        shared: Shared | None = None,
        by_directory: dict[str, list[str]] | None = None,
        unread_var_files: Iterable[str] = (),
        var_file_order: Sequence[str] | None = None,
    ) -> None:
        self.texts = dict(texts)
        self.var_files = tuple(var_files)
        #: Variable files the load could not read (they may set any variable), and every
        #: ``--var-file`` in the order given, read or not: a root's inputs as the load had them.
        self.unread_var_files = frozenset(unread_var_files)
        self.var_file_order = self.var_files if var_file_order is None else tuple(var_file_order)
        self.original = self.texts if original is None else dict(original)
        self._shared = shared if shared is not None else Shared(self.original)
        self._called: dict[str, list[tuple[str, str]]] | None = None
        self._by_directory: dict[str, list[str]] = {}
        if by_directory is not None:
            self._by_directory = by_directory
        else:
            for path in sorted(self.texts):
                self._by_directory.setdefault(directory_of(path), []).append(path)
        #: The workspace this one was edited from, and the paths whose texts differ from it:
        #: what a directory without such a path holds is the parent's, and asked of it.
        self.parent: Workspace | None = None
        self.changed: frozenset[str] = frozenset()
        self._changed_directories: frozenset[str] = frozenset()
        self._config_files: dict[str, list[ParsedFile]] = {}
        self._positions: dict[str, dict[str, int]] = {}
        self._configs: dict[str, ModuleConfig] = {}
        self._declared: dict[str, set[str]] = {}
        self._local_calls: dict[str, list[tuple[str, str]]] = {}
        self._overrides: dict[str, bool] = {}
        self._blocks: dict[str, dict[str, list[Block]]] = {}
        self._counts: dict[str, Counter[str]] = {}

    @classmethod
    def of(cls, model: TerraformModel) -> Workspace:
        """The model's sources, with the parses the load made of them and its choice of the
        disk cache for the files it did not parse."""
        workspace = cls(
            dict(model.sources),
            model.var_files,
            unread_var_files=model.unread_var_files,
            var_file_order=model.var_file_order,
        )
        shared = workspace._shared
        shared.use_cache = shared.mentions.use_cache = model.parse_cache
        for path, _ in model.sources:
            parsed = model.parsed.get(path)
            if isinstance(parsed, ParsedFile) and path not in shared.parses:
                shared.parses[path] = parsed
        return workspace

    def edited(self, changed: Mapping[str, str]) -> Workspace:
        """The same workspace with some files' texts replaced."""
        differing = {p for p, text in changed.items() if self.texts.get(p) != text}
        if not differing:
            return self
        same_files = all(p in self.texts for p in differing)
        texts = {**self.texts, **changed}
        edited = Workspace(
            texts,
            self.var_files,
            self.original,
            self._shared,
            by_directory=self._by_directory if same_files else self._evaluated(texts),
            unread_var_files=self.unread_var_files,
            var_file_order=self.var_file_order,
        )
        edited.parent = self
        edited.changed = frozenset(differing)
        edited._changed_directories = frozenset(directory_of(p) for p in differing)
        return edited

    def whole(self) -> Workspace:
        """The original texts with every file evaluated (what was parsed stays parsed)."""
        found = Workspace(
            self.original,
            self.var_files,
            unread_var_files=self.unread_var_files,
            var_file_order=self.var_file_order,
        )
        found._shared.parses = self._shared.parses
        found._shared.mentions = self._shared.mentions
        found._shared.use_cache = self._shared.use_cache
        return found

    def restrict(self, reach: Reach) -> None:
        """Evaluate only ``reach``'s files of its partly evaluated directories (an original
        workspace, before anything is read from it)."""
        self._shared.reach = reach
        self._shared.every = self._by_directory
        self._by_directory = self._evaluated(self.texts)

    def _evaluated(self, texts: Mapping[str, str]) -> dict[str, list[str]]:
        """The evaluated paths of ``texts`` by directory: all but the files a partial
        evaluation leaves out (a file an edit adds is evaluated)."""
        reach = self._shared.reach
        found: dict[str, list[str]] = {}
        for path in sorted(texts):
            directory = directory_of(path)
            if (
                reach is None
                or directory not in reach.partial
                or path in reach.paths
                or path not in self.original
            ):
                found.setdefault(directory, []).append(path)
        return found

    def check_reach(self) -> None:
        """Raise ``OutOfReach`` when this copy's edits change what a file left out of the
        evaluation makes (nothing to check when every file is evaluated)."""
        shared = self._shared
        if shared.reach is None or self.parent is None:
            return
        original = self.graph_source()
        mentions = shared.mentions
        check(
            shared.reach,
            original,
            self,
            self.edited_paths(),
            graph=original.graph,
            callers=original.callers,
            words=lambda name: mentions.words((name,)),
            strings=mentions.strings,
            files=lambda directory: shared.every.get(directory, []),
            calls=original.calls_in,
        )

    def edited_paths(self) -> frozenset[str]:
        """Every path whose text differs from the original's (along the parents)."""
        if self.parent is None:
            return frozenset()
        return self.changed | self.parent.edited_paths()

    def unchanged(self, directory: str) -> Workspace | None:
        """The workspace this one was edited from, when ``directory``'s texts are the same
        in both (what is read from them is then the parent's, already read)."""
        if self.parent is not None and directory not in self._changed_directories:
            return self.parent
        return None

    # ------------------------------------------------------------------ files

    def text(self, path: str) -> str | None:
        return self.texts.get(path)

    def parsed(self, path: str) -> ParsedFile | ParseError:
        """The parse of a file: an unchanged one is parsed once for the workspace and all its
        edited copies (a root of thousands of files outgrows any bounded cache), an edited one
        by reading again only what changed."""
        text = self.texts[path]
        if path not in self.original:
            return parse_text(path, text)
        return self._shared.parsed(path, text)

    def parsed_text(self, path: str, text: str) -> ParsedFile | ParseError:
        """The parse of ``text``: the workspace's own when it is the text of ``path`` here."""
        if self.texts.get(path) is text or self.texts.get(path) == text:
            return self.parsed(path)
        return parse_text(path, text)

    def mentioning(self, names: Iterable[str], paths: Iterable[str]) -> list[str]:
        """Those of ``paths`` whose text mentions one of ``names`` as a whole dotted word
        (``aws_iam_user.bob`` in ``aws_iam_user.bob.name``, not in ``aws_iam_user.bobby``)."""
        wanted = tuple(sorted(set(names)))
        if not wanted:
            return []
        indexed = self._shared.mentions.words(wanted)
        if indexed is not None:  # the index answers for the original texts
            chosen = indexed | self.edited_paths()
            paths = [path for path in paths if path in chosen]
        found = []
        for path in paths:
            text = self.texts.get(path)
            if text is None:
                continue
            if indexed is not None and text is self.original.get(path):
                if path in indexed:
                    found.append(path)
            elif next(words(text, wanted), None) is not None:  # str.find, not a pattern
                found.append(path)
        return found

    @property
    def index(self) -> Mentions:
        """The word and string indexes of every original text."""
        return self._shared.mentions

    @property
    def use_cache(self) -> bool:
        """Whether what is read from the original texts may be kept in the disk cache (the
        load's choice: ``--no-cache`` turns it off)."""
        return self._shared.use_cache

    def may_name(self, name: str) -> list[str]:
        """The paths, sorted, whose text can hold the user name ``name`` in a string (the
        original texts: literal mentions are looked for before any edit)."""
        indexed = self._shared.mentions.strings(name)
        return sorted(self.texts if indexed is None else indexed & set(self.texts))

    def files(self, directory: str) -> list[str]:
        return self._by_directory.get(directory, [])

    def knows(self, directory: str) -> bool:
        return directory in self._by_directory

    def config_files(self, directory: str) -> list[ParsedFile]:
        """The parsed ``.tf``/``.tf.json`` files of a directory; one that does not parse is left
        out (the fix that made it so is refused before its evaluation is used)."""
        known = self._config_files.get(directory)
        if known is not None:
            return known
        parent = self.unchanged(directory)
        if parent is not None:
            found = parent.config_files(directory)
        elif self.parent is not None and self.parent.knows(directory):
            found = derive.config_files(self, self.parent, directory)
        else:
            paths = [path for path in self.files(directory) if scan.is_config_file(path)]
            self.parse_originals(paths)
            found = [p for path in paths if isinstance(p := self.parsed(path), ParsedFile)]
        self._config_files[directory] = found
        return found

    def places(self, directory: str) -> dict[str, int]:
        """Where each file is in ``config_files(directory)``."""
        known = self._positions.get(directory)
        if known is None:
            listed = self.config_files(directory)
            known = self._positions[directory] = {p.path: n for n, p in enumerate(listed)}
        return known

    def parse_originals(self, paths: Sequence[str]) -> None:
        """Parse the unchanged texts of ``paths`` not parsed yet, in one batch."""
        self._shared.parse_originals(paths)

    def uses(self, directory: str) -> Iterator[tuple[str, Use]]:
        """Every reference in the directory's configuration files that parse, with the path
        of its file."""
        for path in self.files(directory):
            text = self.texts[path]
            if scan.is_config_file(path) and isinstance(parsed := self.parsed(path), ParsedFile):
                yield from ((path, use) for use in uses(parsed, text))

    def broken(self, paths: Sequence[str]) -> list[ParseError]:
        """Why each of ``paths`` does not parse, for those that do not."""
        return [
            error
            for path in paths
            if not scan.is_data_file(path) and isinstance(error := self.parsed(path), ParseError)
        ]

    def directories(self) -> list[str]:
        return list(self._by_directory)

    def roots(self) -> list[str]:
        """The known directories with Terraform files that no local module call reaches: the
        root modules a ``--var-file`` applies to."""
        called = self.called_directories()
        return [d for d in self._by_directory if d not in called and self.config_files(d)]

    def called_directories(self) -> set[str]:
        """The known directories that a local module call in some known file reaches."""
        return {d for d in self._calls() if self.knows(d)}

    def callers(self, directory: str) -> list[tuple[str, str]]:
        """Each directory with a call of the module in ``directory``, and the call's label."""
        return list(self._calls().get(directory, ()))

    def _calls(self) -> dict[str, list[tuple[str, str]]]:
        """Every local module call in the known files, by the directory it calls: the
        directory the call is in and its label (read once per workspace)."""
        if self._called is None:
            self._called = {}
            for directory in self._by_directory:
                for target, label in self.calls_in(directory):
                    self._called.setdefault(target, []).append((directory, label))
        return self._called

    def calls_in(self, directory: str) -> list[tuple[str, str]]:
        """The directory and label of each local module call in ``directory``."""
        known = self._local_calls.get(directory)
        if known is None:
            parent = self.unchanged(directory)
            if parent is not None:
                known = parent.calls_in(directory)
            elif not self.mentioning(["module"], self.files(directory)):
                known = []  # no text says `module`: nothing to parse to know it calls none
            else:
                modules = self.blocks(directory).get("module", [])
                calls = local_sources(modules)
                known = [(joined(directory, source), call.labels[0]) for call, source in calls]
            self._local_calls[directory] = known
        return known

    def blocks(self, directory: str) -> dict[str, list[Block]]:
        """The top-level blocks of a directory's configuration files in file order, by what
        they are: ``type.name`` for a resource, else the block type (``moved``, ``locals``);
        the IAM users once more under ``aws_iam_user``."""
        known = self._blocks.get(directory)
        if known is None:
            parent = self.unchanged(directory)
            if parent is not None:
                known = parent.blocks(directory)
            elif self.parent is not None and self.parent.knows(directory):
                known = derive.blocks(self, self.parent, directory)
            else:
                known = derive.by_kind(self.config_files(directory))
            self._blocks[directory] = known
        return known

    def declared(self, directory: str) -> set[str]:
        """Every address the directory's configuration declares (``references.declared``),
        once per workspace; an edited copy works it out from its parent's and the edited
        files alone."""
        known = self._declared.get(directory)
        if known is None:
            parent = self.unchanged(directory)
            if parent is not None:
                known = parent.declared(directory)
            elif self.parent is not None and self.parent.parent is None:
                known = derive.declared(self, self.parent, directory)
            else:
                known = set(self.declared_counts(directory))
            self._declared[directory] = known
        return known

    def declared_counts(self, directory: str) -> Counter[str]:
        counts = self._counts.get(directory)
        if counts is None:
            counts = self._counts[directory] = Counter(
                name for parsed in self.config_files(directory) for name in declares(parsed)
            )
        return counts

    def prepare(self, directories: Iterable[str]) -> None:
        """Build now what the first change would otherwise build: the word and string indexes
        of the texts, and each directory's dependency graph, declared names and file places
        (a run does this with the original configuration's evaluation, once)."""
        self._shared.mentions.build()
        for directory in directories:
            self.graph(directory)
            self.declared_counts(directory)
            self.places(directory)

    def graph(self, directory: str) -> Graph:
        """Which names of a directory's original configuration read which (for evaluating an
        edited copy again only where it can differ)."""
        shared = self._shared
        found = shared.graphs.get(directory)
        if found is None:
            original = self.graph_source()
            files = {
                parsed.path: (parsed, original.texts[parsed.path])
                for parsed in original.config_files(directory)
            }
            found = shared.graphs[directory] = Graph(files)
        return found

    def graph_source(self) -> Workspace:
        """The workspace every edited copy comes from: the texts as they are on disk."""
        return self if self.parent is None else self.parent.graph_source()

    def _has_overrides(self, directory: str) -> bool:
        """Whether the directory has override files (asked of the parent while the files are
        the same ones)."""
        if self.parent is not None and self._by_directory is self.parent._by_directory:
            return self.parent._has_overrides(directory)
        known = self._overrides.get(directory)
        if known is None:
            known = self._overrides[directory] = any(map(is_override_file, self.files(directory)))
        return known

    def config(self, directory: str) -> ModuleConfig:
        return self._config(directory)

    def _config(self, directory: str) -> ModuleConfig:
        """A directory's configuration, gathered once per workspace (and shared with the
        workspace it was edited from while its texts are the same)."""
        known = self._configs.get(directory)
        if known is None:
            parent = self.unchanged(directory)
            if parent is not None:
                known = parent._config(directory)
            elif self._has_overrides(directory):
                known = ModuleConfig.build(directory, Path(directory), self.config_files(directory))
            else:
                known = from_blocks(directory, Path(directory), self.blocks(directory))
            self._configs[directory] = known
        return known


def joined(directory: str, source: str) -> str:
    """The directory a local module ``source`` names, relative like ``directory`` is."""
    return posixpath.normpath(posixpath.join(directory, source)) or "."
