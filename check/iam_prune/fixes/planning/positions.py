"""Whether a list of a resource's instances is read only whole, wherever it goes.

Taking a user out of a ``count`` list (or migrating it to ``for_each``) makes
``aws_iam_user.x[*].name`` one shorter. Read whole (a group's ``users``, ``join``, a root
module's output), that is the point. Read by position (``x[*].name[1]``,
``element(x[*].name, 1)``), the same position now names another user, or none: a policy meant
for one user silently moves to the next. A ``locals`` value hands the list to its readers, a
module's output to its callers: their reads are judged the same way, up to the root. A module
input hands it to readers iam-prune does not follow, so that counts as a read by position.
"""

from __future__ import annotations

from iam_prune.fixes.evaluation.compare import Change
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.text.syntaxwalk import dotted_name, nodes, read_whole
from iam_prune.terraform.references import Use
from iam_prune.terraform.syntax import Block, Expr, GetAttr, Splat


def use_read_whole(workspace: Workspace, directory: str, use: Use, *, listed: bool = True) -> bool:
    """Whether the collection ``use`` reads (a resource's instances, ``x`` or ``x[*]...``; a
    list unless ``listed`` is false) is read only whole, here and wherever a ``locals`` value
    or a module's output hands it on."""
    return _use_whole(workspace, directory, use, listed, frozenset())


def list_read_whole(
    workspace: Workspace, directory: str, block: Block, root: Expr, node: Expr
) -> bool:
    """Whether the list ``node`` (inside ``root``, a value of ``block`` in ``directory``) is
    read only whole, here and wherever it is handed on."""
    return _whole(workspace, directory, block, root, node, True, frozenset())


def counts_or_conditions(block: Block, path: tuple[str, ...]) -> bool:
    """Whether the attribute at ``path`` in ``block`` counts on which or how many instances
    there are: a ``count`` (its last instance would go, which is not the user's) or a
    condition (``precondition``, ``postcondition``, a ``check``), which can fail."""
    return (
        path == ("count",)
        or block.block_type == "check"
        or bool({"precondition", "postcondition"} & set(path))
    )


def _use_whole(
    workspace: Workspace, directory: str, use: Use, listed: bool, seen: frozenset[str]
) -> bool:
    if counts_or_conditions(use.block, use.path):
        return False
    node = reference_node(use)
    if node is None:
        return False
    return _whole(workspace, directory, use.block, use.attribute.value, node, listed, seen)


def reference_node(use: Use) -> Expr | None:
    """The node of ``use``'s reference in its attribute's syntax tree: the splat for
    ``x[*]...``, else the reference itself. In a ``.tf.json`` string every node carries the
    string's range, so it is picked by its kind and name, and only when that is unique."""
    traversal = use.traversal
    found = [
        n
        for n in nodes(use.attribute.value)
        if n.span == traversal.span and _names(n, traversal.splat) == traversal.address
    ]
    return found[0] if len(found) == 1 else None


def _names(node: Expr, splat: bool) -> str | None:
    """``type.name`` (``module.x``, ``local.x``) that the node reads, as the kind of read
    expected: a splat over it, or the reference alone."""
    if splat:
        if not isinstance(node, Splat):
            return None
        node = node.target
    direct = dotted_name(node)
    if direct is not None:
        return direct
    module = dotted_name(node.target) if isinstance(node, GetAttr) else None
    if module is not None and module.startswith("module."):
        return module  # `module.m.out`: the output `out` of `module.m`
    return None


def _whole(
    workspace: Workspace,
    directory: str,
    block: Block,
    root: Expr,
    node: Expr,
    listed: bool,
    seen: frozenset[str],
) -> bool:
    if not read_whole(root, node, listed=listed):
        return False
    if block.block_type == "module":
        # Any argument of a call but its for_each and depends_on (which only orders) is an
        # input, whose readers in the module are not followed; so is a for_each that is more
        # than the resource itself.
        depends_on = block.attribute("depends_on")
        if depends_on is not None and depends_on.value is root:
            return True  # what it waits for changing: see `deferred`
        for_each = block.attribute("for_each")
        return (
            for_each is not None
            and for_each.value is root
            and node is root
            and _instances_read_by_key(workspace, directory, f"module.{block.labels[0]}")
        )
    if block.block_type == "locals":
        name = next((a.name for a in block.attributes if a.value is root), None)
        if name is None:
            return False
        readers = [(directory, f"local.{name}", name)]
    elif block.block_type == "output" and block.labels:
        readers = [
            (caller, f"module.{label}", block.labels[0])
            for caller, label in workspace.callers(directory)
        ]
    else:
        return True  # a resource's argument, a root module's output: the value is the point
    where = f"{directory}:{block.block_type}:{root.span.start}"
    if where in seen:
        return False  # a cycle: Terraform refuses it anyway
    return all(
        _read_whole_by(workspace, folder, address, name, seen | {where})
        for folder, address, name in readers
    )


