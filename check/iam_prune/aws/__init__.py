"""The AWS edge: turns a live account into :class:`~iam_prune.model.Inventory` facts.

Nothing past this package sees a boto3 dict. Every failure leaves as an :class:`AwsError`
carrying a message a person can act on.
"""

from __future__ import annotations

from typing import Final

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

#: The error codes AWS answers a call the credentials may not make with.
DENIED: Final = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


#: What an answer that is not what the API documents ends in: unparseable XML (botocore's
#: parser), or parsed but without the fields every answer of that kind has.
NONSENSE: Final = (ResponseParserError, KeyError, TypeError, ValueError, AttributeError)


def error_code(error: ClientError) -> str:
    """The AWS error code of a failed call (``""`` when the answer carries none)."""
    return str(error.response.get("Error", {}).get("Code", ""))


class AwsError(Exception):
    """The AWS side could not be read (credentials, permissions, connectivity, a bad answer)."""

    def __init__(self, message: str, *, account_id: str | None = None) -> None:
        super().__init__(message)
        self.account_id = account_id


class WriteRefusedError(AwsError):
    """An operation outside the read-only allowlist was about to be sent; it never was."""
