"""Blocks that name the user by a literal string instead of referring to its resource.

``user = "alice"`` in a policy attachment works as long as alice exists, but Terraform does not
know it depends on ``aws_iam_user.alice``: take the user block away and nothing dangles, yet
``terraform apply`` fails to delete a user that still has a policy attached (AWS answers
DeleteConflict), and the attachment is left naming nobody. So the literal is followed like a
reference: in the user's own module, a block that attaches one thing to the user goes with it
and its element goes from a shared ``users`` list; anywhere else, and wherever an ARN or a
``data "aws_iam_user"`` names the user, a person has to change it, and there is no patch.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeGuard

from iam_prune.fixes.evaluation.instances import Facts, Overlay, Tree
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.dependents import SHARED_LISTS, USER_ONLY, other_principals
from iam_prune.fixes.planning.nameinputs import NameInput, name_inputs
from iam_prune.fixes.planning.starts import removal
from iam_prune.fixes.text.edits import removed
from iam_prune.fixes.text.holding import holding, occurrences
from iam_prune.model import Declaration, FileEdit, SourceSpan
from iam_prune.terraform import scan
from iam_prune.terraform.references import attributes, block_name, directory_of
from iam_prune.terraform.syntax import (
    Attribute,
    Block,
    Call,
    Conditional,
    Expr,
    ForExpr,
    Literal,
    ObjectExpr,
    ParsedFile,
    TupleExpr,
)


@dataclass(frozen=True)
class Mention:
    """A literal mention that cannot simply go with the user: where, and what it is."""

    span: SourceSpan
    text: str


@dataclass(frozen=True)
class Literals:
    """What the literal mentions of one user take: edits that go with the user, and mentions
    that a person has to look at (unless the change removes their block anyway)."""

    edits: tuple[FileEdit, ...] = ()
    mentions: tuple[Mention, ...] = ()
    #: Variables that are the user's name, read by its block alone (``nameinputs``).
    inputs: tuple[NameInput, ...] = ()

    def with_start(self, start: Sequence[FileEdit]) -> tuple[FileEdit, ...]:
        """The edits that go with a change starting with ``start``: the literal mentions'
        edits, and the variables naming the user when ``start`` takes its block away."""
        found = [*self.edits]
        for named in self.inputs:
            if removed(named.owner, start):
                found += named.edits
        return tuple(e for e in dict.fromkeys(found) if e not in start)

    def problems(self, edits: Sequence[FileEdit]) -> list[str]:
        """The mentions the change ``edits`` leave in place."""
        return list(dict.fromkeys(m.text for m in self.mentions if not removed(m.span, edits)))


# Where a string can name an IAM user for Terraform: the argument of a resource or module
# that takes a user, and the values that feed one (a collection keyed over, a local, a
# variable's default, a module's input).
_USER_ARGUMENTS = {"user", "users", "user_name", "username"}
_FEEDING_BLOCKS = {"locals", "variable", "module"}


def literals(workspace: Workspace, decl: Declaration, others: Sequence[Declaration]) -> Literals:
    """The literal mentions of ``decl``'s user in every known Terraform file; ``others`` are
    every declaration, so that a folder declaring its own user of that name (another account's)
    keeps its mentions."""
    name = decl.name
    if not name:
        return Literals()
    theirs = {d.module_dir for d in others if d.name == name and d != decl}
    edits: list[FileEdit] = []
    mentions: list[Mention] = []
    for path, block in _blocks(workspace, name):
        directory = directory_of(block.span.file)
        if _within(block.span, decl) or (directory in theirs and directory != decl.module_dir):
            continue
        found = _in_block(block, name, decl, here=directory == decl.module_dir)
        edits += found.edits
        where = f"{path}:{block.span.line}: `{block_name(block)}`"
        mentions += [Mention(block.span, f"{where} {text}") for text in found.texts]
        mentions += [Mention(span, f"{where} {_FEEDS.format(name=name)}") for span in found.written]
        mentions += [
            Mention(span, f"{path}:{span.line}: `{label}` {_FEEDS.format(name=name)}")
            for span, label in found.entries
        ]
    return Literals(tuple(edits), tuple(mentions), name_inputs(workspace, decl))


@dataclass
class _Found:
    edits: list[FileEdit]
    texts: list[str]
    #: ``locals`` entries that feed a user argument, each with its name (``local.x``): their
    #: mentions go when the entry does.
    entries: list[tuple[SourceSpan, str]] = field(default_factory=list)
    #: The strings a resource writes where they can reach a user argument (its ``for_each``):
    #: each mention goes when its string does (an instance keyed by it goes with the user).
    written: list[SourceSpan] = field(default_factory=list)


def _in_block(block: Block, name: str, decl: Declaration, *, here: bool) -> _Found:
    found = _Found([], [])
    kind = block.labels[0] if block.block_type == "resource" and block.labels else ""
    if kind in USER_ONLY and _is(block.attribute(USER_ONLY[kind]), name):
        if here:
            found.edits.append(removal(block.span))
        else:
            found.texts.append(f"names the user `{name}` as a literal string")
        return found
    shared = block.attribute(SHARED_LISTS[kind]) if kind in SHARED_LISTS else None
    elements = [e for e in (shared.elements if shared else ()) if _is_literal(e.value, name)]
    if shared is not None and elements and here:
        if len(elements) == len(shared.elements) and not other_principals(block):
            found.edits.append(removal(block.span))  # no user left: AWS refuses it empty
        else:
            found.edits.extend(removal(e.span) for e in elements)
        return found
    if elements:
        found.texts.append(f"lists the user `{name}` as a literal string")
        return found
    reads_user = block.block_type == "data" and block.labels[:1] == ("aws_iam_user",)
    if reads_user and _is(block.attribute("user_name"), name):
        found.texts.append(
            f"reads the user `{name}`, which would fail once it is gone; remove it, and what "
            "reads it, by hand"
        )
        return found
    arn = re.compile(rf":user/(?:[\w+=,.@-]+/)*{re.escape(name)}(?![\w+=,.@-])")
    if any(arn.search(a.expression_text) for a in attributes(block)):
        found.texts.append(f"names the user `{name}` in an ARN; change it by hand")
    else:
        feeding = _feeding(block, name, decl)
        overridden = _default_elements(block, name, decl) if here else []
        if overridden and all(a.name == "default" for a in feeding):
            found.edits.extend(removal(span) for span in overridden)
        elif feeding and block.block_type == "locals":
            found.entries += [(a.span, f"local.{a.name}") for a in feeding]
        elif feeding and block.block_type in ("resource", "import"):
            found.written += [
                n.span
                for a in feeding
                for n in _names_of(a.value)
                if _is_literal(n, name) and not _is_key_of(n, decl)
            ]
        elif feeding:
            found.texts.append(_FEEDS.format(name=name))
    return found


_FEEDS = (
    "writes the string `{name}` where it can reach a user argument (a collection, a local, a "
    "module input), naming the user without referring to it; change it by hand"
)


def _feeding(block: Block, name: str, decl: Declaration) -> list[Attribute]:
    """The attributes of the block that write the user's name as a string where it can name a
    user: as an argument that takes a user, or as a whole value, list element or map key of
    what a block is keyed over or of a value that feeds others (not the key that makes the
    user itself, and not a value nested deeper, like a ``manager`` field that ends up in
    tags)."""
    found = []
    for attribute in attributes(block):
        keyed = attribute.name in ("for_each", "count") or attribute.name in _USER_ARGUMENTS
        if not (keyed or block.block_type in _FEEDING_BLOCKS):
            continue
        if any(
            _is_literal(n, name) and not _is_key_of(n, decl) for n in _names_of(attribute.value)
        ):
            found.append(attribute)
    return found


def _default_elements(block: Block, name: str, decl: Declaration) -> list[SourceSpan]:
    """The elements (or map entries) of a variable's literal ``default`` that are the user's
    name, when the user's key comes from elsewhere: a ``terraform.tfvars`` or ``-var-file``
    list overriding the default, the common layout. They go with the user, so the default
    does not bring it back once the file stops setting the variable. Where the default is
    still read (a module call without that argument), the planner's evaluation of the edited
    configuration sees what else the edit destroys, and refuses then."""
    if block.block_type != "variable":
        return []
    default = block.attribute("default")
    if default is None:
        return []
    value = default.value
    if isinstance(value, TupleExpr):
        spans = [e.span for e in value.elements if _is_literal(e.value, name)]
        keys = [e.value for e in value.elements if _is_literal(e.value, name)]
    elif isinstance(value, ObjectExpr):
        spans = [e.span for e in value.entries if _is_literal(e.key_expr, name)]
        keys = [e.key_expr for e in value.entries if _is_literal(e.key_expr, name)]
    else:
        return []
    return [] if any(_is_key_of(k, decl) for k in keys) else spans


_COLLECTING = ("toset", "tolist", "concat", "distinct", "flatten", "compact", "sort", "keys")


def _names_of(value: Expr) -> Iterator[Expr]:
    """The values that can come out of ``value`` as one name: itself, either branch of a
    condition, the elements of a list (through ``toset(...)`` and the like), the keys of a
    map."""
    yield value
    if isinstance(value, TupleExpr):
        for element in value.elements:
            yield from _names_of(element.value)
    elif isinstance(value, ObjectExpr):
        yield from (entry.key_expr for entry in value.entries)
    elif isinstance(value, Call) and value.name in _COLLECTING:
        for argument in value.args:
            yield from _names_of(argument)
    elif isinstance(value, ForExpr):
        yield from _names_of(value.collection)
    elif isinstance(value, Conditional):
        yield from _names_of(value.if_true)
        yield from _names_of(value.if_false)


def _is_key_of(node: Literal, decl: Declaration) -> bool:
    key = decl.key_span
    return key is not None and key.file == node.span.file and key.start <= node.span.start < key.end


def _blocks(workspace: Workspace, name: str) -> Iterator[tuple[str, Block]]:
    """The blocks of the files that can name ``name`` in a string (the workspace's index of
    them, built once): a block can only mention the user literally where its text does."""
    for path in workspace.may_name(name):
        if not scan.is_config_file(path):
            continue
        parsed = workspace.parsed(path)
        if isinstance(parsed, ParsedFile):
            for block in _writing(parsed.blocks, workspace.text(path), name, path):
                yield path, block


def _writing(blocks: Sequence[Block], text: str | None, name: str, path: str) -> list[Block]:
    """Those of an HCL file's ``blocks`` whose text holds ``name``. Whatever names the user
    (a string, a bare map key, an ARN) has the name in its text, but for a ``\\u`` escape:
    a file with one, and a ``.tf.json`` file, has all its blocks read."""
    if text is None or path.endswith(".json") or "\\u" in text or "\\U" in text:
        return list(blocks)
    return holding(blocks, occurrences(text, name))


def _within(span: SourceSpan, decl: Declaration) -> bool:
    """Whether the block is the user's own (its resource block, or its module call)."""
    own = [decl.span, *decl.module_calls]
    return any(span.file == o.file and o.start <= span.start and span.end <= o.end for o in own)


def _is(attribute: Attribute | None, name: str) -> bool:
    return attribute is not None and _is_literal(attribute.value, name)


def _is_literal(value: object, name: str) -> TypeGuard[Literal]:
    return isinstance(value, Literal) and value.value == name


def named_by_value(before: Sequence[Tree], after: Sequence[Tree], wanted: set[str]) -> list[str]:
    """A note (file:line) for every resource that attaches something to a removed user by its
    name and is still there after the change: its user argument evaluates to the name, however
    it was written (``local.team.lead``, ``each.key`` over a list of names, a module input, a
    template). Terraform would keep it and fail to delete the user."""
    found: list[str] = []
    for old, new in zip(before, after, strict=True):
        given = (_argument(old.instances[a], "name") for a in wanted if a in old.instances)
        names = {name for name in given if name is not None}
        if not names:
            continue
        for address, facts in _candidates(old, new, names):
            kind = facts.config.split(".")[0] if facts.kind == "resource" else ""
            argument = USER_ONLY.get(kind) or SHARED_LISTS.get(kind)
            value = _argument(facts, argument) if argument else None
            if value is None:
                continue
            named = [n for n in names if value == n or (kind in SHARED_LISTS and n in value)]
            if named:
                kept = old.instances.get(address, facts).block
                where = f"{kept.file}:{kept.line}" if kept is not None else "its block"
                found.append(
                    f"{where}: `{address}` names the user `{ast.literal_eval(named[0])}` by its "
                    "name, not by reference, and stays; change it by hand"
                )
    return found


@dataclass(frozen=True)
class _Naming:
    """The instances of a tree that attach something to a user, by the evaluated user
    argument (those with a list of users apart), and every address's place in the tree."""

    by_value: dict[str, list[str]]
    lists: list[str]
    order: dict[str, int]


def naming(tree: Tree) -> _Naming:
    """The index of ``tree``'s instances by the user they name, built once per tree."""
    walked = tree.walked
    known = walked.indexes.get("naming") if walked is not None else None
    if isinstance(known, _Naming):
        return known
    by_value: dict[str, list[str]] = {}
    lists: list[str] = []
    order: dict[str, int] = {}
    for n, (address, facts) in enumerate(tree.instances.items()):
        order[address] = n
        kind = facts.config.split(".")[0] if facts.kind == "resource" else ""
        if kind in SHARED_LISTS:
            lists.append(address)
        elif kind in USER_ONLY and (value := _argument(facts, USER_ONLY[kind])) is not None:
            by_value.setdefault(value, []).append(address)
    found = _Naming(by_value, lists, order)
    if walked is not None:
        walked.indexes["naming"] = found
    return found


def _candidates(old: Tree, new: Tree, names: set[str]) -> Iterable[tuple[str, Facts]]:
    """The instances of ``new`` that can name one of ``names`` (repr-quoted), in tree order.
    An edited tree is read where it differs from ``old``; elsewhere the index of ``old`` says
    which instances hold one of the names."""
    instances = new.instances
    if not (isinstance(instances, Overlay) and instances.base is old.instances):
        return instances.items()
    index = naming(old)
    changes = instances.changes
    chosen = {a for n in names for a in index.by_value.get(n, ()) if a not in changes}
    chosen.update(a for a in index.lists if a not in changes)
    chosen.update(a for a, facts in changes.items() if facts is not None)
    last = len(index.order)
    added = {a: last + n for n, a in enumerate(changes)}
    ranked = sorted(chosen, key=lambda a: index.order.get(a, added.get(a, last)))
    return [(a, instances[a]) for a in ranked]


def _argument(facts: Facts, name: str) -> str | None:
    """The evaluated argument ``name`` of an instance, as ``repr`` writes it (``'alice'``)."""
    arguments = facts.fingerprint[0] if facts.fingerprint else ()
    if not isinstance(arguments, tuple):
        return None
    for pair in arguments:
        if isinstance(pair, tuple) and len(pair) == 2 and pair[0] == name:
            value = pair[1]
            return value if isinstance(value, str) else None
    return None
