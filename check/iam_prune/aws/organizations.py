"""The accounts of an AWS organisation, each with its name and the path of OUs above it.

Read from the management account (or a delegated administrator): ``ListAccounts`` for the
whole organisation, or the subtrees of the ``--ou`` given (``ListAccountsForParent`` and
``ListOrganizationalUnitsForParent``, recursively). The path of OU ids comes from walking the
tree down from the root, which costs two calls per OU however many accounts there are, where
asking ``ListParents`` for every account would cost one per account and level. Only ACTIVE
accounts are kept: a suspended or closing account cannot be scanned and is not an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from iam_prune.aws import DENIED, AwsError, error_code
from iam_prune.aws.session import GuardedSession

#: The largest page Organizations serves for accounts and OUs.
_PAGE_SIZE = 20


@dataclass(frozen=True)
class OrgAccount:
    account_id: str
    name: str
    ou_path: str  # the root's id, then each OU's id down to the account: r-ab12/ou-ab12-x1


@dataclass(frozen=True)
class Organization:
    """The caller, and the accounts found (sorted by id)."""

    caller_account: str
    partition: str
    accounts: tuple[OrgAccount, ...]
    #: ``--ou`` values that name nothing in the organisation: the others are still scanned.
    problems: tuple[AwsError, ...] = ()


def discover(gs: GuardedSession, ous: Iterable[str] = ()) -> Organization:
    """The ACTIVE accounts of the organisation, or of the subtrees under ``ous``."""
    identity = _call(gs.client("sts", quick=True), "get_caller_identity", "sts:GetCallerIdentity")
    caller = str(identity["Account"])
    partition = str(identity["Arn"]).split(":")[1]
    org = gs.client("organizations")
    problems: list[AwsError] = []
    try:
        wanted = tuple(dict.fromkeys(ous))
        if wanted:
            found = []
            for ou in wanted:
                try:
                    found += _subtree(org, ou, caller)
                except AwsError as unknown:  # a typo in one --ou: the others still count
                    problems.append(unknown)
        else:
            paths = dict(_walk_from_roots(org))
            listed = list(_pages(org, "list_accounts", "Accounts"))
            found = [
                _account(entry, paths.get(str(entry["Id"]), ""))
                for entry in listed
                if _active(entry)
            ]
            if not found:
                raise _no_accounts(listed, caller)
    except ClientError as error:
        raise _explained(error, gs, caller) from error
    unique = {account.account_id: account for account in found}
    accounts = tuple(unique[key] for key in sorted(unique))
    return Organization(caller, partition, accounts, tuple(problems))


def _active(entry: dict[str, Any]) -> bool:
    """Whether an account is ACTIVE: ``State`` since AWS retired ``Status`` (announced for
    2026-09-09 in botocore's model); ``Status`` where an older answer has only that."""
    return (entry.get("State") or entry.get("Status")) == "ACTIVE"


def _no_accounts(listed: list[dict[str, Any]], caller: str) -> AwsError:
    """ListAccounts always lists the management account, which is ACTIVE: an answer with no
    active account is one iam-prune cannot read, never a clean organisation."""
    if not listed:
        what = "no account at all"
    else:
        states = sorted({str(e.get("State") or e.get("Status") or "none") for e in listed})
        what = f"{len(listed)} accounts, none ACTIVE (State: {', '.join(states)})"
    return AwsError(
        f"organizations:ListAccounts answered {what}; an organisation always has its "
        "management account, so this answer cannot be read and nothing is scanned",
        account_id=caller,
    )


def _account(entry: dict[str, Any], path: str) -> OrgAccount:
    return OrgAccount(account_id=str(entry["Id"]), name=str(entry.get("Name", "")), ou_path=path)


def _pages(org: Any, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    pages = org.get_paginator(operation).paginate(
        PaginationConfig={"PageSize": _PAGE_SIZE}, **params
    )
    for page in pages:
        yield from page.get(key, [])


def _walk_from_roots(org: Any) -> Iterator[tuple[str, str]]:
    """(account id, its OU path) for every account under every root."""
    for root in _pages(org, "list_roots", "Roots"):
        for account, path in _walk(org, str(root["Id"]), str(root["Id"])):
            yield str(account["Id"]), path


def _walk(org: Any, parent: str, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every account below ``parent`` (whose path is ``path``), depth first."""
    for account in _pages(org, "list_accounts_for_parent", "Accounts", ParentId=parent):
        yield account, path
    for ou in _pages(
        org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent
    ):
        yield from _walk(org, str(ou["Id"]), f"{path}/{ou['Id']}")


_NOT_FOUND = frozenset(
    {
        "ChildNotFoundException",
        "ParentNotFoundException",
        "OrganizationalUnitNotFoundException",
        "InvalidInputException",
    }
)


def _subtree(org: Any, ou: str, caller: str) -> list[OrgAccount]:
    try:
        path = _path_to(org, ou)
        return [
            _account(entry, account_path)
            for entry, account_path in _walk(org, ou, path)
            if _active(entry)
        ]
    except ClientError as error:
        code = error_code(error)
        if code not in _NOT_FOUND:
            raise
        raise AwsError(
            f"--ou {ou}: no such OU or root in the organisation of account {caller} ({code})",
            account_id=caller,
        ) from error


def _path_to(org: Any, node: str) -> str:
    """The ids from the root down to ``node``, through ListParents (one call per level)."""
    path = [node]
    while not path[0].startswith("r-"):
        parents = org.list_parents(ChildId=path[0])["Parents"]
        if not parents:
            break
        path.insert(0, str(parents[0]["Id"]))
    return "/".join(path)


def _call(client: Any, method: str, action: str) -> dict[str, Any]:
    try:
        result: dict[str, Any] = getattr(client, method)()
    except ClientError as error:
        raise AwsError(f"{action} failed: {error}") from error
    return result


def _explained(error: ClientError, gs: GuardedSession, caller: str) -> AwsError:
    """What to do about a failed listing: which permission, and which account has it."""
    code = error_code(error)
    action = f"organizations:{error.operation_name}"
    if code == "AWSOrganizationsNotInUseException":
        return AwsError(
            f"account {caller} is not in an AWS organisation: --organization needs the "
            "management account of one (or a delegated administrator)",
            account_id=caller,
        )
    if code not in DENIED:
        return AwsError(f"{action} failed: {code or error}", account_id=caller)
    return AwsError(
        f"access denied to {action} for account {caller}: --organization lists the accounts "
        f"from {_management_hint(gs)} (or a delegated administrator), with {action} allowed "
        "(README, section 'Many accounts', lists that policy)",
        account_id=caller,
    )


def _management_hint(gs: GuardedSession) -> str:
    """ "the management account 111111111111" when a member account may ask, else less."""
    try:
        organization = gs.client("organizations").describe_organization()["Organization"]
    except ClientError:
        return "the organisation's management account"
    return f"the management account {organization['MasterAccountId']}"
