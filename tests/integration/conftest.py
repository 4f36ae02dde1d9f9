"""Integration fixtures: moto's server on loopback, reached through boto3 over HTTP; a fake
GitHub on loopback for ``publish``.

One server per test session (starting it costs a second); its state is wiped before each test
with ``POST /moto-api/reset``. Tests seed users through the same helper the demo uses.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import github_scenario as scenario
import pytest
from fake_github import FakeGitHub
from openapi_check import description

from iam_prune import demo
from iam_prune.publish import github_api

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with demo.moto_server() as url:
        yield url


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean emulated account, and the standard AWS variables pointing at it."""
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    for key, value in {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "3",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "GITHUB_ACTIONS", "CI"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/iam-prune-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/iam-prune-test-credentials")
    return moto_url


@pytest.fixture
def seed_account(aws: str) -> Any:
    """``seed_account({"users": [...]})`` creates users as ``examples/demo/account.json`` does."""

    def seed(spec: dict[str, Any], now: datetime | None = None, **where: Any) -> None:
        demo.seed(spec, aws, now or datetime.now(UTC), **where)

    return seed


@pytest.fixture
def demo_spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (REPO / "examples" / "demo" / "account.json").read_text(encoding="utf-8")
    )
    return loaded


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty git-like repository root as the working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def server_actions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every action moto's server was asked to perform, recorded on the server's side."""
    from moto.core.responses import BaseResponse

    seen: list[str] = []
    original = BaseResponse.call_action

    def recording(self: Any) -> Any:
        seen.append(self._get_action())
        return original(self)

    monkeypatch.setattr(BaseResponse, "call_action", recording)
    return seen


def aws_error(status: int, code: str, message: str) -> tuple[int, bytes]:
    """An error body as IAM and STS (query protocol) send it."""
    body = (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    )
    return status, body.encode()


def json_error(status: int, code: str, message: str) -> tuple[int, bytes]:
    """An error body as JSON-protocol services (Organizations) send it."""
    return status, json.dumps({"__type": code, "Message": message}).encode()


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


FaultRule = Any  # Callable[[str, dict[str, list[str]]], tuple[int, bytes] | None]


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> list[FaultRule]:
    """Rules that answer a request instead of moto: ``rule(action, params) -> (status, body)``.

    They sit in botocore's ``before-send`` of every session iam-prune opens, so the answer
    goes through the client's parsing and retry logic exactly like a real one, and is
    counted like one.
    """
    from urllib.parse import parse_qs

    from botocore.awsrequest import AWSResponse

    from iam_prune.aws.session import GuardedSession

    rules: list[FaultRule] = []
    original = GuardedSession.__post_init__

    def answer(request: Any, **_: Any) -> AWSResponse | None:
        body = request.body or b""
        params = parse_qs(body.decode() if isinstance(body, bytes) else str(body))
        # Query protocol (IAM, STS): the action is a form field; JSON protocol (Organizations):
        # it ends the X-Amz-Target header.
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else str(target)
        action = params.get("Action", [""])[0] or target.rpartition(".")[2]
        for rule in rules:
            reply = rule(action, params)
            if reply is not None:
                status, payload = reply
                return AWSResponse(request.url, status, {"Content-Type": "text/xml"}, _Raw(payload))
        return None

    def post_init(self: Any) -> None:
        original(self)
        self.session.events.register("before-send", answer)

    monkeypatch.setattr(GuardedSession, "__post_init__", post_init)
    return rules


@pytest.fixture
def frozen_credential_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve the first credential report again and again, as AWS does for up to 4 hours."""
    from moto.iam.models import IAMBackend

    original = IAMBackend.get_credential_report
    cache: dict[str, str] = {}

    def cached(self: Any) -> str:
        if self.account_id not in cache:
            cache[self.account_id] = original(self)
        return cache[self.account_id]

    monkeypatch.setattr(IAMBackend, "get_credential_report", cached)


# --------------------------------------------------------------------------- GitHub

GITHUB_TOKEN = scenario.TOKEN
PULL_REQUEST = scenario.PULL_REQUEST


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        fake.state.tokens[GITHUB_TOKEN] = "write"
        fake.state.files[PULL_REQUEST] = scenario.pr_files()
        fake.state.heads[PULL_REQUEST] = "h" * 40
        event = tmp_path / "event.json"
        event.write_text(
            json.dumps(
                {
                    "pull_request": {
                        "number": PULL_REQUEST,
                        "head": {"sha": "h" * 40},
                        "base": {"sha": "b" * 40},
                    }
                }
            )
        )
        for key, value in {
            "GITHUB_REPOSITORY": "octo/infra",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_API_URL": fake.url,
            "GITHUB_GRAPHQL_URL": f"{fake.url}/graphql",
            "GITHUB_SERVER_URL": "https://github.test",
            "GITHUB_RUN_ID": "42",
            "GITHUB_TOKEN": GITHUB_TOKEN,
        }.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
        yield fake
        checker = description()
        if checker is not None:
            problems = [p for request in fake.state.log for p in checker.problems(request)]
            assert problems == []


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(github_api, "_sleep", recorded.append)
    return recorded
