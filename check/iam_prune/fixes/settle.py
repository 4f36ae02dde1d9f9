"""From a first edit to the whole change: follow what it leaves dangling, then check the result.

A fix starts from one edit (a user's block, its ``for_each`` key, a module call, a migration)
and grows: the edit is applied, the configuration is evaluated again, and every reference the
edit left dangling is handed to ``dependents``, which either takes more away or writes a note
for a person. That repeats until nothing new goes. Then the result is checked the way a
reviewer would want it checked before showing it: every edited file parses; no reference
resolves less than before; the users destroyed are exactly the ones meant; no user is renamed
and no ``count`` index shifts. Anything that fails turns into a reason, and a change with a
reason gets no patch.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from iam_prune.fixes.dependents import decide
from iam_prune.fixes.edits import inside
from iam_prune.fixes.filtered import filtered_like
from iam_prune.fixes.inplace import lost_in_place
from iam_prune.fixes.instances import Change, Facts, Tree, compare, tree
from iam_prune.fixes.literals import named_by_value
from iam_prune.fixes.positions import reference_node, use_read_whole
from iam_prune.fixes.readers import output_readers, passed_on, readers
from iam_prune.fixes.render import RenderError, render_all
from iam_prune.fixes.resolve import (
    Located,
    Resolver,
    covered,
    dangling,
    newly_unresolved,
    uses_by_block,
)
from iam_prune.fixes.retree import retree
from iam_prune.fixes.syntaxwalk import dotted_name, is_count_index, nodes, parent_of
from iam_prune.fixes.workspace import Workspace
from iam_prune.model import FileEdit, SourceSpan
from iam_prune.terraform.moduleconfig import USER_RESOURCE
from iam_prune.terraform.references import Traversal, Use, directory_of
from iam_prune.terraform.syntax import (
    Attribute,
    Block,
    Call,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Name,
    ParsedFile,
)

#: Rounds of "what else dangles"; each round removes something new, so real code settles in
#: two or three (a user, its key, the output of its key's secret).
MAX_ROUNDS = 12


@dataclass(frozen=True)
class Settled:
    """The whole change for one starting edit: every edit, the new texts, what evaluation says
    it does, the notes for a person, and ``problems`` that forbid a patch."""

    edits: tuple[FileEdit, ...]
    texts: dict[str, str]
    change: Change | None
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    #: References that would no longer resolve: with ``notes``, the same ones said for a person.
    dangling: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and not self.notes and not self.dangling

    @property
    def failures(self) -> tuple[str, ...]:
        """Why there is no patch, shortest first: the notes list dangling references already."""
        if self.notes:
            return (*self.problems, "it would leave the references above dangling")
        return (*self.problems, *self.dangling)


@dataclass
class Evaluation:
    """The roots of one workspace, evaluated once and reused for every candidate edit.

    An edited workspace (``base`` is the original's evaluation) is evaluated again only where
    the edit reaches: the names it rewrites and what reads them, a module instance whose
    inputs change (:mod:`iam_prune.fixes.retree`); what cannot be followed name by name (an
    edited override or variables file, module instances that come or go) is evaluated whole.
    """

    workspace: Workspace
    roots: tuple[str, ...]
    base: Evaluation | None = None
    _trees: list[Tree] | None = field(default=None, repr=False)

    @property
    def trees(self) -> list[Tree]:
        if self._trees is None:
            if self.base is None:
                self._trees = [tree(self.workspace, root) for root in self.roots]
            else:
                self._trees = [
                    retree(old, self.workspace) or tree(self.workspace, old.root)
                    for old in self.base.trees
                ]
        return self._trees

    @property
    def directories(self) -> list[str]:
        return sorted({d for t in self.trees for d in t.scopes})


def settle(
    before: Evaluation,
    start: Sequence[FileEdit],
    wanted: set[str],
    allowed: set[str],
    *,
    follow: bool = True,
) -> Settled:
    """Grow ``start`` into a whole change and check it.

    ``wanted`` are the instances the change must destroy, ``allowed`` the users it may (the
    other declarations of the same user). With ``follow`` false the edits are taken as they
    are (combining findings whose own changes are settled already), and then ``allowed`` is
    every instance the change may destroy, users or not.
    """
    edits = list(dict.fromkeys(start))
    notes: list[str] = []
    for _ in range(MAX_ROUNDS):
        outcome = _apply(before, edits)
        if isinstance(outcome, str):
            return Settled(tuple(edits), {}, None, problems=(outcome,))
        after, texts = outcome
        if not follow:
            break
        more, notes = _dependents(before, after, edits)
        if not more:
            break
        edits.extend(more)
    else:
        return Settled(tuple(edits), {}, None, problems=("the removal did not settle",))
    change = compare(before.trees, after.trees)
    broken = _dangling(before, after, texts)
    passed = passed_on(before.workspace, edits, before.roots)
    problems = _check(
        change,
        wanted,
        allowed,
        exact=not follow,
        edits=(*edits, *passed),
        in_place=lost_in_place(change, after.trees),
    )
    problems += readers(before.workspace, edits, before.roots)
    problems += output_readers(before.workspace, edits)
    problems += _protected(before.workspace, change)
    problems += _computed_keys(after.workspace, change, before.workspace)
    problems += named_by_value(before.trees, after.trees, wanted)
    return Settled(tuple(edits), texts, change, tuple(notes), tuple(problems), tuple(broken))


def _apply(
    before: Evaluation, edits: Sequence[FileEdit]
) -> tuple[Evaluation, dict[str, str]] | str:
    try:
        texts = render_all(before.workspace.texts, edits, before.workspace.parsed_text)
    except RenderError as error:
        return f"the edit could not be made: {error}"
    workspace = before.workspace.edited(texts)
    broken = workspace.broken(sorted(texts))
    if broken:
        return f"the edited file would not parse: {broken[0]}"
    return Evaluation(workspace, before.roots, base=before), texts


def _dependents(
    before: Evaluation, after: Evaluation, edits: Sequence[FileEdit]
) -> tuple[list[FileEdit], list[str]]:
    directories = sorted({*before.directories, *(directory_of(e.file) for e in edits)})
    old = Resolver(before.workspace, before.trees)
    new = Resolver(after.workspace, after.trees)
    broken = dangling(old, new, edits, directories)
    if not broken:
        return [], []
    # Every use of the blocks that hold a dangling use.
    by_block = uses_by_block(before.workspace, broken)
    dangling_keys = {_key(item) for item in broken}

    def gone(item: Located) -> bool:
        return _key(item) in dangling_keys or covered(item, edits)

    more: list[FileEdit] = []
    notes: list[str] = []
    for item in broken:
        decision = decide(item, by_block[(item.file, item.use.block.span.start)], gone)
        if decision.edit is not None and decision.edit not in edits and decision.edit not in more:
            more.append(decision.edit)
        elif decision.note is not None and decision.note not in notes:
            notes.append(decision.note)
    return more, notes


def _key(item: Located) -> tuple[str, int, int, tuple[str, ...]]:
    span = item.traversal.span
    return (item.file, span.start, span.end, item.use.path)


def _dangling(before: Evaluation, after: Evaluation, texts: dict[str, str]) -> list[str]:
    """Every reference that resolved before and does not after, however it came about."""
    directories = sorted({*before.directories, *(directory_of(f) for f in texts)})
    old = Resolver(before.workspace, before.trees)
    new = Resolver(after.workspace, after.trees)
    broken = newly_unresolved(old, new, sorted(texts), directories)
    return [
        f"a reference to `{reference}` in `{directory}/` would be left dangling"
        for directory, reference in sorted(broken)
    ]


def _check(
    change: Change,
    wanted: set[str],
    allowed: set[str],
    *,
    exact: bool,
    edits: Sequence[FileEdit | SourceSpan] = (),
    in_place: set[str] | None = None,
) -> list[str]:
    """Whether the change destroys what it should and no other user (with ``exact``, nothing
    else at all), and renames nothing.

    Nothing that is not destroyed may be made differently, unless the change edits its own
    block (an element taken out of a shared list) or the block hands the edited value whole to
    a module that is read like the value's own directory (``readers.passed_on``, among
    ``edits``): an edited collection or variable that something else reads too (another
    module's inputs, a bucket name) would change it; a shared membership may lose a user that
    goes (``in_place``, see ``inplace``). A module instance may only go with a user that is
    meant to go in it."""
    problems: list[str] = []
    inside = {d for d in allowed | wanted if any(d.startswith(o + ".") for o in change.opaque)}
    destroyed = set(change.destroyed) | inside
    positions = {_position(a, change.facts(a)) for a in wanted if a in change.destroyed}
    for address in sorted(destroyed - allowed - wanted):
        facts = change.facts(address)
        if _is_user(facts):
            problems.append(f"it would also destroy `{address}`, another IAM user")
        elif exact:
            problems.append(f"it would also destroy `{address}`, which no finding's change does")
        elif _shortened(change, address, facts) and _position(address, facts) not in positions:
            problems.append(
                f"it would also destroy `{address}` ({_where(facts)}), the last of a `count` "
                "that the removal shortens, which is not the user's"
            )
    for address in sorted(wanted - destroyed):
        problems.append(f"it would not destroy `{address}`")
    for module in sorted({*change.opaque, *change.modules}):
        if not any(a.startswith(module + ".") for a in allowed | wanted):
            problems.append(
                f"it would also destroy `{module}` ({_where(change.facts(module))}), "
                "a module instance that holds no user it retires"
            )
    for address in change.changed:
        facts = change.facts(address)
        if _is_user(facts):
            problems.append(f"it would change `{address}` in place (a renamed user keeps its keys)")
        elif address in (in_place or set()):
            continue
        elif address not in change.shifted and not _edited(facts, edits):
            problems.append(
                f"it would change `{address}` ({_where(facts)}), which reads what the "
                "removal edits; change it by hand first"
            )
    for address in change.shifted:
        problems.append(f"it would shift `{address}` onto another list element")
    return problems


def _protected(workspace: Workspace, change: Change) -> list[str]:
    """The instances the change destroys whose block says ``prevent_destroy`` (anything but a
    literal ``false``): ``terraform apply`` would stop at them."""
    found: list[str] = []
    for address in change.destroyed:
        span = change.facts(address).block
        if span is None or workspace.text(span.file) is None:
            continue
        parsed = workspace.parsed(span.file)
        if not isinstance(parsed, ParsedFile):
            continue
        block = next((b for b in parsed.blocks if b.span.start == span.start), None)
        if block is None:
            continue
        for lifecycle in (b for b in block.blocks if b.block_type == "lifecycle"):
            setting = lifecycle.attribute("prevent_destroy")
            if setting is not None and setting.expression_text.strip() != "false":
                found.append(
                    f"it would destroy `{address}` ({span.file}:{span.line}), whose lifecycle "
                    "sets `prevent_destroy`: Terraform refuses to plan that; take the setting "
                    "out by hand first if the destroy is meant"
                )
    return found


def _computed_keys(workspace: Workspace, change: Change, original: Workspace) -> list[str]:
    """References that may name an instance the removal takes away, which Terraform rejects
    or, worse, resolves to another one: an index computed at plan time
    (``aws_iam_user.u[each.key]``, ``[count.index == 0 ? "a" : "b"]``) from a block that is not
    keyed off the same collection, and a position picked from the instances as a list
    (``aws_iam_user.u[*].name[1]``, ``element(aws_iam_user.u, 2)``, see ``positions``). A
    block keyed like the resource (``for_each = aws_iam_user.u``, or the same ``for_each``
    expression) loses that key too. A module instance that goes whole takes its lists with
    it: the other instances of its module keep theirs."""
    shrunk: dict[str, dict[str, bool]] = {}  # directory → resource → counted (a list)
    for address in change.destroyed:
        facts = change.facts(address)
        if any(address.startswith(module + ".") for module in change.modules):
            continue
        if facts.key is not None:
            counted = isinstance(facts.key, int)
            shrunk.setdefault(facts.directory, {})[facts.config] = counted
    found: list[str] = []
    for directory, configs in sorted(shrunk.items()):
        keyed = _for_each_texts(workspace, directory, set(configs))
        counts = _for_each_texts(workspace, directory, set(configs), "count")
        for path, use in workspace.uses(directory):
            traversal = use.traversal
            if traversal.address not in configs:
                continue
            if traversal.indexed and _same_position(use, counts):
                continue
            if traversal.indexed:
                note = _unsafe_index(workspace, directory, use, keyed)
            elif traversal.attribute is None:  # the instances as one list or map
                note = _unsafe_whole(workspace, directory, use, configs[traversal.address])
            else:
                continue
            if note is None:
                continue
            line, _, rest = note.partition(":")  # where it is in the text before the change
            note = f"{path}:{_line_before(original.texts, workspace.texts, path, int(line))}:{rest}"
            if note not in found:
                found.append(note)
    return found


def _line_before(before: Mapping[str, str], after: Mapping[str, str], path: str, line: int) -> int:
    """The line of the original text that line ``line`` of the edited text was (the nearest
    one, for a line the change wrote)."""
    old, new = before.get(path), after.get(path)
    if old is None or new is None or old == new:
        return line
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if j1 < line <= j2 or (tag == "delete" and j1 == line - 1):
            return i1 + min(line - 1 - j1, max(i2 - i1 - 1, 0)) + 1
    return line


def _unsafe_index(
    workspace: Workspace, directory: str, use: Use, keyed: dict[str, str]
) -> str | None:
    """Why an index into a resource losing instances may name one that is gone (after the
    file's path), or ``None`` when it cannot."""
    traversal = use.traversal
    where = f"{traversal.span.line}: `{use.block_name}`"
    if traversal.key is not None:
        return None
    if traversal.splat:
        if use_read_whole(workspace, directory, use):
            return None
        return (
            f"{where} picks from `{traversal.address}` by position (itself, or a caller of "
            "its module output), and a position can name another instance once this removal "
            "shortens the list"
        )
    if _keyed_like(use.block, traversal.address, keyed) and _by_each_key(workspace, directory, use):
        return None
    if filtered_like(workspace, directory, use.block, traversal.address) and _by_each_key(
        workspace, directory, use
    ):
        return None
    if _walks_keys(workspace.texts[traversal.span.file], traversal, keyed.get(traversal.address)):
        return None
    if _walks_transposed(workspace.texts[traversal.span.file], use, keyed.get(traversal.address)):
        return None
    return (
        f"{where} indexes `{traversal.address}` by a computed key, which may name an instance "
        "this removal takes away"
    )


def _unsafe_whole(workspace: Workspace, directory: str, use: Use, counted: bool) -> str | None:
    """Why reading a resource's instances whole (``aws_iam_user.u``) may pick one by position,
    or ``None``."""
    if use_read_whole(workspace, directory, use, listed=counted):
        return None
    traversal = use.traversal
    if use.block.block_type == "module":
        return (
            f"{traversal.span.line}: `{use.block_name}` is given `{traversal.address}` as an "
            "input, and iam-prune does not follow what the module does with it"
        )
    return (
        f"{traversal.span.line}: `{use.block_name}` picks from `{traversal.address}` by "
        "position or counts on how many there are (itself, or a reader it hands the instances "
        "to), which the removal changes"
    )


def _for_each_texts(
    workspace: Workspace, directory: str, configs: set[str], meta: str = "for_each"
) -> dict[str, str]:
    """The ``for_each`` (or ``count``) expression of each resource in ``configs``, spacing
    aside."""
    found: dict[str, str] = {}
    for parsed in workspace.config_files(directory):
        for block in parsed.blocks:
            name = ".".join(block.labels)
            setting = block.attribute(meta)
            if block.block_type == "resource" and name in configs and setting is not None:
                found[name] = " ".join(setting.expression_text.split())
    return found


def _same_position(use: Use, counts: dict[str, str]) -> bool:
    """Whether the use reads the instance at its own block's ``count.index`` of a resource
    counted the same way (``aws_iam_user.u[count.index]``, ``element(aws_iam_user.u[*].name,
    count.index)`` in a login profile with the same ``count``): the instance that goes with
    the user's position goes too, the others keep theirs."""
    traversal = use.traversal
    count = use.block.attribute("count")
    if count is None or counts.get(traversal.address) != " ".join(count.expression_text.split()):
        return False
    root = use.attribute.value
    if any(isinstance(n, ForExpr) and "count" in (n.key_var, n.value_var) for n in nodes(root)):
        return False  # a `for` variable called `count` hides the block's own
    for node in nodes(root):
        if not (traversal.span.start <= node.span.start and node.span.end <= traversal.span.end):
            continue
        if isinstance(node, Index) and is_count_index(node.key):
            return dotted_name(node.target) == traversal.address
    read = reference_node(use)
    parent = parent_of(root, read) if read is not None else None
    return (
        isinstance(parent, Call)
        and parent.name == "element"
        and len(parent.args) == 2
        and parent.args[0] is read
        and is_count_index(parent.args[1])
    )


def _keyed_like(block: Block, address: str, keyed: dict[str, str]) -> bool:
    """Whether the block's instances are keyed by the resource's keys, or some of them: its
    ``for_each`` is the resource, the resource's ``for_each`` expression, or a ``for`` over
    that expression keeping its keys (``{ for k, v in local.users : k => v if v.admin }``)."""
    if ".".join(block.labels) == address and block.block_type == "resource":
        return True
    setting = block.attribute("for_each")
    if setting is None or block.block_type not in ("resource", "module", "data"):
        return False
    written = " ".join(setting.expression_text.split())
    if written == address or (address in keyed and written == keyed[address]):
        return True
    value = setting.value
    if not isinstance(value, ForExpr) or address not in keyed or value.key is None:
        return False
    # `for k, v in X : k => ...` keeps X's keys (for a set, `k` is the element too); the
    # one-variable form walks a map's values, not its keys.
    key_var = value.key_var
    same_keys = key_var is not None and isinstance(value.key, Name) and value.key.name == key_var
    text = setting.expression_text
    collection = " ".join(text[_offset(setting, value.collection) :].split())
    return same_keys and _starts_with(collection, keyed[address])


def _by_each_key(workspace: Workspace, directory: str, use: Use) -> bool:
    """Whether the use indexes the resource by exactly ``each.key`` (or ``each.value`` over a
    set, where they are the same): only then does a block keyed like the resource name the
    instance that goes with its own."""
    traversal = use.traversal
    for node in nodes(use.attribute.value):
        inside = traversal.span.start <= node.span.start and node.span.end <= traversal.span.end
        if inside and isinstance(node, Index) and dotted_name(node.target) == traversal.address:
            key = node.key
            if not (isinstance(key, GetAttr) and dotted_name(key) in ("each.key", "each.value")):
                return False
            return dotted_name(key) == "each.key" or _over_a_set(workspace, directory, use.block)
    return False


def _over_a_set(workspace: Workspace, directory: str, block: Block) -> bool:
    """Whether the block's ``for_each`` is written as a set: ``toset(...)``, or a variable
    declared as ``set(...)``."""
    setting = block.attribute("for_each")
    if setting is None:
        return False
    value = setting.value
    if isinstance(value, Call):
        return value.name == "toset"
    name = dotted_name(value)
    if name is None or not name.startswith("var."):
        return False
    for parsed in workspace.config_files(directory):
        for variable in parsed.blocks:
            if variable.block_type == "variable" and variable.labels == (name[4:],):
                declared = variable.attribute("type")
                return declared is not None and declared.expression_text.startswith("set(")
    return False


def _offset(setting: Attribute, node: Expr) -> int:
    return node.span.start - setting.value_span.start


def _starts_with(collection: str, for_each: str) -> bool:
    """Whether the ``for``'s collection, written from its start on, is the resource's
    ``for_each`` expression (followed by the ``:`` of the ``for``)."""
    return collection.startswith(for_each) and collection[len(for_each) :].lstrip().startswith(":")


def _walks_keys(text: str, traversal: Traversal, for_each: str | None) -> bool:
    """Whether the index is a ``for`` variable walking the very collection the resource's
    ``for_each`` is written as (``[for name in L : x[name]]`` with ``for_each = toset(L)``):
    it then only ever names instances that exist."""
    where = traversal.key_from
    if where is None or for_each is None:
        return False
    collection = " ".join(text[where.start : where.end].split())
    return for_each in (collection, f"toset({collection})")


def _walks_transposed(text: str, use: Use, for_each: str | None) -> bool:
    """Whether the index is a ``for`` variable walking ``each.value`` of a block whose
    ``for_each`` is ``transpose(...)`` of the resource's own ``for_each`` (a membership per
    group, ``users = [for u in each.value : aws_iam_user.u[u].name]``): transposing a map
    groups its keys, so every value names an instance that exists."""
    where = use.traversal.key_from
    setting = use.block.attribute("for_each")
    if where is None or for_each is None or setting is None:
        return False
    collection = " ".join(text[where.start : where.end].split())
    written = " ".join(setting.expression_text.split())
    return collection == "each.value" and written == f"transpose({for_each})"


def _shortened(change: Change, address: str, facts: Facts) -> bool:
    """Whether ``address`` is an instance of a ``count`` that the change makes smaller: some
    of the same resource's instances stay."""
    if not isinstance(facts.key, int):
        return False
    resource = _position(address, facts)[0] + facts.config
    gone = set(change.destroyed)
    return any(
        other not in gone and other.startswith(resource + "[") and other.endswith("]")
        for other, kept in change.before.items()
        if kept.config == facts.config
    )


def _position(address: str, facts: Facts) -> tuple[str, str | int | None]:
    """The module instance an instance is in and its key: a resource counted with a user (its
    login profile, ``count`` by the same list) shares both with it."""
    return address[: address.rfind(facts.config)], facts.key


def _where(facts: Facts) -> str:
    span = facts.block
    return "its block" if span is None else f"{span.file}:{span.line}"


def _edited(facts: Facts, edits: Sequence[FileEdit | SourceSpan]) -> bool:
    """Whether one of ``edits`` is inside the block that makes the instance (or, for a
    span, is that block)."""
    span = facts.block
    if span is None:
        return False
    return any(
        inside(e, span) if isinstance(e, FileEdit) else (e.file, e.start) == (span.file, span.start)
        for e in edits
    )


def _is_user(facts: Facts) -> bool:
    return facts.kind == "resource" and facts.config.split(".")[0] == USER_RESOURCE
