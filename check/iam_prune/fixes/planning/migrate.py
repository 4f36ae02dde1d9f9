"""Retiring one ``count`` instance without shifting the others: move the resource to ``for_each``.

With ``count = length(var.users)``, taking ``"bob"`` out of the middle of the list moves every
later user down one index, and Terraform then renames them in place: ``[2]`` becomes what
``[1]`` was. A renamed IAM user keeps its keys and policies, so that is never acceptable. The
way out is the refactoring Terraform documents: key the resource by the list's values
(``for_each = toset(var.users)``), write a ``moved`` block from each old index to its new key,
and take the element away; ``terraform plan`` then moves every instance but one and destroys
just that one.

This is done for the common shape only, and all or nothing:

* ``count = length(L)``, and every ``count.index`` in the block reads ``L[count.index]`` (or
  ``element(L, count.index)``), which becomes ``each.value``;
* the list's values are distinct strings known from the code, not from a ``--var-file`` (the
  ``moved`` blocks would be wrong for another environment's values), in a module instantiated
  once (``moved`` blocks apply to every instance of the module);
* the other resources of the module counted by the same list (a login profile per user) move
  with it, ``aws_iam_user.x[count.index]`` becoming ``aws_iam_user.x[each.key]``;
* elsewhere in the module, ``aws_iam_user.x[1]`` becomes ``aws_iam_user.x["carol"]``, and
  ``aws_iam_user.x[*].arn`` keeps its list order: ``values(aws_iam_user.x)[*].arn`` when the
  keys sort in that order already, else ``[for key in var.users : aws_iam_user.x[key].arn]``;
  any other use of the resource as a list stops the migration.

Anything else is explained in words, and the finding gets a manual note instead of a patch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from iam_prune.fixes.evaluation.roots import Evaluation
from iam_prune.fixes.evaluation.scopes import scope_at
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.migrateuses import (
    ATTRIBUTES,
    SPLAT,
    Counted,
    Listing,
    rewrite_references,
)
from iam_prune.fixes.planning.starts import Start, parse_address, removal
from iam_prune.fixes.text.syntaxwalk import (
    dotted_name,
    is_count_index,
    nodes,
    same_shape,
)
from iam_prune.model import Declaration, FileEdit
from iam_prune.terraform.addresses import instance_key
from iam_prune.terraform.evaluate import evaluate
from iam_prune.terraform.syntax import (
    Block,
    Call,
    Expr,
    GetAttr,
    Index,
    ParsedFile,
    Splat,
)
from iam_prune.terraform.values import Seq


def migration(declarations: Sequence[Declaration], evaluation: Evaluation) -> Start | str:
    """The edits that migrate the resource of ``declarations`` (instances of one ``count``
    resource, and what is counted with it) to ``for_each`` and drop their elements, or why that
    cannot be done; ``evaluation`` is the original configuration of every root the module is
    used from."""
    workspace = evaluation.workspace
    decl = declarations[0]
    address = parse_address(decl.address)
    directory = decl.module_dir
    found = None
    if address is not None:
        found = _block(workspace, directory, f"{address.resource.kind}.{address.resource.name}")
    if address is None or found is None:
        return "its block could not be found again"
    if found.path.endswith(".json"):
        return "the migration to `for_each` is only written for `.tf` files, not `.tf.json`"
    listed = _counted_list(found.block)
    elements = [d.key_span for d in declarations]
    if listed is None or None in elements:
        return "its `count` is not `length(<list>)` of a list written in the code"
    if any(e.file in workspace.var_files for e in elements if e is not None):
        return (
            "its list comes from a --var-file: `moved` blocks written in the code would be "
            "wrong for other environments' values"
        )
    scopes = [(t.root, a) for t in evaluation.trees for a in t.scopes.get(directory, ())]
    if len(scopes) != 1:
        return (
            "its module is instantiated more than once, and `moved` blocks apply to every instance"
        )
    scope = scope_at(workspace, *scopes[0])
    if scope is None:
        return "its module instance could not be evaluated again"
    keys = _keys(evaluate(listed, scope.names))
    if isinstance(keys, str):
        return keys
    group = [c for c in _all_counted(workspace, directory) if _counted_list(c.block) is not None]
    group = [c for c in group if same_shape(_counted_list(c.block), listed)]
    edits: list[FileEdit] = [removal(e) for e in elements if e is not None]
    removed = {_index(d.address) for d in declarations}
    kept = {i: k for i, k in enumerate(keys) if i not in removed}
    migrated = {c.address for c in group}
    for counted in group:
        problem = _rewrite_block(workspace, counted, listed, migrated, edits)
        if problem is not None:
            return problem
        edits.append(_moved_blocks(workspace, counted, kept))
    listing = Listing(workspace.text(found.path) or "", listed, kept)
    problem = rewrite_references(workspace, directory, group, migrated, listing, edits)
    if problem is not None:
        return problem
    what = ", ".join(f"`{c.address}`" for c in group)
    return Start(tuple(edits), f"a migration of {what} from `count` to `for_each`", "migrate")


def _index(address: str) -> int | None:
    """``3`` for ``aws_iam_user.u[3]``."""
    parsed = parse_address(address)
    key = parsed.resource.key if parsed is not None else ""
    return int(key[1:-1]) if key[1:-1].isdigit() else None


def _block(workspace: Workspace, directory: str, address: str) -> Counted | None:
    return next((c for c in _all_counted(workspace, directory) if c.address == address), None)


def _all_counted(workspace: Workspace, directory: str) -> Iterator[Counted]:
    for path in workspace.files(directory):
        parsed = workspace.parsed(path)
        if not isinstance(parsed, ParsedFile):
            continue
        for block in parsed.blocks:
            if block.block_type == "resource" and len(block.labels) == 2:
                yield Counted(path, block)


def _counted_list(block: Block) -> Expr | None:
    count = block.attribute("count")
    if count is None:
        return None
    value = count.value
    if isinstance(value, Call) and value.name == "length" and len(value.args) == 1:
        return value.args[0]
    return None


def _keys(value: object) -> list[str] | str:
    if not isinstance(value, Seq) or value.kind == "set":
        return "its `count` list is not a list whose values the code says"
    items = list(value.items)
    if not all(isinstance(item, str) for item in items):
        return "its `count` list does not hold only strings known from the code"
    if len(set(items)) != len(items):
        return "its `count` list holds the same value twice, so it cannot key `for_each`"
    return [str(item) for item in items]


def _rewrite_block(
    workspace: Workspace,
    counted: Counted,
    listed: Expr,
    migrated: set[str],
    edits: list[FileEdit],
) -> str | None:
    """``count = length(L)`` → ``for_each = toset(L)``; ``L[count.index]`` → ``each.value``;
    ``x[count.index]`` of a migrated resource → ``x[each.key]``."""
    block = counted.block
    count = block.attribute("count")
    inner = _counted_list(block)
    assert count is not None and inner is not None
    edits.append(FileEdit(counted.path, count.span.start, inner.span.start, "for_each = toset("))
    handled: list[tuple[int, int]] = []
    text = workspace.text(counted.path) or ""
    for attribute in block.attributes:
        if attribute.name == "count":
            continue
        for node in nodes(attribute.value):
            if _reads_element(node, listed):
                target: Expr = node
                replacement = "each.value"
            elif (
                isinstance(node, Index)
                and is_count_index(node.key)
                and dotted_name(node.target) in migrated
            ):
                target, replacement = node.key, "each.key"
            elif (picked := _picked_at_count_index(text, node, migrated)) is not None:
                target, replacement = node, picked
            else:
                continue
            if not _written_alone(text, target):
                return _in_template(counted, text, target)
            edits.append(FileEdit(counted.path, target.span.start, target.span.end, replacement))
            handled.append((target.span.start, target.span.end))
    for node in _count_indexes(block):
        if not any(start <= node.span.start and node.span.end <= end for start, end in handled):
            line = text.count("\n", 0, node.span.start) + 1
            return (
                f"`{counted.address}` uses `count.index` at {counted.path}:{line} other than to "
                "read the counted list, which `for_each` has no equivalent for"
            )
    if block.blocks and any(_count_indexes_in_nested(block)):
        return f"`{counted.address}` uses `count.index` in a nested block"
    return None


def _picked_at_count_index(text: str, node: Expr, migrated: set[str]) -> str | None:
    """``x[each.key].a`` for ``element(x[*].a, count.index)`` (or ``x.*.a``) of a migrated
    resource ``x``: the instance at the block's own index, which ``for_each`` names by key."""
    if not (isinstance(node, Call) and node.name == "element" and len(node.args) == 2):
        return None
    splat, index = node.args
    if not (isinstance(splat, Splat) and is_count_index(index)):
        return None
    name = dotted_name(splat.target)
    if name not in migrated or not all(isinstance(step, str) for step in splat.steps):
        return None
    written = text[splat.span.start : splat.span.end]
    marker = SPLAT.match(written, len(name)) if written.startswith(name) else None
    if marker is None or not ATTRIBUTES.fullmatch(written[marker.end() :]):
        return None
    return f"{name}[each.key]{''.join(f'.{step}' for step in splat.steps)}"


