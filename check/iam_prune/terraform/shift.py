"""Syntax nodes copied with every span in them moved: the blocks after an edit, taken over
from the original parse at their new place.

Every candidate change to a big file moves every block after it, so this is the one step of
``reparse`` that follows the file rather than the change. A moved top-level block is
therefore moved lazily: its own span now, what it holds (attributes, nested blocks) the first
time it is read. Most of a big file's blocks after an edit are only looked at by kind, name
and place (which units changed, which instances to evaluate again), and those cost a few
assignments each. A lazily moved block is a ``Block`` in every way that is read: its fields,
equality and hash are those of the same block parsed in place, and it pickles as one.

What is moved eagerly (a block's contents, top-level attributes) is copied by a function per
kind of node, written out once per kind the way ``dataclasses`` writes ``__init__``: it reads
each field, moves a span in place, leaves a name or number as it is and only calls further
for a nested node. Fields are set straight on a new instance (the nodes are frozen
dataclasses; ``__init__`` per node was most of the cost); a kind with a ``__post_init__`` is
built through its constructor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from iam_prune.model import SourceSpan
from iam_prune.terraform.syntax import Attribute, Block

_Node = TypeVar("_Node")

#: Values that hold no span: kept as they are.
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None)})

_Copier = Callable[[Any, int, int], Any]
_COPIERS: dict[type, _Copier | None] = {}


def shifted(node: _Node, by: int, lines: int) -> _Node:
    """``node`` with every span in it ``by`` characters and ``lines`` lines further on; a
    block's contents are moved when first read."""
    if by == 0 and lines == 0:
        return node
    if isinstance(node, Block):
        moved: _Node = _Moved.of(node, by, lines)  # type: ignore[assignment]
    else:
        moved = _shift(node, by, lines)
    return moved


def moved_from(block: Block) -> Block | None:
    """The block of the original parse ``block`` is a moved copy of, if it is one."""
    return block._origin if isinstance(block, _Moved) else None


class _Moved(Block):
    """A block of the original parse at another place: its span moved at once, its
    attributes and nested blocks when first read."""

    __slots__ = ("_by", "_held", "_lines", "_origin")
    _origin: Block
    _by: int
    _lines: int
    _held: tuple[tuple[Attribute, ...], tuple[Block, ...]] | None

    @staticmethod
    def of(block: Block, by: int, lines: int) -> _Moved:
        if isinstance(block, _Moved):  # moved again: from the original, by both moves
            again = block
            block, by, lines = again._origin, again._by + by, again._lines + lines
        span = block.span
        moved_span = _new(SourceSpan)
        _file(moved_span, span.file)
        _start(moved_span, span.start + by)
        _end(moved_span, span.end + by)
        _line(moved_span, span.line + lines)
        _end_line(moved_span, span.end_line + lines)
        made = _new(_Moved)
        _block_type(made, block.block_type)
        _labels(made, block.labels)
        _block_span(made, moved_span)
        _origin(made, block)
        _by(made, by)
        _lines(made, lines)
        _held(made, None)
        return made

    def _contents(self) -> tuple[tuple[Attribute, ...], tuple[Block, ...]]:
        held = self._held
        if held is None:
            origin, by, lines = self._origin, self._by, self._lines
            held = (_shift(origin.attributes, by, lines), _shift(origin.blocks, by, lines))
            object.__setattr__(self, "_held", held)  # the same value however often computed
        return held

    @property
    def attributes(self) -> tuple[Attribute, ...]:
        return self._contents()[0]

    @property
    def blocks(self) -> tuple[Block, ...]:
        return self._contents()[1]

    def _fields(self) -> tuple[object, ...]:
        return (self.block_type, self.labels, self.span, self.attributes, self.blocks)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Block):
            return NotImplemented
        fields = (other.block_type, other.labels, other.span, other.attributes, other.blocks)
        return self._fields() == fields

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return repr(Block(*self._fields()))  # type: ignore[arg-type]

    def __reduce__(self) -> tuple[type[Block], tuple[object, ...]]:
        return Block, self._fields()


def _slot(kind: type, name: str) -> Callable[[object, object], None]:
    """The setter of a slot of ``kind`` (a frozen dataclass): a moved block is made for every
    block after every candidate edit, and a slot's own setter is the quickest way in."""
    setter: Callable[[object, object], None] = next(
        vars(k)[name] for k in kind.__mro__ if name in vars(k)
    ).__set__
    return setter


_new = object.__new__
_file, _start, _end, _line, _end_line = (
    _slot(SourceSpan, name) for name in ("file", "start", "end", "line", "end_line")
)
_block_type, _labels, _block_span, _origin, _by, _lines, _held = (
    _slot(_Moved, name)
    for name in ("block_type", "labels", "span", "_origin", "_by", "_lines", "_held")
)


def _shift(node: Any, by: int, lines: int) -> Any:
    kind = type(node)
    if kind in _PLAIN:
        return node
    if kind is _Moved:
        return _Moved.of(node, by, lines)
    if kind is SourceSpan:
        return SourceSpan(
            node.file, node.start + by, node.end + by, node.line + lines, node.end_line + lines
        )
    if kind is tuple:
        return tuple([_shift(part, by, lines) for part in node])
    if kind in _COPIERS:
        copier = _COPIERS[kind]
    else:
        copier = _COPIERS[kind] = _copier(kind)
    return node if copier is None else copier(node, by, lines)


def _copier(kind: type) -> _Copier | None:
    """The copying function of ``kind``; ``None`` for a value that holds no span."""
    if not dataclasses.is_dataclass(kind):
        return None
    names = [field.name for field in dataclasses.fields(kind)]
    body = ["def copy(node, by, lines):"]
    for n, name in enumerate(names):
        body += [
            f"    v{n} = node.{name}",
            f"    t = type(v{n})",
            "    if t is Span:",
            f"        v{n} = Span(v{n}.file, v{n}.start + by, v{n}.end + by, "
            f"v{n}.line + lines, v{n}.end_line + lines)",
            "    elif t not in plain:",
            f"        v{n} = shift(v{n}, by, lines)",
        ]
    if hasattr(kind, "__post_init__"):
        body.append(f"    return kind({', '.join(f'v{n}' for n in range(len(names)))})")
    else:
        body.append("    made = new(kind)")
        body += [f"    put(made, {name!r}, v{n})" for n, name in enumerate(names)]
        body.append("    return made")
    scope: dict[str, Any] = {
        "Span": SourceSpan,
        "plain": _PLAIN,
        "shift": _shift,
        "kind": kind,
        "new": object.__new__,
        "put": object.__setattr__,
    }
    exec("\n".join(body), scope)
    copier: _Copier = scope["copy"]
    return copier
