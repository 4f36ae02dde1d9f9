"""The Terraform edge: read a tree of ``.tf`` files into a :class:`~iam_prune.model.TerraformModel`.

Everything python-hcl2 produces is converted here (``parse``) and never leaves this package:
the rest of the check sees only declarations, spans and file texts. A file that cannot be read
does not stop the run; it becomes a ``ReportError`` and its raw text is kept, so the
reconciler can refuse to call a user unmanaged whose declaration may sit in that file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from iam_prune.model import Declaration, ErrorSource, ReportError, TerraformModel


class TerraformError(Exception):
    """Base of every failure at the Terraform edge; ``cli.py`` turns it into a message and exit 2.

    It is raised only when nothing sensible can be reported (a directory that does not exist);
    a single unreadable file is reported as a ``ReportError`` instead.
    """


# The submodules subclass and raise TerraformError, so it has to exist before they are imported.
from . import evaluate, parse, scan  # noqa: E402

USER_RESOURCE = "aws_iam_user"


def load(dirs: Sequence[Path], root: Path) -> TerraformModel:
    """Find every ``aws_iam_user`` resource declared under ``dirs``.

    Paths in the result are relative to ``root`` (the repository root, where patches apply)
    and "/" separated; files outside ``root`` keep their absolute path. Only files whose text
    can declare a user are parsed: parsing is the slow part, and most files in a large tree
    cannot matter.
    """
    root = root.resolve()
    files = scan.find_files(dirs)
    collected = _Collected()
    for path in files:
        collected.add(_relative(path, root), path)
    return TerraformModel(
        declarations=tuple(collected.declarations),
        errors=tuple(collected.errors),
        unreadable_texts=tuple(collected.unreadable),
        sources=tuple(collected.sources),
        files_scanned=len(files),
        files_parsed=collected.parsed,
    )


def declarations_in(parsed: parse.ParsedFile, module_dir: str) -> list[Declaration]:
    """The user declarations of one parsed file, in source order."""
    return [
        _declaration(block, module_dir)
        for block in parsed.blocks
        if block.block_type == "resource" and block.labels[:1] == (USER_RESOURCE,)
    ]


@dataclass
class _Collected:
    """What ``load`` accumulates while it walks the files."""

    declarations: list[Declaration] = field(default_factory=list)
    errors: list[ReportError] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    parsed: int = 0

    def add(self, rel_path: str, path: Path) -> None:
        try:
            raw = path.read_bytes()
        except OSError as error:
            self.errors.append(_error(rel_path, f"cannot read the file: {error.strerror}"))
            return
        try:
            text = _decode(raw)
        except UnicodeDecodeError as error:
            self._add_undecodable(rel_path, raw, error)
            return
        if scan.may_declare_user(text):
            self._add_text(rel_path, text)

    def _add_undecodable(self, rel_path: str, raw: bytes, error: UnicodeDecodeError) -> None:
        # Only a file that could declare a user makes the result incomplete, as for parse errors.
        lossy = _decode(raw, errors="replace")
        if scan.may_declare_user(lossy):
            line_start = raw.rfind(b"\n", 0, error.start) + 1
            line = raw.count(b"\n", 0, line_start) + 1
            column = error.start - line_start + 1  # in bytes: characters are unknown here
            self.errors.append(_error(rel_path, "not UTF-8 text", line, column))
            self.unreadable.append((rel_path, lossy))

    def _add_text(self, rel_path: str, text: str) -> None:
        try:
            parsed = parse.parse_file(rel_path, text)
        except parse.ParseError as error:
            self.errors.append(_error(rel_path, error.message, error.line, error.column))
            self.unreadable.append((rel_path, text))
            return
        self.parsed += 1
        found = declarations_in(parsed, _module_dir(rel_path))
        if found:
            self.declarations.extend(found)
            self.sources.append((rel_path, text))


def _declaration(block: parse.Block, module_dir: str) -> Declaration:
    name = evaluate.string_attribute(block, "name")
    return Declaration(
        address=".".join(block.labels[:2]),
        name=name.value,
        span=block.span,
        expression=name.expression,
        unresolved_reason=name.reason,
        module_dir=module_dir,
    )


def _decode(raw: bytes, errors: str = "strict") -> str:
    # Universal newlines are not applied: the spans index the text exactly as it is on disk.
    return raw.decode("utf-8", errors=errors)


def _relative(path: Path, root: Path) -> str:
    # A directory outside the repository still counts for the findings; its files keep
    # their absolute paths, and patches for them are for reading rather than `git apply`.
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def _module_dir(rel_path: str) -> str:
    return str(PurePosixPath(rel_path).parent)


def _error(
    rel_path: str, message: str, line: int | None = None, column: int | None = None
) -> ReportError:
    return ReportError(
        source=ErrorSource.TERRAFORM, message=message, file=rel_path, line=line, column=column
    )
