"""Who else reads a collection a fix edits.

Taking a key out of a variable's default, a ``locals`` entry or a ``.tfvars`` value changes that
value for everything that reads it, not just for the user keyed off it: another resource naming
a bucket after its first element, a module given the whole list, a ``for`` expression over it.
Evaluation shows many such changes, but not those it cannot compute (a module iam-prune cannot
read, values known only after apply), so the readers are found in the text as well. The only
readers a fix may leave alone are blocks keyed off the collection (their ``for_each`` or
``count`` reads it: the instances for the removed key go, which the evaluation checks) whose
body reads nothing of it but their own element, the variable's own block (its validation), a
block reading only other keys of an object, a root module's output reading the value whole,
and blocks the fix removes whole. A ``locals`` entry that reads it changes too, and so do its
readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from iam_prune.fixes.evaluation.instances import EACH_VALUE
from iam_prune.fixes.evaluation.workspace import Workspace, joined
from iam_prune.fixes.planning.keywalks import aside, walked_reads
from iam_prune.fixes.text.edits import inside, removed
from iam_prune.fixes.text.holding import holding as blocks_holding
from iam_prune.fixes.text.syntaxwalk import nodes, read_whole
from iam_prune.model import FileEdit, SourceSpan
from iam_prune.terraform import scan
from iam_prune.terraform.moduleconfig import is_local_source, source_of
from iam_prune.terraform.references import attributes, block_name, directory_of
from iam_prune.terraform.syntax import Attribute, Block, GetAttr, Name, ParsedFile
from iam_prune.terraform.walk import CALL_META

_KEYED = ("for_each", "count")


@dataclass(frozen=True)
class _Edited:
    """A value the edits change: ``var.x`` or ``local.x`` in a module directory, and, when
    all they do is take entries out of its object, the keys of those entries (``None``: it
    changes in other ways, a list element, say, which shifts every index after it)."""

    directory: str
    name: str
    removed: frozenset[str] | None

    @property
    def pattern(self) -> re.Pattern[str]:
        """Where the value is read, with the key read from it right after, if any."""
        return re.compile(
            rf"(?<![\w.-]){re.escape(self.name)}(?![\w-])"
            r'(?:\s*\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\.([A-Za-z_][\w-]*))?'
        )

    def read_by(self, text: str) -> bool:
        """Whether ``text`` reads what changes: the value, or a key taken away from it. Another
        entry of an object read by its literal key stays what it was."""
        return any(
            self.removed is None or not key or key in self.removed for key in self._keys(text)
        )

    def _keys(self, text: str) -> Iterator[str | None]:
        """For each read, the literal key read from it right after: ``None`` for the whole
        value, ``""`` for a key or position iam-prune cannot read (``[var.k]``, a template)."""
        for match in self.pattern.finditer(text):
            key = match[1] if match[1] is not None else match[2]
            if key is not None and ("${" in key or "%{" in key):
                key = ""  # a template: any key, the removed one too
            if key is None and re.match(r"\s*\[", text[match.end() :]):
                key = ""  # `[var.k]`, `[0]`: a computed key or a position
            yield key


def readers(
    workspace: Workspace,
    edits: Sequence[FileEdit],
    roots: Sequence[str],
    evaluated: Callable[[str, Block, Callable[[str], bool]], bool] = lambda *_: False,
    unlisted: Callable[[str, Block], bool] = lambda *_: False,
) -> list[str]:
    """A note (file:line) for every block that reads a value the edits change, other than the
    blocks keyed off it whose instances the evaluation lists (``unlisted`` names those it
    could not: what goes of them is unknown), the outputs of a root module (``terraform
    plan`` lists their new values, and nothing in the configuration reads them), and the
    blocks that ``evaluated`` says the evaluation of the change sees whole (its checks hold
    them to what they may lose)."""
    pending = _edited(workspace, edits, roots)
    seen = {(e.directory, e.name) for e in pending}
    called = workspace.called_directories() if pending else set()
    found = unread_inputs(workspace, edits)
    while pending:
        edited = pending.pop(0)
        directory, name = edited.directory, edited.name
        for path in workspace.files(directory):
            if not scan.is_config_file(path):
                continue
            parsed = workspace.parsed(path)
            if not isinstance(parsed, ParsedFile):
                continue
            for block in parsed.blocks:
                if removed(block.span, edits):
                    continue
                if _is_own_variable(block, name):
                    if block.attribute("validation") is not None:  # JSON: not evaluated
                        note = (
                            f"{path}:{block.span.line}: the `validation` of `{name}` reads the "
                            "value this removal changes; it may fail on the new value"
                        )
                        if note not in found:
                            found.append(note)
                    continue
                if _root_output(block, directory, roots, called) and _reads_whole(
                    block, name, listed=edited.removed is None
                ):
                    continue
                if block.block_type == "locals":
                    for attribute in block.attributes:
                        if edited.read_by(attribute.expression_text) and not removed(
                            attribute.span, edits
                        ):
                            more = (directory, f"local.{attribute.name}")
                            if more not in seen:
                                seen.add(more)
                                pending.append(_Edited(*more, None))
                    continue
                if not any(
                    edited.read_by(_walks_aside(workspace, directory, a, edited))
                    for a in attributes(block)
                ):
                    continue
                inputs = _passed_whole(workspace, directory, block, edited)
                for passed in inputs.values():
                    if (passed.directory, passed.name) not in seen:
                        seen.add((passed.directory, passed.name))
                        pending.append(passed)
                rest = [a for a in attributes(block) if a.name not in inputs]
                if inputs and not any(edited.read_by(a.expression_text) for a in rest):
                    continue  # what the module does with the value is checked in the module
                meta = [a for a in block.attributes if a.name in _KEYED]
                keyed = any(edited.read_by(a.expression_text) for a in meta)
                body = [a for a in attributes(block) if not any(a is m for m in meta)]
                if (
                    keyed
                    and block.block_type in ("resource", "module")
                    and not any(edited.read_by(_own_element_aside(a, name)) for a in body)
                ):
                    if unlisted(directory, block):
                        note = (
                            f"{path}:{block.span.line}: `{block_name(block)}` is keyed by "
                            f"`{name}`, which this removal changes, and its instances cannot be "
                            "listed from the code, so what goes of them is unknown"
                        )
                        if note not in found:
                            found.append(note)
                    continue
                if keyed and block.block_type == "data" and not _reads_element(body, name):
                    continue  # a data source is not evaluated: only one that ignores it
                if evaluated(directory, block, edited.read_by):
                    continue
                note = (
                    f"{path}:{block.span.line}: `{block_name(block)}` reads `{name}`, which "
                    "this removal changes; it would change too"
                )
                if note not in found:
                    found.append(note)
    return found


def passed_on(
    workspace: Workspace, edits: Sequence[FileEdit], roots: Sequence[str]
) -> tuple[SourceSpan, ...]:
    """The local module calls that hand a value the edits change, whole, to one of the
    module's variables (``user_names = local.ops_users``): the module is then read like the
    value's own directory (``readers`` follows it there), and the call changes as if the
    edit were in it."""
    found: list[SourceSpan] = []
    for edited in all_edited(workspace, edits, roots):
        for path in workspace.files(edited.directory):
            parsed = workspace.parsed(path) if scan.is_config_file(path) else None
            if not isinstance(parsed, ParsedFile):
                continue
            for block in parsed.blocks:
                if _passed_whole(workspace, edited.directory, block, edited):
                    found.append(block.span)
    return tuple(dict.fromkeys(found))


def all_edited(
    workspace: Workspace, edits: Sequence[FileEdit], roots: Sequence[str]
) -> list[_Edited]:
    """The values the edits change, and the module variables they are passed to whole, and
    the locals that read any of them."""
    pending = _edited(workspace, edits, roots)
    seen = {(e.directory, e.name) for e in pending}
    found: list[_Edited] = []
    while pending:
        edited = pending.pop(0)
        found.append(edited)
        for path in workspace.files(edited.directory):
            parsed = workspace.parsed(path) if scan.is_config_file(path) else None
            if not isinstance(parsed, ParsedFile):
                continue
            for block in parsed.blocks:
                more = list(_passed_whole(workspace, edited.directory, block, edited).values())
                if block.block_type == "locals":
                    more += [
                        _Edited(edited.directory, f"local.{a.name}", None)
                        for a in block.attributes
                        if edited.read_by(a.expression_text)
                    ]
                for item in more:
                    if (item.directory, item.name) not in seen:
                        seen.add((item.directory, item.name))
                        pending.append(item)
    return found


def _passed_whole(
    workspace: Workspace, directory: str, block: Block, edited: _Edited
) -> dict[str, _Edited]:
    """The arguments of a local module call that are the edited value exactly, each as the
    module variable it sets (in the module's directory, with the same keys removed)."""
    target = _module_directory(workspace, directory, block)
    if target is None:
        return {}
    declared = {
        variable.labels[0]
        for parsed in workspace.config_files(target)
        for variable in parsed.blocks
        if variable.block_type == "variable" and len(variable.labels) == 1
    }
    return {
        a.name: _Edited(target, f"var.{a.name}", edited.removed)
        for a in block.attributes
        if a.name in declared and " ".join(a.expression_text.split()) == edited.name
    }


def _module_directory(workspace: Workspace, directory: str, block: Block) -> str | None:
    """The directory of the local module a ``module`` block calls, when its texts are known."""
    if block.block_type != "module" or not block.labels:
        return None
    source = source_of(block)
    if source is None or not is_local_source(source):
        return None
    target = joined(directory, source)
    return target if workspace.knows(target) else None


def unread_inputs(workspace: Workspace, edits: Sequence[FileEdit]) -> list[str]:
    """A note (file:line) for every input of a module call the edits change (an element taken
    out of ``group_users = [...]``) whose module iam-prune cannot read: a registry module, one
    not in the repository. What it makes of the value is unknown, so it is a person's call."""
    found: list[str] = []
    for edit in edits:
        parsed = workspace.parsed(edit.file) if scan.is_config_file(edit.file) else None
        if not isinstance(parsed, ParsedFile):
            continue
        directory = directory_of(edit.file)
        for block in blocks_holding(parsed.blocks, [(edit.start, edit.end)]):
            if block.block_type != "module" or removed(block.span, (edit,)):
                continue
            if _module_directory(workspace, directory, block) is not None:
                continue
            for attribute in _inputs_edited(block, edit):
                note = (
                    f"{edit.file}:{attribute.span.line}: `{block_name(block)}` is given "
                    f"`{attribute.name}`, which this removal changes, and iam-prune cannot read "
                    f"its module (`{source_of(block)}`) to see what that changes; change it by hand"
                )
                if note not in found:
                    found.append(note)
    return found


def _inputs_edited(block: Block, edit: FileEdit) -> Iterator[Attribute]:
    """The arguments of a module call that ``edit`` changes without removing them."""
    for attribute in block.attributes:
        if attribute.name in CALL_META:
            continue
        if inside(edit, attribute.span) and not removed(attribute.span, (edit,)):
            yield attribute


def _edited(workspace: Workspace, edits: Sequence[FileEdit], roots: Sequence[str]) -> list[_Edited]:
    """Every value the edits change, with the keys they take out of it when that is all."""
    removed: dict[tuple[str, str], frozenset[str] | None] = {}
    for edit in edits:
        for directory, name, attribute in _edited_names(workspace, edit, roots):
            key = _entry_key(attribute, edit)
            known = removed.get((directory, name), frozenset())
            both = None if key is None or known is None else known | {key}
            removed[(directory, name)] = both
    return [_Edited(directory, name, keys) for (directory, name), keys in removed.items()]


def _entry_key(attribute: Attribute | None, edit: FileEdit) -> str | None:
    """The key of the entry of ``attribute``'s object that ``edit`` takes away, if that is what
    it does."""
    if attribute is None or edit.replacement:
        return None
    for entry in attribute.entries:
        if (entry.span.start, entry.span.end) == (edit.start, edit.end):
            return entry.key
    return None


def _edited_names(
    workspace: Workspace, edit: FileEdit, roots: Sequence[str]
) -> Iterator[tuple[str, str, Attribute | None]]:
    """``(directory, "var.x", attribute)`` or ``(directory, "local.x", attribute)`` for a value
    the edit changes, and the attribute that writes it (not one it removes whole: what refers
    to that is left dangling, and followed)."""
    text = workspace.text(edit.file)
    if text is None:
        return
    parsed = workspace.parsed(edit.file)
    if not isinstance(parsed, ParsedFile):
        return
    directory = directory_of(edit.file)
    if not scan.is_config_file(edit.file):  # a variables file
        where = list(roots) if edit.file in workspace.var_files else [directory]
        for attribute in parsed.attributes:
            if inside(edit, attribute.span) and not removed(attribute.span, (edit,)):
                for root in where:
                    yield root, f"var.{attribute.name}", attribute
        return
    # The block the edit lies in, found by its place (HCL blocks do not overlap).
    around = [(edit.start, edit.end)]
    blocks = parsed.blocks if edit.file.endswith(".json") else blocks_holding(parsed.blocks, around)
    for block in blocks:
        if not inside(edit, block.span) or removed(block.span, (edit,)):
            continue
        if block.block_type == "variable" and block.labels:
            holding = (a for a in block.attributes if inside(edit, a.span))
            yield directory, f"var.{block.labels[0]}", next(holding, None)
        elif block.block_type == "locals":
            for attribute in block.attributes:
                if inside(edit, attribute.span) and not removed(attribute.span, (edit,)):
                    yield directory, f"local.{attribute.name}", attribute
        elif block.block_type == "module":
            # An input of a local module: the value of its variable in every instance.
            target = _module_directory(workspace, directory, block)
            if target is not None:
                for attribute in _inputs_edited(block, edit):
                    yield target, f"var.{attribute.name}", attribute


def _walks_aside(
    workspace: Workspace, directory: str, attribute: Attribute, edited: _Edited
) -> str:
    """The attribute's text without its reads of the edited object's entries by a walk over
    its own keys (``keywalks``): they never reach an entry that was taken out."""
    if edited.removed is None:
        return attribute.expression_text

    def same_keys(address: str) -> bool:
        return _for_each_of(workspace, directory, address) == edited.name

    return aside(attribute, list(walked_reads(attribute, edited.name, same_keys)))


def _for_each_of(workspace: Workspace, directory: str, address: str) -> str | None:
    """The ``for_each`` of resource ``address`` of the directory, as written, spacing aside."""
    for parsed in workspace.config_files(directory):
        for block in parsed.blocks:
            if block.block_type == "resource" and ".".join(block.labels) == address:
                setting = block.attribute("for_each")
                return None if setting is None else " ".join(setting.expression_text.split())
    return None


def _reads_element(body: Sequence[Attribute], name: str) -> bool:
    """Whether attributes read their instance's element (``each.value``, ``name[each.key]``)
    or the edited value otherwise: a keyed data source whose element changes answers
    something else, and nothing evaluates what."""
    element = re.compile(rf"{EACH_VALUE}|(?<![\w.-]){re.escape(name)}")
    return any(element.search(a.expression_text) for a in body)


def _own_element_aside(attribute: Attribute, name: str) -> str:
    """The attribute's text without its reads of its own instance's element
    (``var.x[each.key]``, ``var.x[count.index]``, ``element(var.x, count.index)``): those go,
    or follow, with the instance."""
    read = rf"(?<![\w.-]){re.escape(name)}"
    own = rf"{read}\s*\[\s*(?:each\.key|count\.index)\s*\]"
    picked = rf"(?<![\w.-])element\(\s*{read}\s*,\s*count\.index\s*\)"
    return re.sub(picked, "", re.sub(own, "", attribute.expression_text))


def _root_output(block: Block, directory: str, roots: Sequence[str], called: set[str]) -> bool:
    """An output of a root module (that no module call uses too), without a ``precondition``
    that could fail on the new value."""
    return (
        block.block_type == "output"
        and directory in roots
        and directory not in called
        and not block.blocks
    )


def _reads_whole(block: Block, name: str, listed: bool) -> bool:
    """Whether every read of ``name`` (``var.x``, ``local.x``; a list unless ``listed`` is
    false) in ``block`` takes the whole value, and nothing picks an element or entry from it
    (``keys(local.x)[2]`` would be out of range once it is shorter)."""
    head, _, tail = name.partition(".")
    for attribute in attributes(block):
        root = attribute.value
        reads = [
            n
            for n in nodes(root)
            if isinstance(n, GetAttr)
            and n.name == tail
            and isinstance(n.target, Name)
            and n.target.name == head
        ]
        if len(reads) != len(
            re.findall(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", attribute.expression_text)
        ):
            return False  # a read iam-prune cannot walk (inside a template directive)
        if not all(read_whole(root, read, listed=listed) for read in reads):
            return False
    return True


def _is_own_variable(block: Block, name: str) -> bool:
    return block.block_type == "variable" and f"var.{block.labels[0]}" == name
