"""What to do about a reference that a removal leaves dangling: take more away, or ask a person.

When ``aws_iam_user.bob`` goes, the code that names it either exists only because of bob and
goes too, or is shared and loses just bob, or is something iam-prune cannot judge. The rules,
for one dangling reference:

* a resource that only attaches something to one user (``aws_iam_user_policy``,
  ``aws_iam_access_key``, ... whose ``user`` names only what goes) goes whole;
* a shared membership (``aws_iam_group_membership`` or ``aws_iam_policy_attachment``
  ``users = [...]``) loses the list element, when that element names only what goes, and goes
  whole when no user (and no role or group) is left in it;
* ``depends_on`` loses the element;
* an output goes when everything it refers to goes, else loses what ``going_unit`` picks of
  its value (see below);
* a ``locals`` value goes when everything it refers to goes, unless it is a literal list or
  object that something else reads and removing it whole fails: then it loses those elements
  and is left empty (``admins = []``), its readers held by ``readers`` as below (``settle``
  tries the removal first);
* a data source goes when everything it refers to goes (reading data destroys nothing);
* a ``moved`` or ``import`` block whose ``to`` goes, goes;
* a ``locals`` value or a module call's input written as literal lists and objects (nested in
  one another, or given to functions that keep their elements: ``toset([...])``,
  ``concat([...], var.more)``) loses what ``going_unit`` picks (a team's member, a record
  whole, an entry of a map of users): a value read elsewhere, it changes for every reader,
  which ``readers`` holds to what a collection edit may change (a module iam-prune cannot
  read refuses it there);
* anything else is a person's call: a ``manual`` note with the file and line.

What goes here can leave more references dangling (an output of ``aws_iam_access_key.bob``):
the caller applies these rules again until nothing new goes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from iam_prune.fixes.evaluation.instances import address_of
from iam_prune.fixes.planning.resolve import Located
from iam_prune.model import FileEdit, SourceSpan
from iam_prune.terraform.references import Use
from iam_prune.terraform.syntax import (
    Block,
    Call,
    Expr,
    ObjectExpr,
    TupleExpr,
)
from iam_prune.terraform.walk import CALL_META

#: Resources that attach one thing to one user, and the argument naming the user.
USER_ONLY = {
    "aws_iam_user_policy": "user",
    "aws_iam_user_policy_attachment": "user",
    "aws_iam_user_group_membership": "user",
    "aws_iam_access_key": "user",
    "aws_iam_user_login_profile": "user",
    "aws_iam_user_ssh_key": "username",
    "aws_iam_service_specific_credential": "user_name",
    "aws_iam_signing_certificate": "user_name",
    "aws_iam_user_policy_attachments_exclusive": "user_name",
    "aws_iam_user_policies_exclusive": "user_name",
}
#: Resources shared by several users, and their list of users. One whose every user goes, and
#: that attaches nothing else (``roles``, ``groups``), goes whole: a policy attachment with no
#: principal at all is refused by AWS.
SHARED_LISTS = {"aws_iam_group_membership": "users", "aws_iam_policy_attachment": "users"}
_OTHER_PRINCIPALS = ("roles", "groups")


@dataclass(frozen=True)
class Decision:
    """One more thing to remove (a block, an attribute, an element: its exact range), or a
    note for a person."""

    edit: FileEdit | None = None
    note: str | None = None


Gone = Callable[[Located], bool]
#: Whether a ``locals`` value (``local.x`` of the directory of a file) is read by a block the
#: edits leave.
Read = Callable[[str, str], bool]


def decide(
    item: Located,
    block_uses: Sequence[Located],
    gone: Gone,
    read: Read = lambda _file, _name: False,
) -> Decision:
    """What to do about ``item``, a dangling use; ``block_uses`` are all the uses in its
    top-level block, ``gone`` says whether one of them dangles or is removed already, ``read``
    whether a ``locals`` value is read elsewhere."""
    case = _Case(item, block_uses, gone, read)
    for rule in (
        case.user_only,
        case.shared_list,
        case.depends_on,
        case.output,
        case.local,
        case.data,
        case.statement,
        case.collection_element,
    ):
        span = rule()
        if span is not None:
            return Decision(FileEdit(item.file, span.start, span.end))
    return Decision(note=manual_note(item))


class _Case:
    """One dangling use and the rules that may take something away for it; each rule returns
    the range to remove, or ``None`` when it does not apply."""

    def __init__(
        self, item: Located, block_uses: Sequence[Located], gone: Gone, read: Read
    ) -> None:
        self.file = item.file
        self.read = read
        self.use = item.use
        self.block = item.use.block
        self.kind = self.block.block_type
        self.first = self.use.path[0]
        self.block_uses = block_uses
        self.gone = gone

    def only_gone(self, where: Callable[[Located], bool] = lambda other: True) -> bool:
        return all(self.gone(other) for other in self.block_uses if where(other))

    def _resource_type(self) -> str | None:
        labels = self.block.labels
        return labels[0] if self.kind == "resource" and len(labels) == 2 else None

    def _top_level(self, name: str | None) -> bool:
        return name is not None and self.use.path == (name,)

    def user_only(self) -> SourceSpan | None:
        argument = USER_ONLY.get(self._resource_type() or "")
        if self._top_level(argument) and self.only_gone(lambda o: o.use.path == (argument,)):
            return self.block.span
        return None

    def shared_list(self) -> SourceSpan | None:
        argument = SHARED_LISTS.get(self._resource_type() or "")
        use = self.use
        if not (self._top_level(argument) and use.element):
            return None
        if not self.only_gone(lambda o: o.use.unit == use.unit):
            return None
        emptied = all(
            any(self.gone(o) for o in self.block_uses if o.use.unit == element.span)
            for element in use.attribute.elements
        )
        alone = not other_principals(self.block)
        return self.block.span if emptied and alone else use.unit

    def depends_on(self) -> SourceSpan | None:
        return self.use.unit if self._top_level("depends_on") and self.use.element else None

    def output(self) -> SourceSpan | None:
        if self.kind != "output":
            return None
        use = self.use
        if self._top_level("value") and use.element:
            # An element or entry of a literal list or object: the output goes whole only when
            # every one of them goes (a literal or ``var.*`` in another is no reference).
            attribute = use.attribute
            units = [e.span for e in attribute.elements] + [e.span for e in attribute.entries]
            every = all(
                any(self.gone(o) for o in self.block_uses if o.use.unit == unit) for unit in units
            )
            if every and self.only_gone():
                return self.block.span
            if self.only_gone(lambda o: o.use.unit == use.unit):
                return use.unit
            return None
        if self.only_gone():
            return self.block.span
        return self._going_unit() if self._top_level("value") else None

    def local(self) -> SourceSpan | None:
        if self.kind != "locals" or not self.only_gone(lambda o: o.use.path[0] == self.first):
            return None
        if self.read(self.file, f"local.{self.first}"):
            element = self._going_unit()
            if element is not None:
                return element
        return self.use.attribute.span

    def _going_unit(self) -> SourceSpan | None:
        """The outermost element or entry holding the use, of the literal lists and objects
        the value is written as, that is only about what goes (see :func:`going_unit`)."""
        use = self.use
        return going_unit(
            use.attribute.value,
            use.traversal.span,
            lambda unit: self.only_gone(lambda other: _within(other, use, unit)),
        )

    def data(self) -> SourceSpan | None:
        return self.block.span if self.kind == "data" and self.only_gone() else None

    def collection_element(self) -> SourceSpan | None:
        """An element or entry of a literal list or object that a ``locals`` value or a module
        input is written as (``admins = [aws_iam_user.a.name, aws_iam_user.b.name]``), nested
        in one (``{ web = [aws_iam_user.a.name, ...] }``), or reaching it through functions
        that pass elements on (``toset([...])``, ``concat([...], var.more)``): the outermost
        one that is only about what goes. So too in the ``for_each`` of a resource or a
        module call written that way (``for_each = toset([aws_iam_user.a.name, ...])``): the
        instance keyed by the element goes, which the evaluation lists; no other meta-argument
        (a ``count`` element would shift the instances after it)."""
        if self.use.nested:
            return None
        if self.first == "for_each" and self.kind in ("resource", "module"):
            return self._going_unit()
        if self.kind == "module" and self.first in CALL_META:
            return None
        if self.kind not in ("locals", "module"):
            return None
        return self._going_unit()

    def statement(self) -> SourceSpan | None:
        """A ``moved`` or ``import`` block whose target goes."""
        return self.block.span if self.kind in ("moved", "import") and self.first == "to" else None


#: Functions whose value holds each element of their list arguments as it is: taking one out
#: of a literal argument takes just that one out of the value (``flatten``: out of the list
#: it is in). Not ``merge`` (an entry taken out of a later object lets an earlier one's value
#: show) nor anything that computes from elements.
PASSING_ELEMENTS = frozenset(
    {"toset", "tolist", "concat", "distinct", "compact", "sort", "setunion", "flatten"}
)


def going_unit(
    value: Expr, span: SourceSpan, going: Callable[[SourceSpan], bool]
) -> SourceSpan | None:
    """What to take out of ``value``, written as literal lists and objects (nested in one
    another, or as arguments of :data:`PASSING_ELEMENTS`), for the reference at ``span``:

    * a member of a list that is an object entry's value, at any depth (``web = [...]``,
      ``{ name = "ops", members = [...] }``): the team stays, if empty, with what is keyed by
      it (a group and its policies);
    * else the outermost list element that ``going`` says is only about what goes; an object
      in a list is a record, taken out whole or not at all (its other fields are read
      beside the one naming the user), and so is a list in a list (a pair read by position),
      unless ``flatten`` makes its elements the value's;
    * else an entry of ``value`` itself, when ``value`` is an object (a map of users).

    ``None`` when ``value`` does anything else with what ``span`` holds (a ``for``, an index,
    another function), or nothing of it is only about what goes."""
    return _going(value, span, going, top=True, flattening=False)


def _going(
    value: Expr,
    span: SourceSpan,
    going: Callable[[SourceSpan], bool],
    *,
    top: bool,
    flattening: bool,
) -> SourceSpan | None:
    if isinstance(value, Call):
        if value.name not in PASSING_ELEMENTS or value.expand_final:
            return None
        holding = [arg for arg in value.args if _holds(arg.span, span)]
        if not holding:
            return None
        flattening = flattening or value.name == "flatten"
        return _going(holding[0], span, going, top=False, flattening=flattening)
    if isinstance(value, TupleExpr):
        element = next((e for e in value.elements if _holds(e.span, span)), None)
        if element is None:
            return None
        if isinstance(element.value, ObjectExpr):
            member = _member(element.value, span, going)
            if member is not None:
                return member
            return element.span if going(element.span) else None
        if going(element.span):
            return element.span
        if not flattening:
            return None  # `[aws_iam_user.bob.name, aws_iam_group.g.name]`: a pair, read by position
        return _going(element.value, span, going, top=False, flattening=True)
    if isinstance(value, ObjectExpr):
        member = _member(value, span, going)
        if member is not None or not top:
            return member
        entry = next((e for e in value.entries if _holds(e.span, span)), None)
        return entry.span if entry is not None and going(entry.span) else None
    return None


def _member(
    record: ObjectExpr, span: SourceSpan, going: Callable[[SourceSpan], bool]
) -> SourceSpan | None:
    """The element to take out of a list that is the value of one of ``record``'s entries,
    or of an object nested in it, holding ``span``."""
    entry = next((e for e in record.entries if _holds(e.span, span)), None)
    if entry is None:
        return None
    inner = entry.value
    if isinstance(inner, ObjectExpr):
        return _member(inner, span, going)
    listed = isinstance(inner, TupleExpr) or (
        isinstance(inner, Call) and inner.name in PASSING_ELEMENTS
    )
    if listed and _holds(inner.span, span):
        return _going(inner, span, going, top=False, flattening=False)
    return None


def _holds(outer: SourceSpan, inner: SourceSpan) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _within(other: Located, use: Use, unit: SourceSpan) -> bool:
    """Whether ``other`` is a reference in ``unit`` of the attribute ``use`` is in."""
    return other.use.attribute.span == use.attribute.span and _holds(unit, other.use.traversal.span)


def other_principals(block: Block) -> bool:
    """Whether a shared-list block attaches something besides users (``roles``, ``groups``
    written as anything but an empty list: AWS refuses an attachment with no principal)."""
    for name in _OTHER_PRINCIPALS:
        attribute = block.attribute(name)
        if attribute is not None and not _empty_list(attribute.value):
            return True
    return False


def _empty_list(value: Expr) -> bool:
    return isinstance(value, TupleExpr) and not value.elements


def manual_note(item: Located) -> str:
    """What a person has to change, and where."""
    use = item.use
    traversal = use.traversal
    written = address_of(traversal)
    if traversal.kind == "module" and traversal.attribute:
        written += f".{traversal.attribute}"
    where = f"{item.file}:{traversal.span.line}"
    return (
        f"{where}: `{use.block_name}` refers to `{written}` in `{'.'.join(use.path)}`, which "
        "this removal takes away; change or remove that reference by hand"
    )
