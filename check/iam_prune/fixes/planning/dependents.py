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
* an output goes when everything it refers to goes, else loses the element or entry of its
  value that is only about what goes; a ``locals`` value goes when everything it refers to
  goes; so does a data source (reading data destroys nothing);
* a ``moved`` or ``import`` block whose ``to`` goes, goes;
* a ``locals`` value or a module call's input that is a literal list or object loses the
  element or entry that is only about what goes: a value read elsewhere, it changes for every
  reader, which ``readers`` holds to what a collection edit may change (a module iam-prune
  cannot read refuses it there);
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
from iam_prune.terraform.syntax import Block, Expr, TupleExpr
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


def decide(item: Located, block_uses: Sequence[Located], gone: Gone) -> Decision:
    """What to do about ``item``, a dangling use; ``block_uses`` are all the uses in its
    top-level block, ``gone`` says whether one of them dangles or is removed already."""
    case = _Case(item, block_uses, gone)
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

    def __init__(self, item: Located, block_uses: Sequence[Located], gone: Gone) -> None:
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
        return None

    def local(self) -> SourceSpan | None:
        if self.kind == "locals" and self.only_gone(lambda o: o.use.path[0] == self.first):
            return self.use.attribute.span
        return None

    def data(self) -> SourceSpan | None:
        return self.block.span if self.kind == "data" and self.only_gone() else None

    def collection_element(self) -> SourceSpan | None:
        """An element or entry of a literal list or object that a ``locals`` value or a module
        input is written as (``admins = [aws_iam_user.a.name, aws_iam_user.b.name]``), when it
        is only about what goes. Not a module's meta-arguments: a ``for_each`` entry is an
        instance of the call, which the start of a fix decides."""
        if not self.use.element or self.use.nested:
            return None
        if self.kind == "module" and self.first in CALL_META:
            return None
        if self.kind not in ("locals", "module"):
            return None
        unit = self.use.unit
        return unit if self.only_gone(lambda o: o.use.unit == unit) else None

    def statement(self) -> SourceSpan | None:
        """A ``moved`` or ``import`` block whose target goes."""
        return self.block.span if self.kind in ("moved", "import") and self.first == "to" else None


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
