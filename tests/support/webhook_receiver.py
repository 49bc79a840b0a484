"""A real local webhook receiver for tests: a threaded http.server on a free port that verifies
each request's signature with the shipped `verify` and records what it got.

`down()` closes the port (connections are refused); `up()` listens on the same port again.
`wait_for(n)` blocks on a condition until n requests have arrived (no sleeps)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from core.domain.webhook_signature import HEADER, verify


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def event(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.body)
        return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class WebhookReceiver:
    def __init__(self, secret: str = "", status: int = 200) -> None:
        self.secret = secret
        self.status = status
        self.now: Callable[[], int] = lambda: int(time.time())  # a test with a fake clock sets its own
        self.port = free_port()
        self.received: list[Received] = []
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def up(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = verify(self.headers.get(HEADER, ""), body, receiver.secret, now=receiver.now())
                self.send_response(receiver.status if ok else 400)
                self.end_headers()
                with receiver._changed:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body, ok))
                    receiver._changed.notify_all()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                return

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def wait_for(self, count: int, timeout_s: float = 60.0) -> list[Received]:
        """The first `count` requests, once they have arrived (the timeout only bounds a hung test)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.received) >= count, timeout=timeout_s):
                raise AssertionError(f"receiver got {len(self.received)} requests, expected {count}")
            return list(self.received)
