"""Which files of a big configuration the planning evaluates: those the findings can concern.

A configuration of thousands of files (one root of a monorepo, or hundreds of roots) is
evaluated in part: the files that declare a user, name one in a string or attach something
to one, the files that read what those declare, unit by unit, again and again (an edit there
can change what they make), and the files that declare what any chosen file reads (evaluating
it needs their values); every module call, ``moved`` block and output, and every file whose
declarations cannot be told from its text by the header scan below. A directory with an
override file is evaluated whole. The choice only saves work:
:mod:`iam_prune.fixes.evaluation.reach` checks each edit against it, and an edit that reaches
a file left out makes the planner evaluate every file instead.

What a file declares is read from its block headers (``resource "t" "n" {`` begins a line in
HCL), without parsing it; a file whose text does not let that be told for sure (a block
comment, a header of another shape, a ``.tf.json`` file) is chosen whatever it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from iam_prune.fixes.evaluation.mentions import RUN, USER_RUN, sub_runs
from iam_prune.fixes.evaluation.reach import Reach
from iam_prune.fixes.evaluation.workspace import Workspace, joined
from iam_prune.fixes.planning.dependents import SHARED_LISTS, USER_ONLY
from iam_prune.model import TerraformModel
from iam_prune.terraform import scan
from iam_prune.terraform.cache import remembered
from iam_prune.terraform.moduleconfig import USER_RESOURCE, is_override_file, local_sources
from iam_prune.terraform.references import declarations, directory_of
from iam_prune.terraform.syntax import ParsedFile

#: Sources with fewer configuration files than this, and less text than
#: ``WHOLE_BELOW_BYTES``, are evaluated whole: parsing them all costs less than choosing
#: (python-hcl2 parses about 170 KB a second; choosing reads the text at some MB a second).
#: Past either, every directory without an override file is evaluated in part: the indexes
#: choosing needs cover every text anyway, and many small roots add up like one big one.
WHOLE_BELOW = 64
WHOLE_BELOW_BYTES = 256_000
#: A line that can begin a declaring block (not an argument of that name: ``data = ...``).
_HEADER = re.compile(r"(?m)^[ \t]*(resource|data|module|variable|output|locals)\b(?![ \t]*=)(.*)$")
_LABEL = re.compile(r'[ \t]*(?:"([^"\\\n$%]*)"|([A-Za-z_][\w-]*))')
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "locals": 0}
_PREFIX = {"data": "data.", "module": "module.", "variable": "var.", "output": "output."}
#: A unit that holds one of these words concerns a user: the user resource, and those that
#: attach something to one.
_USER_WORDS = (USER_RESOURCE, *USER_ONLY, *SHARED_LISTS)
#: Files with these words are chosen too: the blocks that say where an address went.
_MOVES = ("moved", "removed", "import")
#: The first word of a reference that names no block of the module.
_NO_BLOCK = {"each", "count", "path", "self", "terraform"}


@dataclass
class _Headers:
    """What each file of one directory declares, by name, as its headers say."""

    declaring: dict[str, set[str]] = field(default_factory=dict)
    with_locals: set[str] = field(default_factory=set)
    with_calls: set[str] = field(default_factory=set)
    with_outputs: set[str] = field(default_factory=set)
    unclear: set[str] = field(default_factory=set)

    def read(self, path: str, text: str) -> None:
        if not path.endswith(".tf") or "/*" in text:
            self.unclear.add(path)
            return
        for match in _HEADER.finditer(text):
            kind, rest = match.group(1), match.group(2)
            labels, end = _labels(rest, _LABELS[kind])
            if labels is None or not rest[end:].lstrip().startswith("{"):
                self.unclear.add(path)
                continue
            if kind == "locals":
                self.with_locals.add(path)
                continue
            if kind == "module":
                self.with_calls.add(path)
            if kind == "output":
                self.with_outputs.add(path)
            name = _PREFIX.get(kind, "") + ".".join(labels)
            self.declaring.setdefault(name, set()).add(path)


def _headers(workspace: Workspace, directory: str) -> _Headers:
    """The headers of ``directory``'s files; kept in the cache, by their texts, when the
    workspace may use it (reading them scans every line of a directory of thousands of
    files)."""
    texts = {path: workspace.texts[path] for path in workspace.files(directory)}

    def read() -> _Headers:
        headers = _Headers()
        for path, text in texts.items():
            headers.read(path, text)
        return headers

    return remembered("headers", texts, read, _is_headers, use_cache=workspace.use_cache)


def _is_headers(found: object) -> bool:
    return isinstance(found, _Headers)


def _labels(rest: str, wanted: int) -> tuple[list[str] | None, int]:
    labels: list[str] = []
    end = 0
    while len(labels) < wanted:
        match = _LABEL.match(rest, end)
        if match is None:
            return None, end
        labels.append(match.group(1) if match.group(1) is not None else match.group(2))
        end = match.end()
    return labels, end


def choose(workspace: Workspace, model: TerraformModel) -> Reach | None:
    """The files to evaluate, or ``None`` when every directory is evaluated whole."""
    configs = {
        d: [p for p in workspace.files(d) if scan.is_config_file(p)]
        for d in workspace.directories()
    }
    every = [p for paths in configs.values() for p in paths]
    size = sum(len(workspace.texts[p]) for p in every)
    if len(every) < WHOLE_BELOW and size < WHOLE_BELOW_BYTES:
        return None
    partial = frozenset(
        d for d, paths in configs.items() if paths and not any(map(is_override_file, paths))
    )
    if not partial:
        return None
    chooser = _Chooser(workspace, partial, model)
    for directory in sorted(partial):
        chooser.seed(directory)
    for path in workspace.var_files:  # a --var-file sets the variables of every root
        for directory in sorted(partial):
            chooser.spread(directory, set(chooser.settings(path)))
    chooser.run()
    return Reach(frozenset(chooser.chosen), partial)


class _Chooser:
    """The files chosen so far, and by directory the names an edit may change (``changing``):
    those of the units that concern a user, and of every unit reading one of them, whose
    readers are chosen in turn."""

    def __init__(self, workspace: Workspace, partial: frozenset[str], model: TerraformModel):
        self.workspace = workspace
        self.partial = partial
        self.headers: dict[str, _Headers] = {}
        self.chosen: set[str] = set()
        self.followed: set[str] = set()
        self.pending: list[str] = []
        self.changing: dict[str, set[str]] = {}
        self.wholly: set[str] = set()
        #: A unit that holds one of these words or strings concerns a user.
        self.words = set(_USER_WORDS)
        self.strings = {d.name for d in model.declarations if d.name is not None}
        self.strings.update(p.rsplit("/", 1)[-1] for p in workspace.texts if scan.is_data_file(p))
        self.spans: dict[str, list[tuple[int, int]]] = {}
        for decl in model.declarations:
            for span in (decl.span, *decl.module_calls, decl.key_span):
                if span is not None:
                    self.spans.setdefault(span.file, []).append((span.start, span.end))
        for directory in partial:
            self.headers[directory] = _headers(workspace, directory)

    def add(self, paths: Iterable[str]) -> None:
        for path in paths:
            self.chosen.add(path)
            self.pending.append(path)

    def seed(self, directory: str) -> None:
        workspace, headers = self.workspace, self.headers[directory]
        files = set(workspace.files(directory))
        index = workspace.index
        self.add(sorted(p for p in files if not p.endswith(".tf")))
        self.add(sorted(headers.unclear | headers.with_calls | headers.with_outputs))
        self.add(sorted(files & set(self.spans)))
        for words in (
            index.words(self.words | set(_MOVES)),
            *map(index.strings, sorted(self.strings)),
        ):
            self.add(sorted(files if words is None else files & words))

    def run(self) -> None:
        while self.pending:
            batch = list(dict.fromkeys(self.pending))
            self.pending.clear()
            self.workspace.parse_originals([p for p in batch if p not in self.followed])
            for path in batch:
                self._follow(path)

    def _follow(self, path: str) -> None:
        workspace, directory = self.workspace, directory_of(path)
        text = workspace.texts[path]
        variables = scan.is_auto_vars_file(path.rsplit("/", 1)[-1])
        parsed = workspace.parsed(path) if variables or scan.is_config_file(path) else None
        if path not in self.followed:
            self.followed.add(path)
            files = set(workspace.files(directory))
            self.add(sorted(files & set(self._declaring(directory, _reads(text)))))
        if variables:
            self.spread(directory, set(self.settings(path)))
        elif isinstance(parsed, ParsedFile):
            self.spread(directory, set(self._changing(directory, path, parsed, text)))
            changing = self.changing.get(directory, set())
            for call, source in local_sources(parsed.blocks):
                called = joined(directory, source)
                if directory in self.wholly:
                    self.take_whole(called)
                if f"module.{call.labels[0]}" in changing:
                    # An instance may go (with all it holds) or be given something else.
                    self.take_whole(called)

    def settings(self, path: str) -> Iterator[str]:
        """``var.x`` for each variable a variables file sets to something concerning a user."""
        parsed, text = self.workspace.parsed(path), self.workspace.texts[path]
        if isinstance(parsed, ParsedFile):
            for attribute in parsed.attributes:
                if self._concerns(path, attribute.span.start, attribute.span.end, text, set()):
                    yield f"var.{attribute.name}"

    def _changing(self, directory: str, path: str, parsed: ParsedFile, text: str) -> Iterator[str]:
        """The names of a file's units that concern a user or read a name an edit may
        change."""
        known = self.changing.get(directory, set())
        for block in parsed.blocks:
            for name, span in declarations(block):
                if name not in known and self._concerns(path, span.start, span.end, text, known):
                    yield name

    def _concerns(self, path: str, start: int, end: int, text: str, changing: set[str]) -> bool:
        body = text[start:end]
        runs = sub_runs(body)
        if runs & self.words or runs & changing or "\\u" in body or "\\U" in body:
            return True
        if any(a < end and start < b for a, b in self.spans.get(path, ())):
            return True
        return not self.strings.isdisjoint(USER_RUN.findall(body))

    def take_whole(self, directory: str) -> None:
        """Choose every file of a module directory, and of the modules it calls."""
        if directory in self.partial and directory not in self.wholly:
            self.wholly.add(directory)
            self.add(self.workspace.files(directory))

    def spread(self, directory: str, names: set[str]) -> None:
        """Take ``names`` as changing in ``directory``: choose the files that read them (and
        look at the units there again)."""
        if directory not in self.partial:
            return  # evaluated whole
        known = self.changing.setdefault(directory, set())
        fresh = names - known
        if not fresh:
            return
        known.update(fresh)
        files = set(self.workspace.files(directory))
        readers = self.workspace.index.words(fresh)
        self.add(sorted(files if readers is None else files & readers))

    def _declaring(self, directory: str, names: Iterable[str]) -> Iterator[str]:
        """The files of a directory that can declare one of ``names``."""
        headers = self.headers.get(directory)
        if headers is None:
            return
        index = self.workspace.index
        for name in names:
            if name.startswith("local."):
                holding = index.words((name.removeprefix("local."),)) or set()
                yield from headers.with_locals & holding
            else:
                yield from headers.declaring.get(name, ())


def _reads(text: str) -> set[str]:
    """The names a text can read: the first segments of every dotted run that can name a
    block (``aws_s3_bucket.logs`` of ``aws_s3_bucket.logs.arn``, ``data.t.n``, ``var.x``)."""
    found: set[str] = set()
    for run in set(RUN.findall(text)):
        segments = run.split(".")
        if len(segments) < 2 or segments[0] in _NO_BLOCK:
            continue
        width = 3 if segments[0] == "data" else 2
        if len(segments) >= width:
            found.add(".".join(segments[:width]))
    return found
