"""A small GitHub REST + GraphQL client on the standard library.

Why not PyGithub or githubkit: publishing needs about ten endpoints and one GraphQL query and
mutation, and a fresh ``pip install`` of PyGithub adds 12 distributions (cryptography and PyNaCl
among them, for App authentication this tool never does), githubkit 17 (pydantic, httpx and two
schema packages); see the README for the figures. What those clients would give is written here
once, with the bounds this tool wants:

* ``Link: <...>; rel="next"`` pagination, only ever to the API's own origin (the token must not
  follow a link elsewhere);
* the primary rate limit (``x-ratelimit-remaining: 0`` until ``x-ratelimit-reset``) and the
  secondary one (``retry-after``) are waited out, but never for more than ``max_wait`` seconds
  in total: a CI step must not hang for an hour;
* 5xx answers and network timeouts are retried a few times with a growing pause;
* the token is only ever in the ``Authorization`` header: no message, ``repr`` or dry-run line
  contains it.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from iam_prune import __version__

DEFAULT_API_URL = "https://api.github.com"
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
_RETRIED_STATUSES = frozenset({500, 502, 503, 504})

Sleep = Callable[[float], None]


class GitHubError(Exception):
    """An answer GitHub gave (or none): ``status`` is 0 when no answer came."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        self.method, self.path, self.status, self.message = method, path, status, message
        where = f"{method} {path}"
        super().__init__(f"{where}: HTTP {status}: {message}" if status else f"{where}: {message}")

    @property
    def forbidden(self) -> bool:
        """A read-only token or a missing permission (fork pull requests get both)."""
        return self.status in (403, 404)


class RateLimitedError(GitHubError):
    """A rate limit whose reset is further away than the client may wait."""

    @property
    def forbidden(self) -> bool:
        return False  # a 403 that is no missing permission


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    data: Any


