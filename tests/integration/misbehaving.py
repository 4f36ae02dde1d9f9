"""A tiny HTTP server on loopback that stands between boto3 and moto and misbehaves on cue.

Every request is passed to moto unchanged, except those whose ``Action`` has a rule: those get
the rule's status and body (garbage, nothing at all, a report cut short), or no answer until
the test ends (a stall). It counts the requests per action, so a test can see how often the
client tried.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

STALL = "stall"


@dataclass
class Misbehaving:
    """``rules[action]`` is ``(status, body)`` or :data:`STALL`; with ``times[action]``, the
    rule answers only that many requests, and the later ones reach moto."""

    url: str
    rules: dict[str, tuple[int, bytes] | str] = field(default_factory=dict)
    times: dict[str, int] = field(default_factory=dict)
    seen: Counter[str] = field(default_factory=Counter)


@contextmanager
def misbehaving(upstream: str) -> Iterator[Misbehaving]:
    release = threading.Event()
    state = Misbehaving(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
            state.seen[action] += 1
            rule = state.rules.get(action)
            if action in state.times and state.seen[action] > state.times[action]:
                rule = None
            if rule == STALL:
                release.wait(60)
                self.close_connection = True
                return
            if isinstance(rule, tuple):
                self._answer(*rule, content_type="text/xml")
                return
            self._forward(body)

        def _forward(self, body: bytes) -> None:
            request = urllib.request.Request(
                upstream + self.path,
                data=body,
                method="POST",
                headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status, payload = answer.status, answer.read()
                    content_type = answer.headers.get("Content-Type", "text/xml")
            except urllib.error.HTTPError as error:
                status, payload = error.code, error.read()
                content_type = error.headers.get("Content-Type", "text/xml")
            self._answer(status, payload, content_type=content_type)

        def _answer(self, status: int, payload: bytes, *, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        release.set()
        server.shutdown()
        server.server_close()
