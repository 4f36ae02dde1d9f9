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
from collections.abc import Callable, Sequence

from iam_prune.fixes.evaluation.instances import EACH_VALUE
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.edited import (
    Edited,
    edited_values,
    passed_whole,
    unread_inputs,
)
from iam_prune.fixes.planning.keywalks import aside, walked_reads
from iam_prune.fixes.text.edits import removed
from iam_prune.fixes.text.syntaxwalk import nodes, read_whole
from iam_prune.model import FileEdit, SourceSpan
from iam_prune.terraform import scan
from iam_prune.terraform.references import attributes, block_name
from iam_prune.terraform.syntax import Attribute, Block, GetAttr, Name, ParsedFile

_KEYED = ("for_each", "count")


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
    pending = edited_values(workspace, edits, roots)
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
                                pending.append(Edited(*more, None))
                    continue
                if not any(
                    edited.read_by(_walks_aside(workspace, directory, a, edited))
                    for a in attributes(block)
                ):
                    continue
                inputs = passed_whole(workspace, directory, block, edited)
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


def passed_on(workspace: Workspace, edited_values: Sequence[Edited]) -> tuple[SourceSpan, ...]:
    """The local module calls that hand a value the edits change, whole, to one of the
    module's variables (``user_names = local.ops_users``): the module is then read like the
    value's own directory (``readers`` follows it there), and the call changes as if the
    edit were in it. ``edited_values`` are :func:`~edited.all_edited`'s."""
    found: list[SourceSpan] = []
    for edited in edited_values:
        for path in workspace.files(edited.directory):
            parsed = workspace.parsed(path) if scan.is_config_file(path) else None
            if not isinstance(parsed, ParsedFile):
                continue
            for block in parsed.blocks:
                if passed_whole(workspace, edited.directory, block, edited):
                    found.append(block.span)
    return tuple(dict.fromkeys(found))


def _walks_aside(workspace: Workspace, directory: str, attribute: Attribute, edited: Edited) -> str:
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
