"""What a change may not touch however it is written: protected blocks (``prevent_destroy``),
and blocks that pick instances by a computed key or by position, which a removed key or a
shortened list would silently re-point."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from iam_prune.fixes.evaluation.compare import Change
from iam_prune.fixes.evaluation.roots import Evaluation
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.filtered import filtered_like, for_of
from iam_prune.fixes.planning.keychecks import keys_stay
from iam_prune.fixes.planning.positions import reference_node, use_read_whole
from iam_prune.fixes.text.syntaxwalk import dotted_name, is_count_index, nodes, parent_of
from iam_prune.terraform.references import Traversal, Use
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


def protected(workspace: Workspace, change: Change) -> list[str]:
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


def computed_keys(
    workspace: Workspace,
    change: Change,
    original: Workspace,
    evaluations: tuple[Evaluation, Evaluation] | None = None,
) -> list[str]:
    """References that may name an instance the removal takes away, which Terraform rejects
    or, worse, resolves to another one: an index computed at plan time
    (``aws_iam_user.u[each.key]``, ``[count.index == 0 ? "a" : "b"]``) from a block that is not
    keyed off the same collection, and a position picked from the instances as a list
    (``aws_iam_user.u[*].name[1]``, ``element(aws_iam_user.u, 2)``, see ``positions``). A
    block keyed like the resource (``for_each = aws_iam_user.u``, or the same ``for_each``
    expression) loses that key too. A module instance that goes whole takes its lists with
    it: the other instances of its module keep theirs. Where the text does not say, the
    index is evaluated in ``evaluations`` (before and after the change, see ``keychecks``)."""
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
                if note is not None and _evaluated_safe(original, evaluations, directory, use):
                    note = None
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


def _evaluated_safe(
    original: Workspace,
    evaluations: tuple[Evaluation, Evaluation] | None,
    directory: str,
    use: Use,
) -> bool:
    """Whether evaluating the index shows it safe (a resource or an ``import`` block, in both
    versions)."""
    if evaluations is None or use.block.block_type not in ("resource", "import"):
        return False
    if use.block.block_type == "import":  # no name: the one importing to the same address
        to = use.block.attribute("to")
        written = None if to is None else to.expression_text
        was = [
            b
            for b in original.blocks(directory).get("import", [])
            if (b_to := b.attribute("to")) is not None and b_to.expression_text == written
        ]
    else:
        config = ".".join(use.block.labels)
        blocks = original.blocks(directory).get(config, [])
        was = [b for b in blocks if b.block_type == "resource"]
    return keys_stay(*evaluations, directory, use, was[0] if len(was) == 1 else None)


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
    keyed_like = _keyed_like(workspace, directory, use.block, traversal.address, keyed)
    if keyed_like and _by_each_key(workspace, directory, use):
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
    if use.block.block_type == "module" and use.path == ("for_each",):
        if reference_node(use) is use.attribute.value:
            return (
                f"{traversal.span.line}: `{use.block_name}` is keyed by `{traversal.address}`, "
                "and its instances are also read all together (a count, `keys`, a `for`, "
                "another `for_each`, a module input), which would change with the user's"
            )
        return (
            f"{traversal.span.line}: `{use.block_name}` is keyed by what it makes of "
            f"`{traversal.address}`, whose instances iam-prune lists only when the call is "
            "keyed by the resource itself"
        )
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


def _keyed_like(
    workspace: Workspace, directory: str, block: Block, address: str, keyed: dict[str, str]
) -> bool:
    """Whether the block's instances are keyed by the resource's keys, or some of them: its
    ``for_each`` is the resource, the resource's ``for_each`` expression, or a ``for`` over
    that expression keeping its keys (``{ for k, v in local.users : k => v if v.admin }``),
    written there or held by a local (``for_each = local.console_users``)."""
    if ".".join(block.labels) == address and block.block_type == "resource":
        return True
    setting = block.attribute("for_each")
    if setting is None or block.block_type not in ("resource", "module", "data"):
        return False
    written = " ".join(setting.expression_text.split())
    if written == address or (address in keyed and written == keyed[address]):
        return True
    found = for_of(workspace, directory, setting)
    if found is None or address not in keyed:
        return False
    setting, value = found
    if value.key is None:
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
