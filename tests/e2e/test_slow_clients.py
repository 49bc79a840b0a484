"""A served app cuts slow clients: sockets dribbling headers (slowloris) are closed after
EQV_HTTP_HEADER_TIMEOUT_S, a body that never completes gets 503 at EQV_HTTP_REQUEST_DEADLINE_S,
and the app keeps answering everyone else meanwhile."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.support.e2e import ADMIN_KEY, base_env, processes

pytestmark = pytest.mark.e2e
GENEROUS_S = 30.0  # the CI machine is busy: only "cut at all, well before forever" is asserted


def _open(port: int, first_bytes: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=GENEROUS_S)
    sock.sendall(first_bytes)
    return sock


def _closed_by_server(sock: socket.socket) -> bytes:
    """Everything the server sent until it closed the socket (raises socket.timeout if it never does)."""
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_slowloris_sockets_are_cut_and_a_stalled_body_gets_503(tmp_path: Path) -> None:
    env = base_env(tmp_path) | {"EQV_HTTP_HEADER_TIMEOUT_S": "1", "EQV_HTTP_REQUEST_DEADLINE_S": "2"}
    with processes(env, tmp_path) as running:
        base = running.serve()
        port = int(base.rsplit(":", 1)[1])
        slow = [_open(port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ") for _ in range(50)]
        started = time.monotonic()
        assert httpx.get(f"{base}/health", timeout=GENEROUS_S).status_code == 200  # others still served
        for sock in slow:
            assert _closed_by_server(sock) == b""
            sock.close()
        assert time.monotonic() - started < GENEROUS_S

        stalled = _open(
            port,
            b"POST /v1/equivalences/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"X-API-Key: " + ADMIN_KEY.encode() + b"\r\nContent-Length: 1000\r\n\r\n{\"origem\":",
        )
        answer = _closed_by_server(stalled)
        stalled.close()
        assert answer.startswith(b"HTTP/1.1 503") and b"retry-after: 5" in answer.lower(), answer[:300]

        kept = _open(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")  # a keep-alive client idling after its answer
        assert _closed_by_server(kept).startswith(b"HTTP/1.1 200 OK")  # then closed by the keep-alive timeout
        kept.close()
