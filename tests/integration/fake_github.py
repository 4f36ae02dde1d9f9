"""A stateful fake of the GitHub REST and GraphQL APIs, on loopback, for ``publish`` tests.

It answers the way GitHub does where iam-prune depends on it: ``Link`` pagination (pages
smaller than asked for, so a comment can sit on page three), 422 for a body over 65,536
characters and for a review comment outside the diff, 403 "Resource not accessible by
integration" to a read-only token, both rate limits, and a 502 now and then. Every request is
logged, so a test can check it against GitHub's OpenAPI description.

The diff check is written here from the hunk headers, independently of iam-prune's own.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 65_536
NOT_ACCESSIBLE = "Resource not accessible by integration"
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    """Answer the next request matching ``method``/``path_part`` with this instead."""

    kind: str  # "502", "done-then-502", "primary", "secondary", "redirect", "outside-diff"
    method: str = ""
    path_part: str = ""
    target: str = ""  # for "redirect": where to


@dataclass
class State:
    owner: str = "octo"
    repo: str = "infra"
    bot: str = "github-actions[bot]"
    viewer: str | None = "github-actions[bot]"  # None: GraphQL viewer answers FORBIDDEN
    #: The token has no push access: GitHub silently drops the labels of a new issue.
    drops_labels: bool = False
    tokens: dict[str, str] = field(default_factory=dict)  # token -> "write" | "read"
    page_size: int = 2
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    review_comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    files: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    heads: dict[int, str] = field(default_factory=dict)  # pull request -> its head commit now
    faults: list[Fault] = field(default_factory=list)
    log: list[Logged] = field(default_factory=list)
    next_id: int = 1000
    minimized: set[int] = field(default_factory=set)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def user(self, login: str) -> dict[str, Any]:
        return {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"}

    def add_comment(self, number: int, body: str, login: str) -> dict[str, Any]:
        cid = self.new_id()
        comment = {
            "id": cid,
            "node_id": f"IC_{cid}",
            "body": body,
            "user": self.user(login),
            "html_url": f"https://github.test/{self.owner}/{self.repo}/pull/{number}#issuecomment-{cid}",
            "issue_number": number,
        }
        self.comments[cid] = comment
        return comment

    def add_issue(
        self, *, title: str, body: str, login: str, labels: list[str], pr: bool = False
    ) -> dict[str, Any]:
        number = max(self.issues, default=0) + 1
        issue = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "user": self.user(login),
            "labels": [{"name": n} for n in labels],
            "html_url": f"https://github.test/{self.owner}/{self.repo}/issues/{number}",
            "comments_log": [],
        }
        if pr:
            issue["pull_request"] = {"url": "x"}
        self.issues[number] = issue
        return issue

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue_number"] == number]


def diff_lines(patch: str) -> dict[int, int]:
    """RIGHT-side line -> hunk index of one file's patch."""
    lines: dict[int, int] = {}
    hunk, line = -1, 0
    for text in patch.split("\n"):
        match = _HUNK.match(text)
        if match:
            hunk, line = hunk + 1, int(match.group(1))
        elif hunk >= 0 and text[:1] in (" ", "+"):
            lines[line] = hunk
            line += 1
    return lines


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # ------------------------------------------------------------------ plumbing

    def _handle(self, method: str) -> None:
        state = self.server.state
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with self.server.lock:
            state.log.append(
                Logged(
                    method,
                    parts.path,
                    urllib.parse.parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
            )
            done_then_lost = False
            for fault in state.faults:
                if fault.method in ("", method) and fault.path_part in parts.path:
                    state.faults.remove(fault)
                    if fault.kind != "done-then-502":
                        return self._fault(fault)
                    done_then_lost = True
                    break
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            access = state.tokens.get(token)
            if access is None:
                return self._send(401, {"message": "Bad credentials"})
            try:
                self._route(method, parts.path, urllib.parse.parse_qs(parts.query), body, access)
            except _Answer as answer:
                if done_then_lost:  # the change is made, the answer lost on the way back
                    return self._send(502, {"message": "Server Error"})
                self._send(answer.status, answer.body, answer.headers)

    def _fault(self, fault: Fault) -> None:
        if fault.kind == "outside-diff":
            return self._send(
                422,
                {
                    "message": "Unprocessable Entity",
                    "errors": ["pull_request_review_thread.line must be part of the diff"],
                },
            )
        if fault.kind == "redirect":
            return self._send(301, {"message": "Moved Permanently"}, {"Location": fault.target})
        if fault.kind == "502":
            return self._send(502, {"message": "Server Error"})
        if fault.kind == "primary":
            return self._send(
                403,
                {"message": "API rate limit exceeded for installation."},
                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"},
            )
        return self._send(
            403,
            {"message": "You have exceeded a secondary rate limit."},
            {"retry-after": "3"},
        )

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _page(self, items: list[dict[str, Any]], path: str, query: dict[str, list[str]]) -> None:
        per_page = min(int(query.get("per_page", ["30"])[0]), self.server.state.page_size)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            following = {k: v[0] for k, v in query.items()}
            following["page"] = str(page + 1)
            host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            headers["Link"] = f'<{host}{path}?{urllib.parse.urlencode(following)}>; rel="next"'
        raise _Answer(200, [_public(i) for i in chunk], headers)

    # ------------------------------------------------------------------ the API

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, access: str
    ) -> None:
        state = self.server.state
        if path == "/graphql":
            return self._graphql(body, access)
        prefix = f"/repos/{state.owner}/{state.repo}"
        if not path.startswith(prefix):
            raise _Answer(404, {"message": "Not Found"})
        rest = path[len(prefix) :]
        if method != "GET" and access != "write":
            raise _Answer(403, {"message": NOT_ACCESSIBLE})
        if (match := re.fullmatch(r"/pulls/(\d+)", rest)) and method == "GET":
            number = int(match.group(1))
            if number not in state.heads:
                raise _Answer(404, {"message": "Not Found"})
            raise _Answer(
                200, {"number": number, "state": "open", "head": {"sha": state.heads[number]}}
            )
        if match := re.fullmatch(r"/pulls/(\d+)/files", rest):
            return self._page(state.files.get(int(match.group(1)), []), path, query)
        if match := re.fullmatch(r"/pulls/(\d+)/comments", rest):
            number = int(match.group(1))
            items = [c for c in state.review_comments if c["pull_number"] == number]
            return self._page(items, path, query)
        if match := re.fullmatch(r"/pulls/(\d+)/reviews", rest):
            return self._review(int(match.group(1)), body)
        if match := re.fullmatch(r"/issues/(\d+)/comments", rest):
            number = int(match.group(1))
            if method == "GET":
                return self._page(state.comments_on(number), path, query)
            _check_body(body["body"])
            if number in state.issues:
                state.issues[number]["comments_log"].append(body["body"])
            raise _Answer(201, state.add_comment(number, body["body"], state.bot))
        if match := re.fullmatch(r"/issues/comments/(\d+)", rest):
            comment = state.comments.get(int(match.group(1)))
            if comment is None:
                raise _Answer(404, {"message": "Not Found"})
            if comment["user"]["login"] != state.bot:
                raise _Answer(403, {"message": "Must have admin rights to Repository."})
            if method == "DELETE":
                del state.comments[comment["id"]]
                raise _Answer(204, None)
            _check_body(body["body"])
            comment["body"] = body["body"]
            raise _Answer(200, comment)
        if rest == "/issues":
            if method == "POST":
                _check_body(body["body"])
                labels = [] if state.drops_labels else body["labels"]
                issue = state.add_issue(
                    title=body["title"], body=body["body"], login=state.bot, labels=labels
                )
                raise _Answer(201, _public(issue))
            wanted = query.get("labels", [""])[0]
            which = query.get("state", ["open"])[0]
            items = [
                i
                for i in sorted(state.issues.values(), key=lambda i: -i["number"])
                if (not wanted or wanted in {label["name"] for label in i["labels"]})
                and (which == "all" or i["state"] == which)
            ]
            return self._page(items, path, query)
        if match := re.fullmatch(r"/issues/(\d+)", rest):
            issue = state.issues[int(match.group(1))]
            if "body" in body:
                _check_body(body["body"])
            issue.update(body)
            raise _Answer(200, _public(issue))
        raise _Answer(404, {"message": "Not Found"})

    def _review(self, number: int, body: dict[str, Any]) -> None:
        state = self.server.state
        files = {f["filename"]: diff_lines(f.get("patch", "")) for f in state.files.get(number, [])}
        for comment in body.get("comments", []):
            _check_body(comment["body"])
            lines = files.get(comment["path"], {})
            end = comment["line"]
            start = comment.get("start_line", end)
            if comment.get("side") != "RIGHT" or start > end:
                raise _Answer(422, {"message": "Unprocessable Entity"})
            if start == end and "start_line" in comment:
                raise _Answer(
                    422,
                    {"message": "Unprocessable Entity", "errors": ["start_line must precede line"]},
                )
            hunks = {lines.get(n) for n in range(start, end + 1)}
            if None in hunks or len(hunks) != 1:
                raise _Answer(
                    422,
                    {
                        "message": "Unprocessable Entity",
                        "errors": ["pull_request_review_thread.line must be part of the diff"],
                    },
                )
        review = {"id": state.new_id(), "state": "COMMENTED", "body": body.get("body", "")}
        state.reviews.append({**review, "commit_id": body.get("commit_id"), "pull_number": number})
        for comment in body.get("comments", []):
            state.review_comments.append(
                {
                    **comment,
                    "id": state.new_id(),
                    "pull_number": number,
                    "user": state.user(state.bot),
                    "commit_id": body.get("commit_id"),
                }
            )
        raise _Answer(200, review)

    def _graphql(self, body: dict[str, Any], access: str) -> None:
        state = self.server.state
        query = body["query"]
        if "viewer" in query:
            if state.viewer is None:
                raise _Answer(200, {"errors": [{"type": "FORBIDDEN", "message": NOT_ACCESSIBLE}]})
            raise _Answer(200, {"data": {"viewer": {"login": state.viewer}}})
        if "minimizeComment" in query and "classifier: OUTDATED" in query:
            if access != "write":
                raise _Answer(200, {"errors": [{"type": "FORBIDDEN", "message": NOT_ACCESSIBLE}]})
            node = body["variables"]["id"]
            comment = next((c for c in state.comments.values() if c["node_id"] == node), None)
            if comment is None or comment["user"]["login"] != state.bot:
                raise _Answer(200, {"errors": [{"type": "NOT_FOUND", "message": "no such node"}]})
            state.minimized.add(comment["id"])
            raise _Answer(
                200, {"data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}}
            )
        raise _Answer(200, {"errors": [{"message": f"unsupported query: {query}"}]})


class _Answer(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def _check_body(text: str) -> None:
    if len(text) > MAX_BODY:
        raise _Answer(
            422,
            {
                "message": "Validation Failed",
                "errors": [
                    {
                        "resource": "IssueComment",
                        "code": "custom",
                        "field": "body",
                        "message": "body is too long (maximum is 65536 characters)",
                    }
                ],
            },
        )


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "comments_log"}


class _Server(ThreadingHTTPServer):
    state: State
    lock: threading.Lock


class FakeGitHub:
    """``with FakeGitHub() as github:`` a server at ``github.url`` with ``github.state``."""

    def __init__(self) -> None:
        self.state = State()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self._server.lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
