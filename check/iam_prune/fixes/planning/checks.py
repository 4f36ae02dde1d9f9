"""Whether a settled change does what it should and nothing else: the users destroyed are the
ones meant, nothing else is made differently, no ``count`` index shifts, no module instance
goes without its user, or the key it exists for."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from iam_prune.fixes.evaluation.compare import Change
from iam_prune.fixes.evaluation.instances import Facts, argument
from iam_prune.fixes.planning.dependents import USER_ONLY
from iam_prune.fixes.text.edits import inside, removed
from iam_prune.model import FileEdit, SourceSpan
from iam_prune.terraform.moduleconfig import USER_RESOURCE


def check(
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
    going_names = {
        argument(facts, "name")
        for a in change.destroyed
        if a in change.before and _is_user(facts := change.facts(a))
    }
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
        elif isinstance(staying := _user_it_attaches_to(facts), str) and (
            staying not in going_names
        ):
            problems.append(
                f"it would also destroy `{address}` ({_where(facts)}), which attaches "
                f"something to `{_shown(staying)}`, a user that stays"
            )
    for address in sorted(wanted - destroyed):
        problems.append(f"it would not destroy `{address}`")
    keys_gone = {
        (*_position(a, facts), facts.origin)
        for a in wanted
        if a in change.destroyed and (facts := change.facts(a)).origin is not None
    }
    going: list[str] = []  # module instances that go with the key, parents first
    for module in sorted({*change.opaque, *change.modules}):
        if any(a.startswith(module + ".") for a in allowed | wanted):
            continue
        facts = change.facts(module)
        keyed = _keyed_by_gone(module, facts, keys_gone) or _key_taken(facts, edits)
        within = any(module.startswith(parent + ".") for parent in going)
        if (keyed or within) and module in change.modules:
            # It exists for the key that goes, or sits in an instance that does; what it
            # holds is listed and checked above. One whose contents are not read is not.
            going.append(module)
            continue
        problems.append(
            f"it would also destroy `{module}` ({_where(facts)}), a module instance "
            + (
                "for the key that goes, whose contents iam-prune does not read"
                if keyed or within
                else "that holds no user it retires"
            )
        )
    for address in change.changed:
        facts = change.facts(address)
        if facts.kind == "module":
            # A local module instance given other inputs: what that does is what happens to
            # the resources in it, each compared above and below (an opaque one is not).
            continue
        if _is_user(facts):
            problems.append(f"it would change `{address}` in place (a renamed user keeps its keys)")
        elif address in (in_place or set()):
            continue
        elif address not in change.shifted and not edited(facts, edits):
            problems.append(
                f"it would change `{address}` ({_where(facts)}), which reads what the "
                "removal edits; change it by hand first"
            )
    for address in change.shifted:
        problems.append(f"it would shift `{address}` onto another list element")
    return problems


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


def _keyed_by_gone(
    module: str, facts: Facts, keys_gone: set[tuple[str, str | int | None, SourceSpan]]
) -> bool:
    """Whether a module instance (one iam-prune walks into) has the key of a user that goes,
    written in the same place, in the same module instance: ``for_each = aws_iam_user.u``, or
    the collection the users are made from. It exists for that user, as a resource keyed the
    same way does, and goes with it; what it holds is checked as any other destroyed
    instance (another user in it is refused)."""
    return facts.origin is not None and (*_position(module, facts), facts.origin) in keys_gone


def _key_taken(facts: Facts, edits: Sequence[FileEdit | SourceSpan]) -> bool:
    """Whether the change takes out the element a module instance's key is written as (the
    user's reference in ``deployers = [aws_iam_user.bob.name]``, ``for_each =
    toset(local.deployers)``): the instance exists for what the element was about."""
    origin = facts.origin
    return origin is not None and removed(origin, [e for e in edits if isinstance(e, FileEdit)])


def _position(address: str, facts: Facts) -> tuple[str, str | int | None]:
    """The module instance an instance is in and its key: a resource counted with a user (its
    login profile, ``count`` by the same list) shares both with it."""
    return address[: address.rfind(facts.config)], facts.key


def _where(facts: Facts) -> str:
    span = facts.block
    return "its block" if span is None else f"{span.file}:{span.line}"


def edited(facts: Facts, edits: Sequence[FileEdit | SourceSpan]) -> bool:
    """Whether one of ``edits`` is inside the block that makes the instance (or, for a
    span, is that block)."""
    span = facts.block
    if span is None:
        return False
    return any(
        inside(e, span) if isinstance(e, FileEdit) else (e.file, e.start) == (span.file, span.start)
        for e in edits
    )


def _user_it_attaches_to(facts: Facts) -> object:
    """The user a per-user resource (``aws_iam_user_policy``, ...) names, evaluated: a safety
    net for a change whose evaluation lost instances it should not have (an index out of
    range makes a ``for_each`` fail, and its instances vanish)."""
    name = USER_ONLY.get(facts.config.split(".")[0]) if facts.kind == "resource" else None
    return None if name is None else argument(facts, name)


def _shown(written: str) -> str:
    """A value as a person writes it: ``'ann'`` (how the evaluation keeps it) as ``ann``."""
    try:
        value = ast.literal_eval(written)
    except (ValueError, SyntaxError):
        return written
    return value if isinstance(value, str) else written


def _is_user(facts: Facts) -> bool:
    return facts.kind == "resource" and facts.config.split(".")[0] == USER_RESOURCE
