"""Where a module's code refers to a resource, a data source, a module call or a local value.

Retiring a user is more than deleting its block: whatever names ``aws_iam_user.bob`` would be
left pointing at nothing, and Terraform refuses to plan. This finds every such reference in the
parsed files of one module directory, with the smallest unit a fix could take away with it (the
list element or object entry it sits in, else the whole attribute), and what each directory
declares, so that a reference can be checked against what is still there after an edit.

It reads syntax only: nothing is evaluated. Iteration variables of ``for`` expressions are not
references; a template the reader does not model (``%{...}`` directives) is searched as text,
so that a reference inside one is still found. The loader uses it to list the references to
each user resource and to the module calls leading to one (``TerraformModel.references``);
the fixes use it on edited texts, to find what an edit would leave dangling.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from iam_prune.model import Declaration, Reference, SourceSpan
from iam_prune.terraform.addresses import without_keys
from iam_prune.terraform.syntax import (
    Attribute,
    Block,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    Name,
    ObjectExpr,
    Operation,
    ParsedFile,
    ParseError,
    Splat,
    Template,
    TupleExpr,
    Unsupported,
)

# Roots that never name something a fix removes: iteration values, the module's own context
# and its input variables.
_NOT_ADDRESSES = {"each", "count", "self", "path", "terraform", "var"}
_WIDTH = {"data": 2, "module": 1, "local": 1}
_NOTHING: Mapping[str, SourceSpan] = MappingProxyType({})
# Blocks with one label, and the prefix their address has.
_LABELLED = {"module": "module", "variable": "var", "output": "output"}
# Text fallback for syntax the reader does not model: `type.name`, optionally `["key"]`/`[0]`.
_TEXT_REFERENCE = re.compile(
    r"(?<![\w.-])([a-z][\w-]*)\.([a-zA-Z_][\w-]*)(?:\.([a-zA-Z_][\w-]*))?"
    r'(?:\s*\[\s*(?:\\?"((?:[^"\\]|\\.)*)\\?"|(\d+))\s*\])?'
)


@dataclass(frozen=True)
class Traversal:
    """One reference as written, e.g. ``aws_iam_user.dev["eli"].name``.

    ``address`` is what it names in its module: ``aws_iam_user.dev``, ``data.x.y``,
    ``module.team`` or ``local.names`` (never ``var.*``: a fix removes no variable, and a
    variable always resolves). ``key`` is the literal instance key
    right after it (``"eli"``, ``0``) and ``indexed`` says whether any index or splat follows
    it at all (``aws_iam_user.dev[each.key]`` is indexed without a literal key).
    ``attribute`` is the first attribute after the address and key (``name``; for a module,
    the output's name).
    """

    address: str
    key: str | int | None
    indexed: bool
    attribute: str | None
    span: SourceSpan
    #: ``[*]`` (or ``.*``) right after the address: every instance, whichever there are.
    splat: bool = False
    #: For ``[for name in L : aws_iam_user.x[name]]``: where ``L`` is written. A key drawn from
    #: the collection the resource is keyed by names an instance whatever that holds.
    key_from: SourceSpan | None = None

    @property
    def kind(self) -> str:
        """``resource``, ``data``, ``module`` or ``local``."""
        head = self.address.split(".", 1)[0]
        return head if head in _WIDTH else "resource"


@dataclass(frozen=True)
class Use:
    """A traversal in its place: the top-level block, the attribute holding it (``path`` names
    it through nested blocks, ``("statement", "principals", "identifiers")``), and ``unit``, the
    element or entry of that attribute's value that contains it (``element``), else the
    attribute."""

    traversal: Traversal
    block: Block
    path: tuple[str, ...]
    attribute: Attribute
    unit: SourceSpan
    element: bool

    @property
    def block_name(self) -> str:
        return block_name(self.block)

    @property
    def nested(self) -> bool:
        """Whether the attribute sits in a nested block rather than in the block itself."""
        return len(self.path) > 1


def block_name(block: Block) -> str:
    """How a block is named in messages and in ``Reference.block``: ``aws_iam_user_policy.bob``
    for a resource, ``data.x.y``, ``module.x``, ``output.x``, or the block type (``locals``)."""
    if block.block_type == "resource" and len(block.labels) == 2:
        return ".".join(block.labels)
    if block.labels:
        return ".".join((block.block_type, *block.labels))
    return block.block_type


def declared(files: Iterable[ParsedFile]) -> set[str]:
    """Every address a module directory declares: resources (``type.name``), ``data.t.n``,
    ``module.x``, ``local.x``, ``var.x`` and ``output.x``."""
    names: set[str] = set()
    for parsed in files:
        names.update(declares(parsed))
    return names


def declares(parsed: ParsedFile) -> Iterator[str]:
    """The addresses one file declares, a name once per block that declares it."""
    for block in parsed.blocks:
        yield from _declares(block)


def _declares(block: Block) -> Iterator[str]:
    return (name for name, _ in declarations(block))


def declarations(block: Block) -> Iterator[tuple[str, SourceSpan]]:
    """The addresses one top-level block declares, each with the text that declares it: the
    block, or for ``locals`` each of its attributes."""
    kind, labels = block.block_type, block.labels
    if kind == "resource" and len(labels) == 2:
        yield ".".join(labels), block.span
    elif kind == "data" and len(labels) == 2:
        yield "data." + ".".join(labels), block.span
    elif kind in _LABELLED and len(labels) == 1:
        yield f"{_LABELLED[kind]}.{labels[0]}", block.span
    elif kind == "locals":
        yield from ((f"local.{attribute.name}", attribute.span) for attribute in block.attributes)


def uses(parsed: ParsedFile, text: str) -> Iterator[Use]:
    """Every reference in the blocks of one parsed file, in source order; ``text`` is the file's
    text (a template the reader does not model is searched in it)."""
    for block in parsed.blocks:
        yield from block_uses(block, text)


def block_uses(block: Block, text: str) -> Iterator[Use]:
    """Every reference in one top-level block, in source order."""
    for attribute, path in _attributes(block, ()):
        yield from _in_attribute(block, attribute, path, text)


def attributes(block: Block) -> Iterator[Attribute]:
    """A block's attributes, then those of its nested blocks (``lifecycle``, ``statement``)."""
    return (attribute for attribute, _ in _attributes(block, ()))


def _attributes(block: Block, path: tuple[str, ...]) -> Iterator[tuple[Attribute, tuple[str, ...]]]:
    """A block's attributes, then those of its nested blocks, each with its path."""
    for attribute in block.attributes:
        yield attribute, (*path, attribute.name)
    for nested in block.blocks:
        yield from _attributes(nested, (*path, nested.block_type))


def _in_attribute(
    block: Block, attribute: Attribute, path: tuple[str, ...], text: str
) -> Iterator[Use]:
    units: list[tuple[SourceSpan, tuple[Expr, ...]]] = [
        (e.span, (e.value,)) for e in attribute.elements
    ]
    # A computed key (`(aws_iam_user.bob.name) = "r2"`) refers as much as the value does.
    units += [
        (e.span, (e.value,) if e.key is not None else (e.key_expr, e.value))
        for e in attribute.entries
    ]
    if not units:
        for traversal in traversals(attribute.value, text):
            yield Use(traversal, block, path, attribute, attribute.span, element=False)
        return
    for span, values in units:
        for value in values:
            for traversal in traversals(value, text):
                yield Use(traversal, block, path, attribute, span, element=True)


def traversals(
    expr: Expr,
    text: str = "",
    bound: frozenset[str] = frozenset(),
    over: Mapping[str, SourceSpan] = _NOTHING,
) -> Iterator[Traversal]:
    """The references in ``expr``, outermost first; names in ``bound`` are ``for`` variables,
    and ``over`` says which of them walk the values of which collection. ``text`` is the file's
    text, searched where the reader left syntax ``Unsupported``."""
    if isinstance(expr, Name | GetAttr | Index | Splat):
        root, steps = _steps(expr)
        if isinstance(root, Name):
            found = _traversal(root.name, steps, expr.span, bound, over)
            if found is not None:
                yield found
        else:
            yield from traversals(root, text, bound, over)
        for step in steps:
            if step is not None and not isinstance(step, str):
                yield from traversals(step, text, bound, over)
    elif isinstance(expr, Template):
        for part in expr.parts:
            if not isinstance(part, str):
                yield from traversals(part, text, bound, over)
    elif isinstance(expr, Call):
        for arg in expr.args:
            yield from traversals(arg, text, bound, over)
    elif isinstance(expr, TupleExpr):
        for element in expr.elements:
            yield from traversals(element.value, text, bound, over)
    elif isinstance(expr, ObjectExpr):
        for entry in expr.entries:
            if entry.key is None:
                yield from traversals(entry.key_expr, text, bound, over)
            yield from traversals(entry.value, text, bound, over)
    elif isinstance(expr, ForExpr):
        yield from traversals(expr.collection, text, bound, over)
        inner = bound | {expr.value_var} | ({expr.key_var} if expr.key_var else set())
        walks = {k: v for k, v in over.items() if k not in inner}
        if expr.key_var is None:
            walks[expr.value_var] = expr.collection.span
        for clause in (expr.key, expr.value, expr.condition):
            if clause is not None:
                yield from traversals(clause, text, frozenset(inner), walks)
    elif isinstance(expr, Conditional):
        for part in (expr.condition, expr.if_true, expr.if_false):
            yield from traversals(part, text, bound, over)
    elif isinstance(expr, Operation):
        for operand in expr.operands:
            yield from traversals(operand, text, bound, over)
    elif isinstance(expr, Unsupported) and text:
        yield from _in_text(text[expr.span.start : expr.span.end], expr.span, bound)


Step = str | Expr | None  # an attribute name, an index key, or a splat


def _steps(expr: Expr) -> tuple[Expr, list[Step]]:
    """The innermost expression of a traversal and the steps applied to it, in order."""
    steps: list[Step] = []
    node = expr
    while isinstance(node, GetAttr | Index | Splat):
        if isinstance(node, GetAttr):
            steps.append(node.name)
        elif isinstance(node, Index):
            steps.append(node.key)
        else:
            steps.extend(reversed(node.steps))
            steps.append(None)
        node = node.target
    steps.reverse()
    return node, steps


def _traversal(
    root: str,
    steps: list[Step],
    span: SourceSpan,
    bound: frozenset[str],
    over: Mapping[str, SourceSpan],
) -> Traversal | None:
    if root in bound or root in _NOT_ADDRESSES:
        return None
    width = _WIDTH.get(root, 1)
    names = steps[:width]
    if len(names) < width or not all(isinstance(step, str) for step in names):
        return None
    address = ".".join(str(part) for part in (root, *names))
    rest = steps[width:]
    if root == "local":
        return Traversal(address, None, False, None, span)
    indexed = bool(rest) and not isinstance(rest[0], str)
    key: str | int | None = None
    first = rest[0] if indexed else None
    if isinstance(first, Literal) and isinstance(first.value, str | int):
        key = None if isinstance(first.value, bool) else first.value
    after = rest[1:] if indexed else rest
    attribute = after[0] if after and isinstance(after[0], str) else None
    walked = over.get(first.name) if isinstance(first, Name) else None
    return Traversal(address, key, indexed, attribute, span, indexed and first is None, walked)


def _in_text(fragment: str, span: SourceSpan, bound: frozenset[str]) -> Iterator[Traversal]:
    for match in _TEXT_REFERENCE.finditer(fragment):
        head, first, second, quoted, number = match.groups()
        if head in bound or head in _NOT_ADDRESSES:
            continue
        if head == "data":
            if second is None:
                continue
            address, attribute = f"data.{first}.{second}", None
        else:
            address, attribute = f"{head}.{first}", second
        key: str | int | None = int(number) if number is not None else quoted
        if head == "local":
            attribute, key = None, None
        yield Traversal(address, key, key is not None, attribute, span)


# --------------------------------------------------------------------------- the model's view


def references_to(
    files: Iterable[tuple[ParsedFile, str]], module_dir: str, targets: set[str]
) -> list[Reference]:
    """The ``Reference`` of every use of an address in ``targets`` (``aws_iam_user.bob``,
    ``module.team``) in one module directory's ``(parsed file, text)`` pairs."""
    found: list[Reference] = []
    for parsed, text in files:
        for use in uses(parsed, text):
            if use.traversal.address not in targets:
                continue
            reference = Reference(
                target=use.traversal.address,
                module_dir=module_dir,
                block=use.block_name,
                block_span=use.block.span,
                attribute=".".join(use.path),
                span=use.unit,
                element=use.element,
            )
            if reference not in found:
                found.append(reference)
    return found


Parser = Callable[[Sequence[tuple[str, str]]], Sequence[ParsedFile | ParseError]]


def of_declarations(
    declarations: Iterable[Declaration], sources: Iterable[tuple[str, str]], parse: Parser
) -> tuple[Reference, ...]:
    """Every reference to the user resources of ``declarations`` and to the module calls that
    lead to them, in the files of ``sources`` (path, text) of the directory each one is in.

    Only files whose text names a target at all are parsed (``parse`` takes a batch of
    ``(path, text)`` and returns parse results in order), so this stays cheap on big trees.
    """
    wanted: dict[str, set[str]] = {}
    for decl in declarations:
        labels = config_labels(decl.address)
        calls = list(zip(labels.modules, decl.module_calls, strict=False))
        if decl.span not in decl.module_calls:
            wanted.setdefault(decl.module_dir, set()).add(labels.resource)
        for label, call in calls:
            wanted.setdefault(directory_of(call.file), set()).add(f"module.{label}")
    if not wanted:
        return ()
    heads = sorted({target.split(".", 1)[0] for targets in wanted.values() for target in targets})
    # One pass per text: the words ``head.name`` in it, against the targets of its directory
    # (a search per target made a root of thousands of files cost files x users).
    words = re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, heads))})\.[\w-]+")
    # Every match holds ``head.``: a substring search runs at C speed, while a pattern that
    # opens with a lookbehind makes ``re`` try every position of every text.
    needles = tuple(f"{head}." for head in heads)
    batch = [
        (path, text)
        for path, text in sources
        if (targets := wanted.get(directory_of(path)))
        and any(needle in text for needle in needles)
        and not targets.isdisjoint(words.findall(text))
    ]
    found: list[Reference] = []
    for (path, text), parsed in zip(batch, parse(batch), strict=True):
        if isinstance(parsed, ParsedFile):
            directory = directory_of(path)
            found.extend(references_to([(parsed, text)], directory, wanted[directory]))
    return tuple(found)


@dataclass(frozen=True)
class ConfigLabels:
    """The labels of an instance address: its module calls, outermost first, and its resource
    (``module.a["x"].module.b.aws_iam_user.c[0]`` → ``("a", "b")``, ``aws_iam_user.c``)."""

    modules: tuple[str, ...]
    resource: str


def config_labels(address: str) -> ConfigLabels:
    parts = without_keys(address).split(".")
    modules = tuple(parts[i + 1] for i in range(0, len(parts) - 2, 2) if parts[i] == "module")
    return ConfigLabels(modules, ".".join(parts[-2:]))


def directory_of(path: str) -> str:
    """The module directory of a repository-relative file, as the model writes it (``.`` for
    the repository root)."""
    return posixpath.dirname(path) or "."
