"""The stall guard: timeouts in a row end a session's calls; an answer in between resets."""

from __future__ import annotations

import pytest
from botocore.exceptions import ReadTimeoutError

from iam_prune.aws import AwsError
from iam_prune.aws.session import StallGuard


def timeout() -> ReadTimeoutError:
    return ReadTimeoutError(endpoint_url="http://127.0.0.1:1")


def test_timeouts_in_a_row_give_up_for_the_whole_session() -> None:
    guard = StallGuard(limit=3)
    guard.needs_retry(caught_exception=timeout())
    guard.needs_retry(caught_exception=timeout())
    with pytest.raises(AwsError, match="stopped answering: 3 requests in a row"):
        guard.needs_retry(caught_exception=timeout())
    with pytest.raises(AwsError):
        guard.before_send()  # no later request waits again
    with pytest.raises(AwsError):  # nor does an answer bring the session back
        guard.needs_retry(caught_exception=None, response=({}, {}))
        guard.before_send()


def test_an_answer_between_timeouts_starts_the_count_again() -> None:
    guard = StallGuard(limit=3)
    for _ in range(5):
        guard.needs_retry(caught_exception=timeout())
        guard.needs_retry(caught_exception=timeout())
        guard.needs_retry(caught_exception=None, response=({}, {}))
    guard.before_send()
    assert not guard.given_up
