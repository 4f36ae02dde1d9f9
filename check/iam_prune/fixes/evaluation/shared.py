"""What a workspace and all its edited copies share: the parses of the original texts and of
the edited ones, the indexes of the original texts, and which files are evaluated.

An unchanged file is parsed once for the workspace and every copy (a root of thousands of
files outgrows any bounded cache); an edited one by reading again only what changed, the most
recent few kept, since one change reads its own edited files a few times over (to check,
evaluate, compare) while keeping every finding's would hold hundreds of versions of a big
file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from iam_prune.fixes.evaluation.depends import Graph
from iam_prune.fixes.evaluation.mentions import Mentions
from iam_prune.fixes.evaluation.reach import Reach
from iam_prune.terraform.cache import parse_all
from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.reparse import reparse
from iam_prune.terraform.syntax import ParsedFile, ParseError

#: Parses of edited texts kept.
EDITED_KEPT = 64

Parsed = ParsedFile | ParseError


class Shared:
    """The parses, indexes and choice of files of one set of original texts."""

    def __init__(self, original: Mapping[str, str]) -> None:
        self.original = original
        self.parses: dict[str, Parsed] = {}
        self.edited: dict[tuple[str, str], Parsed] = {}
        self.mentions = Mentions(original)
        self.graphs: dict[str, Graph] = {}
        self.use_cache = False
        #: The files evaluated, when a big configuration is evaluated in part, and every file
        #: of each directory (a workspace's ``files`` lists the evaluated ones).
        self.reach: Reach | None = None
        self.every: dict[str, list[str]] = {}

    def parsed(self, path: str, text: str) -> Parsed:
        """The parse of ``text``, a version of the original file ``path``."""
        original = self.original[path]
        first = self.parses.get(path)
        if first is None:
            first = self.parses[path] = _parse(path, original)
        if original == text:
            return first
        key = (path, text)
        found = self.edited.pop(key, None)
        if found is None:
            found = _reparse(path, first, original, text)
        self.edited[key] = found  # the most recent last
        if len(self.edited) > EDITED_KEPT:
            del self.edited[next(iter(self.edited))]
        return found

    def parse_originals(self, paths: Sequence[str]) -> None:
        """Parse the original texts of ``paths`` not parsed yet in one batch: the loader's
        ``parse_all``, so that a module of many files is parsed by its worker processes, with
        the disk cache when the load could use it."""
        items = [
            (path, text)
            for path in paths
            if path not in self.parses and (text := self.original.get(path)) is not None
        ]
        if len(items) > 1:
            outcomes = parse_all(items, use_cache=self.use_cache)
            for (path, _), outcome in zip(items, outcomes, strict=True):
                self.parses[path] = outcome


def _parse(path: str, text: str) -> Parsed:
    try:
        return parse_file(path, text)
    except ParseError as error:
        return error


def _reparse(path: str, before: Parsed, original: str, text: str) -> Parsed:
    if isinstance(before, ParseError):
        return _parse(path, text)
    try:
        return reparse(before, original, text)
    except ParseError as error:
        return error