def _instances_read_by_key(workspace: Workspace, directory: str, call: str) -> bool:
    """Whether the instances of the module call ``call`` (``module.per_user``) are read only
    one by one (``module.per_user["ann"].arn``), in ``depends_on``, or by a root module's
    outputs: a call keyed by the users loses the user's instance, and any other reader of all
    of them (``length``, ``keys``, a ``for``, another ``for_each``) would change with it."""
    return _reading_all(workspace, directory, call) is None


def _reading_all(
    workspace: Workspace,
    directory: str,
    call: str,
    output: str | None = None,
    seen: frozenset[str] = frozenset(),
) -> Use | None:
    """The first reader of all the instances of ``call`` (of its output ``output``, for a
    call read through a module output) that ``_instances_read_by_key`` does not allow, or
    ``None``. A module's output is followed to its callers' reads of it."""
    if directory in seen:
        return None  # a module that calls itself: Terraform refuses it anyway
    callers = workspace.callers(directory)
    for _, use in workspace.uses(directory):
        traversal = use.traversal
        if traversal.address != call:
            continue
        if output is None and traversal.key is not None:
            continue  # one instance of the call, by its key
        # Through an output, a key picks an instance of the calling module: what it reads of
        # that instance is still every instance of the call inside it.
        if output is not None and traversal.attribute not in (output, None):
            continue
        if use.path == ("depends_on",):
            continue
        if use.block.block_type == "output" and use.block.labels:
            if not callers:
                continue  # a root module's output: the value is the point
            name = use.block.labels[0]
            if all(
                _reading_all(workspace, folder, f"module.{label}", name, seen | {directory}) is None
                for folder, label in callers
            ):
                continue
        return use
    return None


def module_instances_read_all_together(workspace: Workspace, change: Change) -> list[str]:
    """Why a module call that loses some of its instances, not all, would change other blocks
    with them: they read all its instances at once. Such a module's outputs are not known
    before apply, so comparing the two evaluations cannot see the change."""
    problems = []
    gone = set(change.modules) | set(change.opaque)
    for module in sorted(gone):
        facts = change.facts(module)
        prefix = module[: module.rfind(facts.config)]
        stays = any(
            address not in gone
            and kept.config == facts.config
            and address.startswith(f"{prefix}{facts.config}[")
            for address, kept in change.before.items()
        )
        reader = _reading_all(workspace, facts.directory, facts.config) if stays else None
        if reader is not None:
            problems.append(
                f"{reader.traversal.span.file}:{reader.traversal.span.line}: "
                f"`{reader.block_name}` reads every instance of `{facts.config}`, which loses "
                f"`{module}`; what it makes of them would change with it"
            )
    return problems


def _read_whole_by(
    workspace: Workspace, directory: str, address: str, name: str, seen: frozenset[str]
) -> bool:
    """Whether every read of ``address`` (``local.x``, or ``module.m``'s output ``name``) in
    ``directory`` takes it whole, and hands it on only to readers that do."""
    for _, use in workspace.uses(directory):
        traversal = use.traversal
        if traversal.address != address:
            continue
        module = address.startswith("module.")
        if module and traversal.attribute is None:
            return False  # the module's outputs as one object: read as it pleases
        if module and traversal.attribute != name:
            continue
        read = reference_node(use)
        if not isinstance(read, GetAttr) or read.name != name:
            return False  # `module.team.names[1]`, `local.admins[0]`, or text not walked
        if not _use_whole(workspace, directory, use, True, seen):
            return False
    return True
