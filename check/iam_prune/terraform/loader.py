"""Reading a repository's Terraform into a ``TerraformModel``: files, roots, modules, state.

The steps, each cheap before the expensive one: find the Terraform files under the given
directories; read them and keep only directories whose text can matter (``scan``); parse the
files of those that can name a user, in one batch (cached by content, possibly in parallel);
follow local module calls to directories outside the given trees; decide the roots (a
directory is a root when it was given or no module calls it, so a module is never also walked
as a root with wrong addresses); walk every root's module tree (``walk``); correct the result
with the state (``withstate``); and say, in one error, how many declarations stayed unnamed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from iam_prune import heap
from iam_prune.model import Declaration, ErrorSource, Note, ReportError, TerraformModel
from iam_prune.terraform import TerraformError, cache, references, scan, withstate
from iam_prune.terraform.datafiles import DataFiles
from iam_prune.terraform.instances import root_inputs, tfvars_order
from iam_prune.terraform.moduleconfig import ModuleConfig, local_calls, local_sources
from iam_prune.terraform.remotestate import remote_output_reads
from iam_prune.terraform.syntax import ParsedFile, ParseError
from iam_prune.terraform.walk import Walk

_ROOT_MISSING = "no value is given in terraform.tfvars, *.auto.tfvars or --var-file"
#: In the one error that sums up the declarations without a name (they are in the model).
UNRESOLVED = "could not be named statically"


def load_model(
    dirs: Sequence[Path],
    root: Path,
    *,
    var_files: Sequence[Path] = (),
    state: withstate.StateLookup | None = None,
    use_cache: bool = True,
) -> TerraformModel:
    """See ``iam_prune.terraform.load``."""
    root = root.resolve()
    given = [scan.existing_dir(directory) for directory in dirs]
    tree = _Tree(root, use_cache)
    links: list[Path] = []
    tree.add_dirs(_by_directory(scan.find_files(dirs, tree.unlisted, links.append)))
    heap.keep()  # the parses live as long as the run: evaluating them is not slowed by them
    tree.follow_calls()
    tree.check_links(links)
    variables, var_inputs = tree.var_files(var_files)

    data = DataFiles(root)
    walk = Walk(tree.configs(), reader=data)
    roots = tree.roots(given)
    for directory in roots:
        config = walk.configs.get(directory)
        if config is not None:
            inputs = root_inputs([*tree.auto_vars(directory), *var_inputs])
            walk.root(config, inputs, _ROOT_MISSING)

    declarations = withstate.merge(walk.found, state)
    declarations.sort(key=lambda d: (d.span.file, d.span.start))
    sources = tuple(tree.sources_of(declarations, variables, roots))
    # Parses the files that refer to a user the prefilter skipped: one that does not parse
    # is an error like any other, and is then no source a fix may edit.
    found_references = references.of_declarations(declarations, sources, tree.parse_again)
    broken = {rel for rel, _ in tree.unreadable}
    errors = [*tree.errors, *walk.errors, *_unresolved(declarations, state is not None)]
    return TerraformModel(
        declarations=tuple(declarations),
        errors=tuple(errors),
        unreadable_texts=tuple(tree.unreadable),
        unread=tuple(tree.unread),
        sources=(*(item for item in sources if item[0] not in broken), *_new(data.read(), sources)),
        references=found_references,
        var_files=tuple(parsed.path for parsed in variables),
        unread_var_files=tuple(
            dict.fromkeys(
                item
                for directory in roots
                for item in (*tree.auto_vars(directory), *var_inputs)
                if isinstance(item, str)
            )
        ),
        var_file_order=tuple(i if isinstance(i, str) else i.path for i in var_inputs),
        files_scanned=tree.scanned,
        files_parsed=tree.parsed_count,
        notes=(*walk.notes, *(Note(problem) for problem in tree.parse_notes)),
        opaque_modules=tuple(walk.opaque_modules),
        user_reads=tuple(walk.reads),
        remote_output_reads=tuple(
            remote_output_reads((tree.relative(path), text) for path, text in tree.texts.items())
        ),
        parsed=tree.all_parsed(),
        parse_cache=use_cache,
    )


def _new(data: list[tuple[str, str]], sources: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The data files ``file()`` read that are not among the sources already."""
    known = {path for path, _ in sources}
    return [item for item in data if item[0] not in known]


def _by_directory(files: Sequence[Path]) -> dict[Path, list[Path]]:
    grouped: dict[Path, list[Path]] = {}
    for path in files:
        grouped.setdefault(path.parent, []).append(path)
    return grouped