@dataclass
class GitHubClient:
    """Talks to one GitHub (github.com or an Enterprise Server) with one token."""

    api_url: str
    token: str = field(repr=False)
    graphql_url: str | None = None
    timeout: float = 30.0
    max_wait: float = 120.0  # total seconds this client may spend waiting out rate limits
    retries: int = 3  # extra attempts after a 5xx or a timeout
    sleep: Sleep = field(default=lambda seconds: _sleep(seconds))
    clock: Callable[[], float] = time.time
    dry_run: bool = False  # print writes instead of sending them (reads still go out)
    echo: Callable[[str], None] = print
    waited: float = 0.0
    requests: int = 0

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        if self.graphql_url is None:
            self.graphql_url = graphql_url_for(self.api_url)

    # ------------------------------------------------------------------ REST

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        return self.request("GET", path, params=params).data

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        return self.request("POST", path, body=body).data

    def patch(self, path: str, body: Mapping[str, Any]) -> Any:
        return self.request("PATCH", path, body=body).data

    def delete(self, path: str) -> None:
        self.request("DELETE", path)

    def paginate(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, page after page as ``Link`` says."""
        url: str | None = self._url(path, {"per_page": 100, **(params or {})})
        while url is not None:
            response = self._send("GET", url, None, path)
            if not isinstance(response.data, list):
                raise GitHubError("GET", path, response.status, "expected a list")
            yield from response.data
            url = self._next_page(response.headers.get("link", ""))

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Response:
        url = self._url(path, params)
        if self.dry_run and method != "GET":
            return self._print(method, url, body)
        return self._send(method, url, body, path)

    def _print(self, method: str, url: str, body: Mapping[str, Any] | None) -> Response:
        """What a dry run shows instead of a write: the request, never the token."""
        shown = "" if body is None else "\n" + json.dumps(body, indent=2)
        self.echo(f"[dry run] {method} {url}{shown}")
        return Response(0, {}, {})

    # ------------------------------------------------------------------ GraphQL

    def graphql(
        self, query: str, variables: Mapping[str, Any] | None = None, *, write: bool = False
    ) -> Any:
        """The ``data`` of a GraphQL answer; its first error becomes a :class:`GitHubError`.
        ``write`` marks a mutation, which a dry run prints instead of sending."""
        assert self.graphql_url is not None
        payload = {"query": query, "variables": dict(variables or {})}
        if write and self.dry_run:
            return self._print("POST", self.graphql_url, payload).data
        response = self._send("POST", self.graphql_url, payload, "graphql")
        errors = response.data.get("errors") if isinstance(response.data, dict) else None
        if errors:
            first = errors[0]
            status = 403 if first.get("type") == "FORBIDDEN" else 422
            raise GitHubError("POST", "graphql", status, str(first.get("message", first)))
        return response.data.get("data") if isinstance(response.data, dict) else None

    # ------------------------------------------------------------------ transport

    def _url(self, path: str, params: Mapping[str, str | int] | None) -> str:
        url = path if path.startswith(("http://", "https://")) else f"{self.api_url}{path}"
        if params:
            url += "?" + urllib.parse.urlencode({k: str(v) for k, v in params.items()})
        return url

    def _next_page(self, link: str) -> str | None:
        match = _NEXT_LINK.search(link)
        if match is None:
            return None
        target = match.group(1)
        if _origin(target) != _origin(self.api_url):
            return None  # never send the token to another host
        return target

    def _send(self, method: str, url: str, body: Mapping[str, Any] | None, name: str) -> Response:
        failures = 0
        # A POST creates something, and GitHub may have made it before answering 5xx or
        # timing out: sent again, it would be made twice (two reviews, the same suggestion
        # twice). It is repeated only when it never left (a refused connection); GraphQL
        # posts here only read or hide comments, which repeat safely.
        repeats = method != "POST" or name == "graphql"
        while True:
            try:
                return self._once(method, url, body)
            except urllib.error.HTTPError as answer:
                status, headers = answer.code, _lower(answer.headers)
                if 300 <= status < 400:
                    raise GitHubError(method, name, status, str(answer.reason)) from None
                message = _message(answer.read())
                wait = self._rate_limit_wait(status, headers, message)
                if wait is not None:
                    if self.waited + wait > self.max_wait:
                        raise RateLimitedError(
                            method,
                            name,
                            status,
                            f"rate limited for {wait:.0f} s more, past the {self.max_wait:.0f} s"
                            f" this run may wait: {message}",
                        ) from None
                    self.waited += wait
                    self.sleep(wait)
                    continue
                if status in _RETRIED_STATUSES and repeats and failures < self.retries:
                    failures += 1
                    self.sleep(2.0 ** (failures - 1))
                    continue
                raise GitHubError(method, name, status, message) from None
            except (urllib.error.URLError, TimeoutError) as error:
                unsent = isinstance(getattr(error, "reason", None), ConnectionRefusedError)
                if (repeats or unsent) and failures < self.retries:
                    failures += 1
                    self.sleep(2.0 ** (failures - 1))
                    continue
                reason = getattr(error, "reason", error)
                raise GitHubError(method, name, 0, f"no answer: {reason}") from None

    def _once(self, method: str, url: str, body: Mapping[str, Any] | None) -> Response:
        self.requests += 1
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", f"iam-prune/{__version__}")
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with _OPENER.open(request, timeout=self.timeout) as answer:
            raw = answer.read()
            return Response(answer.status, _lower(answer.headers), json.loads(raw) if raw else None)

    def _rate_limit_wait(
        self, status: int, headers: Mapping[str, str], message: str
    ) -> float | None:
        """Seconds to wait before trying again, or ``None`` when this is no rate limit."""
        if status not in (403, 429):
            return None
        if "retry-after" in headers:
            try:
                return max(0.0, float(headers["retry-after"]))
            except ValueError:
                return 60.0
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            try:
                return max(0.0, float(headers["x-ratelimit-reset"]) - self.clock()) + 1.0
            except ValueError:
                return 60.0
        if "secondary rate limit" in message.lower():
            return 60.0  # GitHub's advice when it gives no retry-after
        return None


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect (a renamed repository) only within the same origin: urllib would
    otherwise carry the ``Authorization`` header to any host a redirect names."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if _origin(newurl) != _origin(req.full_url):
            raise urllib.error.HTTPError(
                req.full_url, code, f"redirect to another host refused: {newurl}", headers, fp
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameOriginRedirects())


def _sleep(seconds: float) -> None:
    """The pause between attempts (tests replace it to count the waits instead)."""
    time.sleep(seconds)


def graphql_url_for(api_url: str) -> str:
    """github.com serves GraphQL at ``/graphql``; an Enterprise Server at ``/api/graphql``."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return f"{base}/graphql"


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()} if headers else {}


def _message(raw: bytes) -> str:
    """GitHub's own ``message`` (and the first validation error), else the raw text."""
    text = raw.decode("utf-8", "replace")
    try:
        doc = json.loads(text)
    except ValueError:
        return text.strip()[:300] or "(no body)"
    if not isinstance(doc, dict):
        return text[:300]
    message = str(doc.get("message", ""))
    errors = doc.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        detail = first.get("message") if isinstance(first, dict) else first
        if detail:
            message = f"{message}: {detail}" if message else str(detail)
    return message or text[:300]
