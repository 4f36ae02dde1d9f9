"""What a change destroys, in the order a person reads it, and what iam-prune cannot list.

``terraform plan`` lists every resource instance it destroys. iam-prune lists the same from its
own evaluation, the retired users first; where the code does not say (a module it cannot read,
instances it cannot expand), a note says so instead of leaving the list silently short.
"""

from __future__ import annotations

from collections.abc import Sequence

from iam_prune.fixes.evaluation.compare import Change
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.model import Declaration
from iam_prune.terraform.addresses import WILDCARD
from iam_prune.terraform.moduleconfig import is_iam_user_module


def destroys(change: Change | None, declarations: Sequence[Declaration]) -> tuple[str, ...]:
    """The instances ``change`` destroys, the declared users first; without an evaluation,
    just the users."""
    if change is None:
        return tuple(d.address for d in declarations)
    inside_opaque = {
        d.address
        for d in declarations
        if any(d.address.startswith(module + ".") for module in change.opaque)
    }
    users = list(dict.fromkeys(d.address for d in declarations if d.address in change.destroyed))
    users += [a for a in sorted(inside_opaque) if a not in users]
    return (*users, *(a for a in change.destroyed if a not in users))


def destroy_notes(change: Change | None) -> list[str]:
    """A note for every module whose contents go unlisted, and every resource whose instances
    could not be expanded."""
    if change is None:
        return []
    notes = []
    if len(change.roots) > 1:
        where = ", ".join(f"`{root}`" for root in change.roots)
        notes.append(f"What goes is spread over the root modules {where}: plan each of them.")
    for module in change.opaque:
        source = change.facts(module).source
        if is_iam_user_module(source):
            notes.append(
                f"`{module}` is terraform-aws-modules' iam-user module: `terraform plan` also "
                "destroys what it made for the user (login profile, access keys, SSH key, "
                "policies, as its inputs say), which iam-prune cannot list."
            )
        else:
            notes.append(
                f"`{module}` comes from `{source}`, which iam-prune cannot read: "
                "`terraform plan` also destroys whatever it holds."
            )
    for resource in sorted({a.split(WILDCARD)[0] for a in change.destroyed if WILDCARD in a}):
        notes.append(
            f"The instances of `{resource}` could not be listed from the code; "
            "`terraform plan` shows which of them go."
        )
    return notes


#: The one shared list whose update Terraform cannot order before the user's deletion, and
#: the AWS provider does not make up for (it takes a user out of its groups itself).
POLICY_ATTACHMENT = "aws_iam_policy_attachment"


def apply_order_notes(change: Change | None) -> list[str]:
    """How to apply a change that takes the user out of an ``aws_iam_policy_attachment`` in
    place: the user is gone from the attachment's new configuration, so nothing orders the
    two, and Terraform deletes the user first, which AWS refuses while the policy is still
    attached to it (DeleteConflict), every time it is tried. Applying the attachment alone
    first does it."""
    if change is None:
        return []
    attachments = [
        address
        for address in change.changed
        if (facts := change.facts(address)).kind == "resource"
        and facts.config.split(".")[0] == POLICY_ATTACHMENT
    ]
    if not attachments:
        return []
    ordered = sorted(attachments)
    targets = " ".join(f"-target='{address}'" for address in ordered)
    names = [f"`{address}`" for address in ordered]
    named = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return [
        f"Apply in two steps: `terraform apply {targets}`, then `terraform apply`. Terraform "
        f"would delete the user before updating {named}, and AWS refuses to delete a user "
        "that a managed policy is still attached to (DeleteConflict)."
    ]


def orphaned_modules(before: Workspace, after: Workspace) -> list[str]:
    """The local module directories that module calls reach before a change and none reach
    after it (their last call went with a user): left in place, a later scan reads each as a
    root module of its own, whose inputs nobody gives."""
    return sorted(before.called_directories() - after.called_directories())


def orphan_note(directory: str, applied: str) -> str:
    """The note for a module directory ``orphaned_modules`` found, once ``applied`` is."""
    return (
        f"`{directory}` is called by no module once {applied} is applied: delete it in the "
        "same change if nothing outside this repository uses it (a later scan would read it "
        "as a root module whose variables nobody sets)"
    )
