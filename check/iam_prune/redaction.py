"""Sensitive values out of the diffs that reports show.

A patch shows three lines of context around what it removes, and what it removes may itself
be a secret: a ``variable "bob_temp_password" { default = "…", sensitive = true }`` next to a
user block ends up in the terminal, the JSON, JUnit, the pull-request comment and the job
summary. Every finding's patch is therefore shown with such values replaced, on removed and
context lines alike (and on an added line that repeats one): the values of variables and
outputs marked ``sensitive = true``, the ``.tfvars`` values of such variables, and the
attributes the AWS provider marks sensitive. ``Report.combined_patch`` (what ``iam-prune fix``
writes, and ``fix --dry-run`` prints for ``git apply``) stays exact.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from iam_prune.model import Finding, Report, SourceSpan, TerraformModel
from iam_prune.terraform import cache, scan
from iam_prune.terraform.syntax import Block, Literal, ParsedFile

HIDDEN = "(sensitive value hidden)"

#: Attributes the AWS provider marks sensitive, by resource type.
PROVIDER_SENSITIVE: dict[str, frozenset[str]] = {
    "aws_iam_access_key": frozenset({"secret", "ses_smtp_password_v4", "encrypted_secret"}),
    "aws_iam_user_login_profile": frozenset({"password", "encrypted_password"}),
    "aws_iam_service_specific_credential": frozenset({"service_password"}),
}
#: Where a block marked ``sensitive = true`` keeps its value.
_VALUE_OF = {"variable": "default", "output": "value"}
_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")


def redact(report: Report, model: TerraformModel, *, use_cache: bool = True) -> Report:
    """``report`` with every finding's patch redacted; the combined patch untouched."""
    patched = [f for f in report.findings if f.remediation and f.remediation.patch]
    if not patched:
        return report
    files = sorted({path for f in patched for path in _files_of(_patch(f))})
    secrets = _Secrets.of(files, model, use_cache)
    if not secrets.spans:
        return report

    def redacted(finding: Finding) -> Finding:
        remediation = finding.remediation
        if remediation is None or not remediation.patch:
            return finding
        return replace(
            finding, remediation=replace(remediation, patch=secrets.hide(remediation.patch))
        )

    accounts = tuple(
        replace(account, findings=tuple(redacted(f) for f in account.findings))
        for account in report.accounts
    )
    return replace(report, accounts=accounts)


def _patch(finding: Finding) -> str:
    assert finding.remediation is not None and finding.remediation.patch is not None
    return finding.remediation.patch


def _files_of(patch: str) -> Iterator[str]:
    for line in patch.splitlines():
        if line.startswith("--- a/"):
            yield line[len("--- a/") :]


