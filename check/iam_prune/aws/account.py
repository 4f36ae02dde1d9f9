"""The account's IAM alias: the name people know an account by, shown next to its id.

An alias is a courtesy to the reader, not a fact the results depend on, so one that cannot be
read (a policy without ``iam:ListAccountAliases``) is a note on the account, never an error
that would make the report incomplete.
"""

from __future__ import annotations

import botocore.exceptions

from iam_prune.aws import NONSENSE, AwsError, error_code
from iam_prune.aws.session import GuardedSession


def account_alias(gs: GuardedSession) -> tuple[str | None, str | None]:
    """The alias (an account has at most one) or ``None``, and a note when it could not be
    read."""
    try:
        answer = gs.client("iam").list_account_aliases()
    except botocore.exceptions.ClientError as error:
        code = error_code(error) or "an error"
        return None, f"account alias not read ({code}): allow iam:ListAccountAliases to show it"
    except (AwsError, botocore.exceptions.BotoCoreError) as error:
        return None, f"account alias not read: {error}"
    except NONSENSE as error:  # a courtesy: an unreadable answer costs the alias, not the run
        return None, f"account alias not read: AWS answered {type(error).__name__}: {error}"
    aliases = answer.get("AccountAliases")
    if isinstance(aliases, list) and aliases and isinstance(aliases[0], str):
        return aliases[0], None
    return None, None
