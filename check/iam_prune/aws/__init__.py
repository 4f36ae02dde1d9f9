"""The AWS edge: turns a live account into :class:`~iam_prune.model.Inventory` facts.

Nothing past this package sees a boto3 dict. Every failure leaves as an :class:`AwsError`
carrying a message a person can act on.
"""

from __future__ import annotations


class AwsError(Exception):
    """The AWS side could not be read (credentials, permissions, connectivity, a bad answer)."""

    def __init__(self, message: str, *, account_id: str | None = None) -> None:
        super().__init__(message)
        self.account_id = account_id


class WriteRefusedError(AwsError):
    """An operation outside the read-only allowlist was about to be sent; it never was."""
