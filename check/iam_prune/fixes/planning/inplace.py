"""Shared memberships that lose a removed user in place.

``aws_iam_group_membership`` and ``aws_iam_policy_attachment`` list their users. When the
list is computed (``users = [for u in each.value : aws_iam_user.u[u].name]`` over
``transpose(...)`` of the users' map), taking a user's key away shortens the evaluated list
of every group the user was in: an update in place that removes exactly that user, as
taking the element out of a written list does. It is told apart from any other change by
the evaluation: every other argument is the same, and the list only lost elements, each a
reference to a resource that loses instances or the name of a user that goes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from iam_prune.fixes.evaluation.compare import Change
from iam_prune.fixes.evaluation.instances import Facts, Tree, argument, arguments
from iam_prune.fixes.planning.dependents import SHARED_LISTS
from iam_prune.terraform.moduleconfig import USER_RESOURCE
from iam_prune.terraform.references import Traversal, traversals
from iam_prune.terraform.syntax import Block


def lost_in_place(change: Change, after: Sequence[Tree]) -> set[str]:
    """The addresses of ``change.changed`` that are shared memberships losing only users
    that go."""
    if not change.changed:
        return set()

    def now(address: str) -> Facts | None:
        """The address's facts after the change (a later root's, as a merge would keep)."""
        return next((t.instances[address] for t in reversed(after) if address in t.instances), None)

    shrunk = {change.facts(a).config for a in change.destroyed}
    names = {
        argument(facts, "name")
        for facts in map(change.facts, change.destroyed)
        if facts.config.split(".")[0] == USER_RESOURCE
    }
    found = set()
    for address in change.changed:
        was, new = change.facts(address), now(address)
        kind = was.config.split(".")[0] if was.kind == "resource" else ""
        if kind not in SHARED_LISTS or new is None or address in change.shifted:
            continue
        listed = SHARED_LISTS[kind]
        before, later = arguments(was), arguments(new)
        if before is None or later is None or before.keys() != later.keys():
            continue
        if any(before[k] != later[k] for k in before if k != listed):
            continue
        lost = _lost(before.get(listed), later.get(listed))
        if lost and all(_goes(element, shrunk, names) for element in lost):
            if kind == "aws_iam_policy_attachment" and not _principals(later):
                continue  # AWS refuses an attachment of nobody: it would have to go whole
            found.add(address)
    return found


def _principals(arguments: dict[str, object]) -> bool:
    """Whether an evaluated ``aws_iam_policy_attachment`` still attaches its policy to some
    user, role or group (an argument it cannot tell empty counts as some)."""
    for name in ("users", "roles", "groups"):
        written = arguments.get(name)
        if written is None or written == "None":
            continue
        elements = _elements(written) if isinstance(written, str) else None
        if elements is None or elements:
            return True
    return False


def _lost(before: object, after: object) -> list[str]:
    """The elements the list ``before`` has and ``after`` has not (both as ``repr`` writes a
    list), or ``[]`` when ``after`` is not ``before`` less some elements."""
    if not isinstance(before, str) or not isinstance(after, str):
        return []
    old, new = _elements(before), _elements(after)
    if old is None or new is None:
        return []
    kept = Counter(new)
    if kept - Counter(old):
        return []  # something new in it
    return list((Counter(old) - kept).elements())


def _elements(written: str) -> list[str] | None:
    """The top-level elements of a list as ``repr`` writes it, each as written."""
    if not (written.startswith("[") and written.endswith("]")):
        return None
    elements: list[str] = []
    depth, quote, start = 0, "", 1
    index = 1
    while index < len(written) - 1:
        char = written[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            elements.append(written[start:index].strip())
            start = index + 1
        index += 1
    last = written[start:-1].strip()
    if last:
        elements.append(last)
    return elements


def _goes(element: str, shrunk: set[str], names: set[object]) -> bool:
    """Whether a lost element is a reference to a resource losing instances, or the name of
    a user that goes."""
    if element.startswith("Unknown("):
        return any(f"refers to {config}," in element for config in shrunk)
    return element in {n for n in names if isinstance(n, str)}


def seen_whole(
    change: Change, before: Sequence[Tree], after: Sequence[Tree], in_place: set[str]
) -> Callable[[str, Block, Callable[[str], bool]], bool]:
    """Whether the change's evaluation sees all that a reading block does with the value the
    edits change: the block is a shared membership (``aws_iam_group_membership``...) with no
    nested blocks, only its member list reads the value (``reads`` tells, given an
    attribute's text), and each of its instances is unchanged, gone (``check`` judges that),
    or loses only users that go (``in_place``). Its members are references to users whose
    index the walk computes; ``keychecks`` holds that walk to naming, after the change, the
    instances it named before less those that go."""

    shrunk: dict[str, set[str]] = {}
    for address in change.destroyed:
        facts = change.facts(address)
        shrunk.setdefault(facts.directory, set()).add(facts.config)

    def whole(directory: str, block: Block, reads: Callable[[str], bool]) -> bool:
        kind = block.labels[0] if block.labels else ""
        if block.block_type != "resource" or kind not in SHARED_LISTS or block.blocks:
            return False
        listed = SHARED_LISTS[kind]
        if any(reads(a.expression_text) for a in block.attributes if a.name != listed):
            return False
        members = block.attribute(listed)
        if members is None or not all(
            t.address in shrunk.get(directory, set()) or t.kind == "local" or _fixed(t)
            for t in traversals(members.value)
        ):
            return False  # a member picked from elsewhere by the value could be another one
        config = ".".join(block.labels)
        instances = [
            address
            for tree in (*before, *after)
            for address, facts in tree.instances.items()
            if facts.config == config and facts.directory == directory
        ]
        return bool(instances) and all(a not in change.changed or a in in_place for a in instances)

    return whole


def _fixed(traversal: Traversal) -> bool:
    """Whether a reference names one thing whatever the value holds (``aws_iam_user.ann.name``,
    ``aws_iam_user.dev["eli"].name``): the evaluation compares what it gives."""
    return not traversal.splat and (not traversal.indexed or traversal.key is not None)