@dataclass(frozen=True)
class _Text:
    """A file's text, and why it cannot be parsed when it cannot."""

    text: str
    error: ReportError | None = None


@dataclass
class _Tree:
    """The directories read so far: their texts, what parsed, and what failed."""

    root: Path
    use_cache: bool
    texts: dict[Path, str] = field(default_factory=dict)
    parsed: dict[Path, list[ParsedFile]] = field(default_factory=dict)
    #: Files parsed after the walk (``parse_again``), by path.
    parsed_again: dict[str, ParsedFile] = field(default_factory=dict)
    errors: list[ReportError] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # files and folders with no text at all
    seen: set[Path] = field(default_factory=set)
    scanned: int = 0
    parsed_count: int = 0
    #: What the parsing could not do as asked (no cache, no worker processes): the results
    #: stand, the run is only slower, and a person should know why.
    parse_notes: dict[str, None] = field(default_factory=dict)
    #: ``relative`` by path: every file is named several times (read, parsed, handed on),
    #: and pathlib's comparison of parts is the slow half of reading a cached root.
    _relatives: dict[Path, str] = field(default_factory=dict, init=False, repr=False)

    # ------------------------------------------------------------------ reading

    def _parse_all(self, items: Sequence[tuple[str, str]]) -> list[ParsedFile | ParseError]:
        """Parse ``(repository-relative path, text)`` items, results in the same order:
        through the content-hash cache, in worker processes when the batch is big enough."""
        stats = cache.ParseStats()
        results = cache.parse_all(items, use_cache=self.use_cache, stats=stats)
        for problem in (stats.cache_problem, *stats.notes):
            if problem:
                self.parse_notes.setdefault(problem)
        return results

    def add_dirs(self, groups: dict[Path, list[Path]]) -> None:
        """Read every file of ``groups``; parse the directories whose text can matter."""
        batch: list[tuple[Path, str]] = []
        for directory, paths in groups.items():
            self.seen.add(directory)
            texts = [(path, self._read(path)) for path in paths]
            # A file that cannot be read, or cannot be Terraform, might hold anything: it is
            # an error wherever it is, and what it may declare stays in doubt.
            for path, text in texts:
                if text.error is not None:
                    self._unreadable(path, text)
            if not any(scan.may_matter(text.text) for _, text in texts):
                continue
            self.parsed.setdefault(directory, [])
            for path, text in texts:
                # A file that cannot name a user is parsed too when it may be broken: a
                # syntax error where the users are is an error, with its line.
                if text.error is None and (
                    scan.may_name(text.text)
                    or scan.is_auto_vars_file(path.name)
                    or scan.may_be_broken(text.text)
                ):
                    batch.append((path, text.text))
        self._parse(batch)

    def unlisted(self, directory: Path, error: OSError) -> None:
        """A folder that could not be listed: every user may be declared in it."""
        rel = self.relative(directory)
        self.errors.append(_error(rel, f"cannot read the folder: {error.strerror or error}"))
        self.unread.append(rel)

    def check_links(self, links: Sequence[Path]) -> None:
        """A linked folder holding Terraform that was read under no other name is an error:
        every user may be declared in it."""
        for link in links:
            target = link.resolve()
            if target in self.seen or not scan.files_in(target):
                continue
            rel = self.relative(link)
            self.errors.append(
                _error(
                    rel,
                    f"a symbolic link to {target}, which holds Terraform and is not read through "
                    "the link: pass that folder itself with --terraform-dir",
                )
            )
            self.unread.append(rel)

    def _unreadable(self, path: Path, text: _Text) -> None:
        assert text.error is not None
        self.errors.append(text.error)
        if text.text:  # not UTF-8, or not Terraform: the text is kept for the reconciler
            self.unreadable.append((self.relative(path), text.text))
        else:
            self.unread.append(self.relative(path))

    def _read(self, path: Path) -> _Text:
        """The file's text (lossy when it is not UTF-8: good enough for the text scan)."""
        self.scanned += 1
        rel = self.relative(path)
        try:
            raw = path.read_bytes()
        except OSError as error:
            what = "the symbolic link" if path.is_symlink() else "the file"
            return _Text("", _error(rel, f"cannot read {what}: {error.strerror or error}"))
        if _shown(str(path)) != str(path):
            return _Text(raw.decode("utf-8", errors="replace"), _error(rel, _NAME_NOT_UTF8))
        try:
            text = raw.decode("utf-8")  # universal newlines off: spans index the text as is
        except UnicodeDecodeError as error:
            line_start = raw.rfind(b"\n", 0, error.start) + 1
            line = raw.count(b"\n", 0, line_start) + 1
            column = error.start - line_start + 1  # in bytes: characters are unknown here
            lossy = raw.decode("utf-8", errors="replace")
            return _Text(lossy, _error(rel, "not UTF-8 text", line, column))
        problem = scan.shape_problem(path.name, text)
        if problem is not None:
            return _Text(text, _error(rel, problem.message, problem.line, problem.column))
        self.texts[path] = text
        return _Text(text)

    def _parse(self, batch: Sequence[tuple[Path, str]]) -> None:
        items = [(self.relative(path), text) for path, text in batch]
        for (path, text), result in zip(batch, self._parse_all(items), strict=True):
            if isinstance(result, ParseError):
                rel = self.relative(path)
                self.errors.append(_error(rel, result.message, result.line, result.column))
                self.unreadable.append((rel, text))
            else:
                self.parsed_count += 1
                self.parsed[path.parent].append(result)

    def all_parsed(self) -> dict[str, ParsedFile]:
        """Every file parsed, by path."""
        found = {parsed.path: parsed for files in self.parsed.values() for parsed in files}
        return {**self.parsed_again, **found}

    def parse_again(self, items: Sequence[tuple[str, str]]) -> list[ParsedFile | ParseError]:
        """``(path, text)`` items parsed, reusing what was parsed already (results in order)."""
        known = {parsed.path: parsed for files in self.parsed.values() for parsed in files}
        missing = [(path, text) for path, text in items if path not in known]
        found = dict(zip(missing, self._parse_all(missing), strict=True))
        broken = {rel for rel, _ in self.unreadable}
        for (path, text), result in found.items():
            if isinstance(result, ParsedFile):
                self.parsed_again[path] = result
            if isinstance(result, ParseError) and path not in broken:
                self.errors.append(_error(path, result.message, result.line, result.column))
                self.unreadable.append((path, text))
        return [known.get(path) or found[(path, text)] for path, text in items]

    def follow_calls(self) -> None:
        """Read the directories local module calls lead to outside the given trees."""
        pending = self._call_targets() - self.seen
        while pending:
            self._read_outside(sorted(pending))
            pending = self._call_targets() - self.seen

    def _read_outside(self, directories: Sequence[Path]) -> None:
        groups = {d: scan.files_in(d, self.unlisted) for d in directories}
        self.seen.update(directories)
        self.add_dirs({d: paths for d, paths in groups.items() if paths})

    def _call_targets(self) -> set[Path]:
        targets = set()
        for directory, files in self.parsed.items():
            for _, source in local_calls(files):
                target = (directory / source).resolve()
                if target.is_dir():
                    targets.add(target)
        return targets

    def var_files(self, paths: Sequence[Path]) -> tuple[list[ParsedFile], list[ParsedFile | str]]:
        """``--var-file`` files, parsed; they bind every root's variables, last one wins.
        Returns those parsed, and every one in order as a root's inputs take them (the path
        of one that could not be read, for :func:`root_inputs`)."""
        items: list[tuple[str, str]] = []
        order: list[str] = []
        for path in paths:
            if not path.is_file():
                raise TerraformError(f"--var-file not found: {path}")
            read = self._read(path.resolve())
            order.append(self.relative(path.resolve()))
            if read.error is not None:
                self._unreadable(path.resolve(), read)
            else:
                items.append((order[-1], read.text))
        found: dict[str, ParsedFile] = {}
        for (rel, text), result in zip(items, self._parse_all(items), strict=True):
            if isinstance(result, ParseError):
                self.errors.append(_error(rel, result.message, result.line, result.column))
                self.unreadable.append((rel, text))
            else:
                self.parsed_count += 1
                found[rel] = result
        # A file given twice counts twice: the last mention is where it ranks.
        return [found[rel] for rel in order if rel in found], [found.get(rel, rel) for rel in order]

    # ------------------------------------------------------------------ structure

    def configs(self) -> dict[Path, ModuleConfig]:
        return {
            directory: ModuleConfig.build(
                self.relative(directory),
                directory,
                [f for f in files if scan.is_config_file(f.path)],
            )
            for directory, files in self.parsed.items()
        }

    def roots(self, given: Sequence[Path]) -> list[Path]:
        """Given directories, and directories in the trees that no module call reaches."""
        called = self._call_targets()
        return sorted(set(given) | {d for d in self.parsed if d not in called and d in self.seen})

    def auto_vars(self, directory: Path) -> list[ParsedFile | str]:
        """The variable files Terraform reads by itself in a root directory, in precedence;
        one that could not be read is its path (for :func:`root_inputs`)."""
        by_name: dict[str, ParsedFile | str] = {
            Path(f.path).name: f
            for f in self.parsed.get(directory, [])
            if scan.is_auto_vars_file(Path(f.path).name)
        }
        here = self.relative(directory)
        for rel in (*(rel for rel, _ in self.unreadable), *self.unread):
            name = PurePosixPath(rel).name
            if str(PurePosixPath(rel).parent) == here and scan.is_auto_vars_file(name):
                by_name.setdefault(name, rel)
        return [by_name[name] for name in tfvars_order(by_name)]

    def sources_of(
        self,
        declarations: Sequence[Declaration],
        var_files: Sequence[ParsedFile],
        roots: Sequence[Path],
    ) -> list[tuple[str, str]]:
        """The texts of every file in the directories the declarations point into, and of the
        ``--var-file`` files: a fix edits the declaring files, must find what else in those
        modules refers to them, and evaluates the roots again after its edits. With a
        ``--var-file``, every root's files too: the file sets their variables as well, and a fix
        that edits it must see who else reads them."""
        wanted: set[str] = {parsed.path for parsed in var_files}
        for decl in declarations:
            wanted.add(decl.span.file)
            wanted.update(span.file for span in decl.module_calls)
            if decl.key_span is not None:
                wanted.add(decl.key_span.file)
        broken = {rel for rel, _ in self.unreadable}  # never edited: they do not parse
        by_rel = {self.relative(path): (path, text) for path, text in self.texts.items()}
        folders = {by_rel[rel][0].parent for rel in wanted if rel in by_rel}
        if var_files:
            folders.update(roots)
        folders |= self._called(folders)
        return sorted(
            (rel, text)
            for rel, (path, text) in by_rel.items()
            if (path.parent in folders or rel in wanted) and rel not in broken
        )

    def _called(self, folders: set[Path]) -> set[Path]:
        """The local modules ``folders`` call, and the ones those call, whose texts were
        read: a fix that removes a module instance (``for_each = aws_iam_user.u``) or
        changes its inputs must see what is in it, or it could only refuse."""
        read = {path.parent for path in self.texts}
        found: set[Path] = set()
        pending = sorted(folders)
        while pending:
            folder = pending.pop()
            for parsed in self.parsed.get(folder, []):
                for _, source in local_sources(parsed.blocks):
                    callee = Path(os.path.normpath(folder / source))
                    if callee in read and callee not in folders and callee not in found:
                        found.add(callee)
                        pending.append(callee)
        return found

    def relative(self, path: Path) -> str:
        known = self._relatives.get(path)
        if known is None:
            known = self._relatives[path] = self._relative(path)
        return known

    def _relative(self, path: Path) -> str:
        # A directory outside the repository still counts for the findings; its files keep
        # their absolute paths, and patches for them are for reading rather than `git apply`.
        if path.is_relative_to(self.root):
            return _shown(path.relative_to(self.root).as_posix() or ".")
        return _shown(path.as_posix())


