"""Where the entries of a decoded data file are written: the lines a fix removes.

``for_each = toset(yamldecode(file("users.yaml")).users)`` keys each user by a line of
``users.yaml``. That line is the user's key as much as an element of a ``.tf`` list is, so a
decoded value keeps, for each list item and map entry, the whole lines it takes when nothing
else shares them (a block-style ``- omar # on call`` item, a ``omar:`` entry with its nested
lines, a CSV record): removing them removes exactly that entry and keeps the file's format and
its other comments. An entry written inline with others (``users: [a, b]``) keeps just its own
characters (:func:`whole_lines` says which is which): a fix takes it out with its comma
(:mod:`iam_prune.fixes.text.datalists`), or a note names it with its line.

Origins are only worked out for a text ``file()`` read (a :class:`DataText`, which knows its
path); a string built in the code decodes without them.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

import yaml

from iam_prune.model import SourceSpan
from iam_prune.terraform.jsonsyntax import JsonSyntaxError, JsonValue, scan
from iam_prune.terraform.values import Obj, Origin, Seq, Value


class DataText(str):
    """The text of a repository file as ``file()`` returns it, knowing its path
    (repository-relative, ``/``-separated); any operation on it gives a plain ``str``."""

    file: str

    def __new__(cls, text: str, file: str) -> DataText:
        made = super().__new__(cls, text)
        made.file = file
        return made


def whole_lines(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is whole lines: an entry a fix may take away as it is."""
    at_start = start == 0 or text[start - 1] == "\n"
    return at_start and (end == len(text) or text[end - 1] == "\n")


def with_yaml_origins(value: Value, text: DataText) -> Value:
    """``value`` (``text`` decoded) with the lines of its entries as origins."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return value
    return _attach(value, node, _Lines(text))


def with_json_origins(value: Value, text: DataText) -> Value:
    """``value`` (``text`` decoded) with the range of each array item and object member (a
    fix takes one away with its comma, as in a ``.tf.json`` file)."""
    try:
        document = scan(text)
    except JsonSyntaxError:
        return value
    return _attach_json(value, document, _Lines(text))


def _attach_json(value: Value, node: JsonValue, lines: _Lines) -> Value:
    if isinstance(value, Seq) and node.kind == "array" and len(node.items) == len(value.items):
        items = tuple(
            _attach_json(v, n, lines) for v, n in zip(value.items, node.items, strict=True)
        )
        return Seq(value.kind, items, tuple(lines.span(n.start, n.end) for n in node.items))
    if isinstance(value, Obj) and node.kind == "object":
        by_key = {m.key: m for m in node.members}
        if len(by_key) != len(node.members) or set(by_key) != set(value.keys):
            return value
        items = tuple(_attach_json(v, by_key[k].value, lines) for k, v, _ in value.entries())
        origins = tuple(lines.span(by_key[k].start, by_key[k].end) for k in value.keys)
        return Obj(value.kind, value.keys, items, origins)
    return value


def with_csv_origins(value: Value, text: DataText) -> Value:
    """``value`` (``text`` decoded: a list of records) with each record's line as its origin,
    when every record is one line (no quoted line breaks)."""
    lines = _Lines(text)
    records = [n for n in range(len(lines.starts)) if lines.line_text(n).strip()]
    if not isinstance(value, Seq) or len(records) != len(value.items) + 1:
        return value
    origins = [lines.whole(n, n) for n in records[1:]]
    return Seq(value.kind, value.items, tuple(origins))


def _attach(value: Value, node: Any, lines: _Lines) -> Value:
    if isinstance(value, Seq) and isinstance(node, yaml.SequenceNode):
        if len(node.value) != len(value.items):
            return value
        items = tuple(_attach(v, n, lines) for v, n in zip(value.items, node.value, strict=True))
        origins = tuple(lines.item(n) for n in node.value)
        return Seq(value.kind, items, origins)
    if isinstance(value, Obj) and isinstance(node, yaml.MappingNode):
        by_key = {str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        if len(by_key) != len(value.keys) or set(by_key) != set(value.keys):
            return value
        items = tuple(
            _attach(v, by_key[k][1], lines) for k, v in zip(value.keys, value.items, strict=True)
        )
        origins = tuple(lines.entry(*by_key[k]) for k in value.keys)
        return Obj(value.kind, value.keys, items, origins)
    return value


class _Lines:
    """A text's lines: where each starts, and whether a range of them holds one entry alone."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(i + 1 for i, c in enumerate(text) if c == "\n")]

    def line_text(self, line: int) -> str:
        """Line ``line`` (0-based) without its line break."""
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[line] : end]

    def whole(self, first: int, last: int) -> SourceSpan | None:
        """Lines ``first`` to ``last`` (0-based) with their line breaks."""
        if not isinstance(self.text, DataText):
            return None
        end = self.starts[last + 1] if last + 1 < len(self.starts) else len(self.text)
        return SourceSpan(self.text.file, self.starts[first], end, first + 1, last + 1)

    def span(self, start: int, end: int) -> SourceSpan | None:
        """The characters ``[start, end)``."""
        if not isinstance(self.text, DataText):
            return None
        first = bisect_right(self.starts, start)
        last = bisect_right(self.starts, max(start, end - 1))
        return SourceSpan(self.text.file, start, end, first, last)

    def item(self, node: Any) -> Origin:
        """A block sequence item: ``- `` then the item, alone on its lines."""
        start = node.start_mark
        before = self.line_text(start.line)[: start.column].strip()
        if before != "-":
            return self._inline(node, node)
        return self._through(start.line, node) or self._inline(node, node)

    def entry(self, key: Any, value: Any) -> Origin:
        """A block mapping entry: the key first on its line, its value ending the lines."""
        start = key.start_mark
        if self.line_text(start.line)[: start.column].strip():
            return self._inline(key, value)  # inline, or the first entry of an item
        return self._through(start.line, value) or self._inline(key, value)

    def _inline(self, first: Any, last: Any) -> Origin:
        """Where an entry written among others is: a fix does not edit it (it is not lines
        of its own), but a note names it."""
        return self.span(first.start_mark.index, _last(last).end_mark.index)

    def _through(self, first: int, node: Any) -> Origin:
        """From line ``first`` (with the comment lines right above it, which speak of it) to
        the line ``node`` ends on, when nothing but a comment follows it there."""
        end = _last(node).end_mark
        rest = self.line_text(end.line)[end.column :].strip()
        if rest and not rest.startswith("#"):
            return None
        while first > 0 and self.line_text(first - 1).strip().startswith("#"):
            first -= 1
        return self.whole(first, end.line)


def _last(node: Any) -> Any:
    """The innermost last node of a block collection: where its text ends (a block
    collection's own end is the next token, possibly lines further on)."""
    while isinstance(node, yaml.CollectionNode) and node.value and node.flow_style is not True:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node
