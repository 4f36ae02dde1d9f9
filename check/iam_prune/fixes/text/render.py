"""Edits as a fix states them, turned into the new text of each file.

A fix says *what* goes: a block, an attribute, a list element, an object entry, a ``.tf.json``
member, each by the exact range the parser gave it (a ``FileEdit`` with no replacement), plus
plain replacements and insertions. How much text each removal takes along depends on its
neighbours, and several fixes may remove neighbours of one another (two users of the same
list), so the ranges are worked out here, for all the removals in a file at once:

* a block or attribute goes with its lines and the comments written for it (``edits``);
* list elements and object entries go as ``elements`` says, per list;
* a ``locals`` block whose every value goes, goes too; in ``.tf.json``, an object of blocks
  that becomes empty (``"aws_iam_user": {}``) goes with its member, up to the top.

Replacements pass through unchanged and must not overlap a removal.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from iam_prune.fixes.text.datalists import flow_removal
from iam_prune.fixes.text.edits import apply_edits, merge_removals, removal_range
from iam_prune.fixes.text.elements import Container, Range, removal_ranges
from iam_prune.fixes.text.layout import realign
from iam_prune.fixes.text.parsed import parse_text
from iam_prune.fixes.text.syntaxwalk import children
from iam_prune.model import FileEdit, SourceSpan
from iam_prune.terraform.dataorigins import whole_lines
from iam_prune.terraform.jsonsyntax import JsonSyntaxError, JsonValue, scan
from iam_prune.terraform.scan import is_data_file
from iam_prune.terraform.syntax import (
    Attribute,
    Block,
    Expr,
    ListElement,
    ObjectEntry,
    ObjectExpr,
    ParsedFile,
    ParseError,
    Template,
    TupleExpr,
)

# In `.tf.json`, how many levels of member names are block labels under each block type.
_JSON_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "locals": 1}


class RenderError(ValueError):
    """An edit that does not match anything the file's parser sees, or edits that collide."""


Parser = Callable[[str, str], ParsedFile | ParseError]


def render(path: str, text: str, edits: Sequence[FileEdit], parse: Parser = parse_text) -> str:
    """``text`` after every edit for ``path`` in ``edits``; ``parse`` reads ``text`` (a
    workspace passes the parse it holds already)."""
    if is_data_file(path) and not path.endswith(".json"):  # whole lines of a users list
        return _render_data(path, text, edits)
    removals = sorted({(e.start, e.end) for e in edits if not e.replacement and e.start < e.end})
    others = [e for e in edits if e.replacement or e.start == e.end]
    index = _json_units(text) if path.endswith(".json") else _hcl_units(path, text, parse, removals)
    ranges = index.ranges(text, removals)
    merged = merge_removals(text, [FileEdit(path, s, e) for s, e in _outermost(ranges)])
    try:
        result = apply_edits(text, [*merged, *others])
    except ValueError as error:
        message = _collision(path, text, [*merged, *others]) or f"{path}: {error}"
        raise RenderError(message) from error
    if path.endswith(".json"):
        return result
    return realign(text, result, [*merged, *others])


def _data_edit(path: str, text: str, edit: FileEdit) -> FileEdit:
    """A removal in a data file: whole lines as they are, an inline entry with its comma."""
    if edit.replacement or whole_lines(text, edit.start, edit.end):
        return edit
    widened = flow_removal(text, edit.start, edit.end)
    if widened is None:
        line = text.count("\n", 0, edit.start) + 1
        raise RenderError(
            f"{path}:{line}: `{text[edit.start : edit.end]}` is written among other "
            "entries on its line; remove it there by hand"
        )
    return FileEdit(path, *widened)


def _render_data(path: str, text: str, edits: Sequence[FileEdit]) -> str:
    """``text`` after the edits of a YAML or tfvars-like data file, applied from the end of the
    file backwards.

    How much an inline entry takes along (the comma after it, or before it when it is the last)
    depends on which of its neighbours are still there, so each one is worked out on the text
    as the removals after it left it: ``[bea, cal, dov]`` without ``cal`` and ``dov`` is
    ``[bea]``, where ranges worked out independently and joined leave ``[bea, ]``. Going
    backwards keeps every edit still to apply at its original position.
    """
    ordered = sorted(set(edits), key=lambda e: (e.start, e.end))
    collision = _collision(path, text, ordered)
    if collision:
        raise RenderError(collision)
    result = text
    for edit in reversed(ordered):
        widened = _data_edit(path, result, edit)
        result = result[: widened.start] + widened.replacement + result[widened.end :]
    return result