_NAME_NOT_UTF8 = (
    "the file's name (or its folder's) is not UTF-8: iam-prune cannot name it in a report or a "
    "patch, so it is not read as Terraform (the name is shown with its bytes escaped); rename it"
)


def _shown(path: str) -> str:
    """``path`` as reports can hold it: a name that is not UTF-8 (legal on Linux, and in git)
    reaches Python with its bytes as surrogates, which no UTF-8 output can write; they are
    shown as ``\\xe9`` escapes."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def _unresolved(declarations: Sequence[Declaration], had_state: bool) -> list[ReportError]:
    """One error while any declaration has no name: the run cannot be complete without it."""
    unnamed = [d for d in declarations if d.name is None]
    if not unnamed:
        return []
    first = unnamed[0]
    count = (
        "1 IAM user declaration" if len(unnamed) == 1 else f"{len(unnamed)} IAM user declarations"
    )
    advice = (
        "they are not in the given state either"
        if had_state
        else "pass --state (a state file, `terraform show -json` output or s3://bucket/key) "
        "so the state names them"
    )
    message = (
        f"{count} {UNRESOLVED}, e.g. {first.address} at "
        f"{first.file}:{first.line}: {first.unresolved_reason}; {advice}"
    )
    # One error, not one per declaration (a generated root may hold thousands), placed at
    # the first so that annotations and code scanning point somewhere.
    return [_error(first.file, message, first.line)]


def _error(
    rel_path: str, message: str, line: int | None = None, column: int | None = None
) -> ReportError:
    return ReportError(
        source=ErrorSource.TERRAFORM, message=message, file=rel_path, line=line, column=column
    )