def _written_alone(text: str, node: Expr) -> bool:
    """Whether the node's span is the node's own text: inside a heredoc or a ``.tf.json``
    string, every node carries its container's span, which an edit must not replace."""
    written = "".join(text[node.span.start : node.span.end].split())
    if isinstance(node, Index):
        return written.endswith("[count.index]")
    if isinstance(node, Call):
        return written.startswith("element(")
    return written == "count.index"


def _in_template(counted: Counted, text: str, node: Expr) -> str:
    line = text.count("\n", 0, node.span.start) + 1
    return (
        f"`{counted.address}` uses `count.index` inside a template at {counted.path}:{line}, "
        "which iam-prune does not rewrite"
    )


def _reads_element(node: object, listed: Expr) -> bool:
    if isinstance(node, Index):
        return is_count_index(node.key) and same_shape(node.target, listed)
    return (
        isinstance(node, Call)
        and node.name == "element"
        and len(node.args) == 2
        and same_shape(node.args[0], listed)
        and is_count_index(node.args[1])
    )


def _count_indexes(block: Block) -> Iterator[GetAttr]:
    for attribute in block.attributes:
        if attribute.name != "count":
            yield from (n for n in nodes(attribute.value) if is_count_index(n))


def _count_indexes_in_nested(block: Block) -> Iterator[object]:
    for nested in block.blocks:
        for attribute in nested.attributes:
            yield from (n for n in nodes(attribute.value) if is_count_index(n))
        yield from _count_indexes_in_nested(nested)


def _moved_blocks(workspace: Workspace, counted: Counted, kept: dict[int, str]) -> FileEdit:
    text = workspace.text(counted.path) or ""
    newline = "\r\n" if "\r\n" in text else "\n"
    address = counted.address
    blocks = [
        newline.join(
            (
                "moved {",
                f"  from = {address}[{index}]",
                f"  to   = {address}{instance_key(key)}",
                "}",
            )
        )
        for index, key in kept.items()
    ]
    inserted = "".join(newline + newline + block for block in blocks)
    end = counted.block.span.end
    return FileEdit(counted.path, end, end, inserted)