@dataclass(frozen=True)
class _Secrets:
    """Per file, the character ranges of sensitive values in the text the scan read."""

    texts: dict[str, str]
    spans: dict[str, tuple[tuple[int, int], ...]]
    #: Per file with secrets, worked out once: where each line starts, and its hidden lines.
    _layouts: dict[str, _Layout] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, files: Sequence[str], model: TerraformModel, use_cache: bool) -> _Secrets:
        texts = dict(model.sources)
        wanted = [(path, texts[path]) for path in files if path in texts]
        # A .tfvars value is sensitive when its variable is: read the folder's declarations.
        folders = {posixpath.dirname(path) for path, _ in wanted if _is_vars(path)}
        for path, text in model.sources:
            if posixpath.dirname(path) in folders and scan.is_config_file(path):
                wanted.append((path, text))
        wanted = list(dict.fromkeys(wanted))
        known = {p: f for p, f in model.parsed.items() if isinstance(f, ParsedFile)}
        missing = [(path, text) for path, text in wanted if path not in known]
        fresh = iter(cache.parse_all(missing, use_cache=use_cache))
        outcomes = [known[path] if path in known else next(fresh) for path, _ in wanted]
        parsed = [p for p in outcomes if isinstance(p, ParsedFile)]
        hidden_variables: dict[str, set[str]] = {}
        for file in parsed:
            for block in file.blocks:
                if block.block_type == "variable" and _marked(block) and block.labels:
                    hidden_variables.setdefault(posixpath.dirname(file.path), set()).add(
                        block.labels[0]
                    )
        spans: dict[str, tuple[tuple[int, int], ...]] = {}
        for file in parsed:
            if file.path not in files:
                continue
            found = [(s.start, s.end) for s in _sensitive(file, hidden_variables)]
            if found:
                spans[file.path] = tuple(sorted(found))
        return cls(texts=texts, spans=spans)

    def hide(self, patch: str) -> str:
        out: list[str] = []
        path: str | None = None
        old = 0
        hidden_lines: dict[str, str] = {}
        for line in patch.splitlines(keepends=True):
            if line.startswith("--- a/"):
                path = line[len("--- a/") :].rstrip("\n")
                hidden_lines = self._hidden_lines(path)
            elif (match := _HUNK.match(line)) is not None:
                old = int(match.group(1))
            elif line[:1] in (" ", "-") and path is not None and not line.startswith("---"):
                out.append(line[0] + self._line(path, old, line[1:]))  # a line of the old text
                old += 1
                continue
            elif line.startswith("+") and not line.startswith("+++"):
                out.append("+" + hidden_lines.get(line[1:], line[1:]))
                continue
            out.append(line)
        return "".join(out)

    def _line(self, path: str, number: int, content: str) -> str:
        """Line ``number`` (1-based) of ``path``, as shown, with its sensitive parts hidden."""
        layout = self._layout(path)
        if layout is None or not 0 < number <= len(layout.starts):
            return content
        start = layout.starts[number - 1]
        end = start + len(content.rstrip("\n"))
        return _hide_in(content, start, end, self.spans[path])

    def _hidden_lines(self, path: str) -> dict[str, str]:
        layout = self._layout(path)
        return {} if layout is None else layout.hidden

    def _layout(self, path: str) -> _Layout | None:
        """``None`` for a file without secrets: most patches touch none, and their lines are
        shown as they are without looking at the file again."""
        text = self.texts.get(path)
        spans = self.spans.get(path)
        if text is None or not spans:
            return None
        if path not in self._layouts:
            self._layouts[path] = _Layout.of(text, spans)
        return self._layouts[path]


@dataclass(frozen=True)
class _Layout:
    """Where each line of a file starts, and every whole line that holds a secret mapped to
    its redacted form: an added line that repeats one (a block moved or rewritten) is hidden
    the same way."""

    starts: tuple[int, ...]
    hidden: dict[str, str]

    @classmethod
    def of(cls, text: str, spans: tuple[tuple[int, int], ...]) -> _Layout:
        starts: list[int] = []
        hidden: dict[str, str] = {}
        offset = 0
        for content in text.splitlines(keepends=True):
            starts.append(offset)
            end = offset + len(content.rstrip("\n"))
            if any(s < end and e > offset for s, e in spans):
                hidden[content] = _hide_in(content, offset, end, spans)
            offset += len(content)
        return cls(tuple(starts), hidden)


def _hide_in(content: str, start: int, end: int, spans: Iterable[tuple[int, int]]) -> str:
    """``content`` (the text at ``start``..``end`` of its file) with each overlapping span's
    part replaced by :data:`HIDDEN`, once per span."""
    pieces = []
    cursor = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, cursor), min(e, end)
        if s < cursor:
            continue
        pieces.append(content[cursor - start : s - start])
        pieces.append(HIDDEN)
        cursor = e
    if not pieces:
        return content
    return "".join(pieces) + content[cursor - start :]


def _sensitive(file: ParsedFile, hidden_variables: dict[str, set[str]]) -> Iterator[SourceSpan]:
    if _is_vars(file.path):
        names = hidden_variables.get(posixpath.dirname(file.path), set())
        yield from (a.value_span for a in file.attributes if a.name in names)
        return
    for block in file.blocks:
        yield from _sensitive_in(block)


def _sensitive_in(block: Block) -> Iterator[SourceSpan]:
    value = _VALUE_OF.get(block.block_type)
    if value is not None and _marked(block):
        attribute = block.attribute(value)
        if attribute is not None:
            yield attribute.value_span
    if block.block_type == "resource" and block.labels:
        names = PROVIDER_SENSITIVE.get(block.labels[0], frozenset())
        yield from (a.value_span for a in block.attributes if a.name in names)


def _marked(block: Block) -> bool:
    flag = block.attribute("sensitive")
    return flag is not None and isinstance(flag.value, Literal) and flag.value.value is True


def _is_vars(path: str) -> bool:
    return path.endswith((".tfvars", ".tfvars.json"))
