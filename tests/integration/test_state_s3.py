"""``--state s3://bucket/key``: the S3 backend read through the read-only session, over HTTP.

The bucket and the object are created with a plain boto3 client (the test's own, not
iam-prune's); iam-prune reads through a :class:`GuardedSession`, which must let GetObject
through and still refuse anything that writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from iam_prune.aws import WriteRefusedError
from iam_prune.aws.session import READ_ONLY_OPERATIONS, GuardedSession
from iam_prune.terraform.state import StateError, StateInstance, load_state

STATE = (Path(__file__).resolve().parents[1] / "data" / "state" / "v4.tfstate").read_bytes()
BUCKET = "acme-terraform-state"
KEY = "accounts/prod/terraform.tfstate"


@pytest.fixture
def backend(aws: str) -> Any:
    """The S3 backend's bucket with the state in it, made by a client that is not guarded."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=STATE)
    return s3


@pytest.fixture
def guarded(aws: str) -> GuardedSession:
    return GuardedSession(boto3.Session())


def test_state_is_read_from_s3_with_one_get_object(backend: Any, guarded: GuardedSession) -> None:
    assert ("s3", "GetObject") in READ_ONLY_OPERATIONS

    index = load_state(f"s3://{BUCKET}/{KEY}", s3_client=lambda: guarded.client("s3"))

    assert index.source == f"s3://{BUCKET}/{KEY}"
    assert index.find('module.team["payments"].aws_iam_user.this') == StateInstance(
        'module.team["payments"].aws_iam_user.this', "payments-bot"
    )
    assert len(index.all()) == 9
    assert guarded.counter.count == 1


def test_the_guarded_session_still_refuses_to_write_to_the_bucket(
    backend: Any, guarded: GuardedSession
) -> None:
    s3 = guarded.client("s3")
    with pytest.raises(WriteRefusedError, match="refused to send s3:PutObject"):
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"{}")
    with pytest.raises(WriteRefusedError, match="refused to send s3:DeleteObject"):
        s3.delete_object(Bucket=BUCKET, Key=KEY)

    assert guarded.counter.count == 0  # refused before anything was sent
    assert backend.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == STATE


def test_a_missing_key_names_the_action_bucket_and_key(
    backend: Any, guarded: GuardedSession
) -> None:
    with pytest.raises(StateError) as raised:
        load_state(f"s3://{BUCKET}/prod.tfstate", s3_client=lambda: guarded.client("s3"))
    message = str(raised.value)
    assert message.startswith(f"Terraform state s3://{BUCKET}/prod.tfstate: ")
    assert f"s3:GetObject found no object at bucket {BUCKET}, key prod.tfstate" in message
    assert "env:/WORKSPACE/KEY" in message


def test_a_missing_bucket_names_the_bucket(aws: str, guarded: GuardedSession) -> None:
    with pytest.raises(StateError, match="s3:GetObject: bucket no-such-bucket does not exist"):
        load_state("s3://no-such-bucket/terraform.tfstate", s3_client=lambda: guarded.client("s3"))


def test_access_denied_says_which_permission_is_missing(
    backend: Any, guarded: GuardedSession
) -> None:
    def deny(request: Any, **_: Any) -> AWSResponse:
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            b"<Message>Access Denied</Message><RequestId>R</RequestId></Error>"
        )
        return AWSResponse(request.url, 403, {"Content-Type": "application/xml"}, _Raw(body))

    guarded.session.events.register("before-send.s3.GetObject", deny)

    with pytest.raises(StateError) as raised:
        load_state(f"s3://{BUCKET}/{KEY}", s3_client=lambda: guarded.client("s3"))
    message = str(raised.value)
    assert f"s3:GetObject was refused for bucket {BUCKET}, key {KEY}" in message
    assert "(AccessDenied: Access Denied)" in message
    assert f"arn:aws:s3:::{BUCKET}/{KEY}" in message


def test_an_object_that_is_not_a_state_is_an_error_naming_the_url(
    backend: Any, guarded: GuardedSession
) -> None:
    backend.put_object(Bucket=BUCKET, Key="notes.txt", Body=b"remember the milk")
    with pytest.raises(StateError, match=rf"s3://{BUCKET}/notes\.txt: not JSON"):
        load_state(f"s3://{BUCKET}/notes.txt", s3_client=lambda: guarded.client("s3"))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body