def render_all(
    texts: Mapping[str, str], edits: Sequence[FileEdit], parse: Parser = parse_text
) -> dict[str, str]:
    """The new text of every file ``edits`` touch."""
    by_file: dict[str, list[FileEdit]] = {}
    for edit in edits:
        by_file.setdefault(edit.file, []).append(edit)
    rendered: dict[str, str] = {}
    for path, file_edits in sorted(by_file.items()):
        if path not in texts:
            raise RenderError(f"no source text for {path}")
        rendered[path] = render(path, texts[path], file_edits, parse)
    return rendered


def _collision(path: str, text: str, edits: Sequence[FileEdit]) -> str | None:
    """One sentence naming where two of ``edits`` overlap (``file:line``), if two do."""
    ordered = sorted(set(edits), key=lambda e: (e.start, e.end))
    for previous, current in itertools.pairwise(ordered):
        same_range = (previous.start, previous.end) == (current.start, current.end)
        if current.start < previous.end or same_range:
            first, second = _lines(text, previous), _lines(text, current)
            return f"overlapping edits at {path}:{first} and {path}:{second} change the same text"
    return None


def _lines(text: str, edit: FileEdit) -> str:
    first = text.count("\n", 0, edit.start) + 1
    last = text.count("\n", 0, max(edit.start, edit.end - 1)) + 1
    return str(first) if last == first else f"{first}-{last}"


def _outermost(ranges: Sequence[Range]) -> list[Range]:
    """The ranges not inside another one (an element of a block that goes anyway)."""
    kept: list[Range] = []
    for start, end in sorted(set(ranges), key=lambda r: (r[0], -r[1])):
        if kept and start >= kept[-1][0] and end <= kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


# --------------------------------------------------------------------------- units


@dataclass
class _Units:
    """What each removable range of a file is: a block, an attribute of a holder, or an
    element of a container; ``parents`` (JSON) the member that holds a container."""

    blocks: set[Range] = field(default_factory=set)
    holders: dict[Range, tuple[Range, ...]] = field(default_factory=dict)
    attributes: dict[Range, Range | None] = field(default_factory=dict)
    containers: dict[Range, Container] = field(default_factory=dict)
    elements: dict[Range, tuple[Range, int]] = field(default_factory=dict)
    cascade: dict[Range, Range] = field(default_factory=dict)

    def ranges(self, text: str, removals: Sequence[Range]) -> list[Range]:
        chosen: dict[Range, set[int]] = {}
        blocks: set[Range] = set()
        attributes: list[Range] = []
        for unit in removals:
            if unit in self.blocks:
                blocks.add(unit)
            elif unit in self.attributes:
                attributes.append(unit)
            elif unit in self.elements:
                container, position = self.elements[unit]
                chosen.setdefault(container, set()).add(position)
            else:
                line = text.count("\n", 0, unit[0]) + 1
                raise RenderError(f"line {line}: the edit matches no block, attribute or element")
        blocks |= self._emptied_holders(attributes)
        blocks |= self._emptied_json(chosen)
        ranges = [removal_range(text, *unit) for unit in blocks]
        ranges += [removal_range(text, *unit) for unit in attributes]
        for container, positions in chosen.items():
            ranges += removal_ranges(text, self.containers[container], positions)
        return ranges

    def _emptied_holders(self, attributes: Sequence[Range]) -> set[Range]:
        by_holder: dict[Range, set[Range]] = {}
        for unit in attributes:
            holder = self.attributes[unit]
            if holder is not None:
                by_holder.setdefault(holder, set()).add(unit)
        return {h for h, gone in by_holder.items() if gone >= set(self.holders[h])}

    def _emptied_json(self, chosen: dict[Range, set[int]]) -> set[Range]:
        """Members whose object of blocks loses every member (repeated upwards)."""
        emptied: set[Range] = set()
        pending = list(chosen)
        while pending:
            container = pending.pop()
            member = self.cascade.get(container)
            everything = set(range(len(self.containers[container].elements)))
            if member is None or chosen.get(container, set()) < everything:
                continue
            emptied.add(member)
            parent, position = self.elements[member]
            chosen.setdefault(parent, set()).add(position)
            pending.append(parent)
        return emptied


def _hcl_units(path: str, text: str, parse: Parser, removals: Sequence[Range]) -> _Units:
    """The units of the top-level blocks and attributes that hold one of ``removals``: a
    removal is a unit of the item it lies in, so the rest of a big file is not walked."""
    parsed = parse(path, text)
    if isinstance(parsed, ParseError):
        raise RenderError(str(parsed))
    units = _Units()
    blocks, attributes = _holding(parsed.blocks, removals), _holding(parsed.attributes, removals)
    for block in blocks:
        units.blocks.add(_range(block.span))
        _hcl_block(units, block, top=True)
    for attribute in attributes:
        units.attributes[_range(attribute.span)] = None
        _hcl_value(units, attribute.value)
    return units


_Item = TypeVar("_Item", Block, Attribute)


def _holding(items: Sequence[_Item], removals: Sequence[Range]) -> list[_Item]:
    """Those of ``items`` (in source order, none inside another) that hold a removal, once
    each, in source order."""
    found: dict[int, _Item] = {}
    for start, end in removals:
        at = bisect.bisect_right(items, start, key=lambda item: item.span.start) - 1
        if at >= 0 and items[at].span.end >= end:
            found.setdefault(at, items[at])
    return [found[at] for at in sorted(found)]


def _hcl_block(units: _Units, block: Block, *, top: bool) -> None:
    holder = _range(block.span) if top and block.block_type == "locals" else None
    if holder is not None:
        units.holders[holder] = tuple(_range(a.span) for a in block.attributes)
    for attribute in block.attributes:
        units.attributes[_range(attribute.span)] = holder
        _hcl_value(units, attribute.value)
    for nested in block.blocks:
        _hcl_block(units, nested, top=False)


def _hcl_value(units: _Units, value: Expr) -> None:
    """Every list and object literal in ``value``, wherever it is (``toset(["a", "b"])``)."""
    if isinstance(value, TupleExpr | ObjectExpr):
        parts: Sequence[ListElement | ObjectEntry] = (
            value.elements if isinstance(value, TupleExpr) else value.entries
        )
        ranges = tuple(_range(part.span) for part in parts)
        key = _range(value.span)
        units.containers[key] = Container(key[0], key[1] - 1, ranges)
        for position, part in enumerate(parts):
            units.elements[ranges[position]] = (key, position)
            _hcl_value(units, part.value)
        return
    if isinstance(value, Template):  # a heredoc's expressions carry the heredoc's range
        return
    for inner in children(value):
        _hcl_value(units, inner)


def _range(span: SourceSpan) -> Range:
    return span.start, span.end


def _json_units(text: str) -> _Units:
    try:
        document = scan(text)
    except JsonSyntaxError as error:
        raise RenderError(error.message) from error
    units = _Units()
    for value, keys, member in _json_containers(document, (), None):
        key = (value.start, value.end)
        parts = [(m.start, m.end) for m in value.members] or [(i.start, i.end) for i in value.items]
        units.containers[key] = Container(value.start, value.end - 1, tuple(parts))
        for position, part in enumerate(parts):
            units.elements[part] = (key, position)
        labels = _JSON_LABELS.get(keys[0], 0) if keys else 0
        if member is not None and len(keys) <= labels:
            units.cascade[key] = member
    return units


def _json_containers(
    value: JsonValue, keys: tuple[str, ...], member: Range | None
) -> Iterator[tuple[JsonValue, tuple[str, ...], Range | None]]:
    """Every object and array in the document, with the member names leading to it and the
    range of the member it is the value of (``None`` for the top level and array items)."""
    if value.kind not in ("object", "array"):
        return
    yield value, keys, member
    for inner in value.members:
        yield from _json_containers(inner.value, (*keys, inner.key), (inner.start, inner.end))
    for item in value.items:
        yield from _json_containers(item, keys, None)
